import torch
import torch.nn as nn
import torch.nn.functional as F


class Finetune(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Conv2d(4, 8, 3, padding=1),
        )
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.head(torch.flatten(x, 1))


model = Finetune()
model.features.requires_grad_(False)
model.features[3].requires_grad_(False)
# input: 2,1,8,8
