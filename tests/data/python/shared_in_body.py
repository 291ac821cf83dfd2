import torch
import torch.nn as nn


class Tied(nn.Module):
    """One Linear made in __init__ and stored twice in one ModuleList, and once more in a
    ModuleDict that names it through the list."""

    def __init__(self):
        super().__init__()
        mix = nn.Linear(8, 8)
        self.layers = nn.ModuleList([mix, nn.ReLU(), mix])
        self.heads = nn.ModuleDict({'out': nn.Linear(8, 2), 'again': self.layers[0]})

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.heads['out'](x)


model = Tied()
# input: 3,8
# check: eval forward with seed 0
