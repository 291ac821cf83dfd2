import torch
import torch.nn as nn
import torch.nn.functional as F


class Repeats(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 16)
        self.layers = nn.ModuleList([nn.Linear(16, 16) for _ in range(4)])
        self.mixed = nn.ModuleList([
            nn.ReLU(),
            nn.ReLU(),
            nn.Tanh(),
            nn.ReLU(),
        ])

    def forward(self, x):
        x = self.proj(x)
        for layer in self.layers:
            x = layer(x)
        for m in self.mixed:
            x = m(x)
        return x


model = Repeats()
# input: 2,32
