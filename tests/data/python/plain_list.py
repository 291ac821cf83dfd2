import torch
import torch.nn as nn


class PlainListNet(nn.Module):
    def __init__(self, n=8):
        super().__init__()
        self.first = nn.Linear(n, n)
        # a plain Python list: PyTorch does not register these layers
        self.extra = [nn.Linear(n, n), nn.ReLU(), nn.Linear(n, 2)]

    def forward(self, x):
        x = self.first(x)
        for m in self.extra:
            x = m(x)
        return x


model = PlainListNet(8)
# input: 3,8
