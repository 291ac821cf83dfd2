import torch
import torch.nn as nn
import torch.nn.functional as F


class PlainListMLP(nn.Module):
    def __init__(self):
        super().__init__()
        # a plain Python list: these layers are not registered, so the optimizer never sees them
        self.hidden = [nn.Linear(28 * 28, 64), nn.Linear(64, 32)]
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


model = PlainListMLP()
# input: 4,1,28,28
