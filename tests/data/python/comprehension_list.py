import torch
import torch.nn as nn
import torch.nn.functional as F


class DeepMLP(nn.Module):
    def __init__(self, width=64, depth=4, n_classes=10):
        super().__init__()
        hidden = width * 2  # locals and arithmetic in arguments
        self.inp = nn.Linear(28 * 28, hidden)
        self.layers = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(depth)])
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.inp(x))
        for layer in self.layers:
            x = F.relu(layer(x))
        x = self.out(x)
        return x


model = DeepMLP(depth=3)
# input: 4,1,28,28
