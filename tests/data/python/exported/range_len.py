import torch
import torch.nn as nn
import torch.nn.functional as F


class RangeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.Linear(10, 20),
            nn.Tanh(),
            nn.Linear(20, 20),
            nn.Sigmoid(),
        ])
        self.acts = nn.ModuleList([nn.Identity() for _ in range(4)])

    def forward(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i](x)
            x = self.acts[i](x)
        return x


model = RangeNet()
# input: 5,10
