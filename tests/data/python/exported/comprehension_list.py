import torch
import torch.nn as nn
import torch.nn.functional as F


class DeepMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(784, 128)
        self.layers = nn.ModuleList([nn.Linear(128, 128) for _ in range(3)])
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.inp(x))
        for layer in self.layers:
            x = F.relu(layer(x))
        x = self.out(x)
        return x


model = DeepMLP()
# input: 4,1,28,28
