import torch
import torch.nn as nn
import torch.nn.functional as F


class PlainListNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(8, 8)
        self.extra = [
            nn.Linear(8, 8),
            nn.ReLU(),
            nn.Linear(8, 2),
        ]

    def forward(self, x):
        x = self.first(x)
        for m in self.extra:
            x = m(x)
        return x


model = PlainListNet()
# input: 3,8
