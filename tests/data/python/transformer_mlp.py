import torch
import torch.nn as nn


class MLPBlock(nn.Module):
    def __init__(self, dim, ratio=4, p=0.0):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, dim * ratio)
        self.act = nn.GELU(approximate='tanh')
        self.fc2 = nn.Linear(dim * ratio, dim)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        y = self.norm(x)
        y = self.fc2(self.act(self.fc1(y)))
        x = x + self.drop(y)
        return x


class Mixer(nn.Module):
    def __init__(self, dim=16, depth=3):
        super().__init__()
        self.blocks = nn.ModuleList([MLPBlock(dim) for _ in range(depth)])
        self.final = nn.LayerNorm([dim])

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.final(x)


model = Mixer(dim=16)
# input: 2,5,16
