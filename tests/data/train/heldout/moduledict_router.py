import torch
import torch.nn as nn
import torch.nn.functional as F


class Router(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 6, 5, stride=2)
        self.paths = nn.ModuleDict({
            "wide": nn.Sequential(nn.Conv2d(6, 8, 3, padding=1), nn.ReLU()),
            "narrow": nn.Sequential(nn.Conv2d(6, 4, 1), nn.Tanh()),
        })
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.heads = nn.ModuleDict({"fc": nn.Linear(12 * 3 * 3, 10)})

    def forward(self, x):
        x = F.relu(self.stem(x))
        outs = []
        for name in ["narrow", "wide"]:
            outs.append(self.paths[name](x))
        x = self.pool(torch.cat(outs, dim=1))
        return self.heads["fc"](torch.flatten(x, 1))


model = Router()
# input: 4,1,28,28
