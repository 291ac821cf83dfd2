import torch
import torch.nn as nn
import torch.nn.functional as F


class MLPBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(16, eps=1e-06)
        self.fc1 = nn.Linear(16, 64)
        self.act = nn.GELU(approximate='tanh')
        self.fc2 = nn.Linear(64, 16)
        self.drop = nn.Dropout(p=0.0)

    def forward(self, x):
        y = self.norm(x)
        y = self.fc2(self.act(self.fc1(y)))
        x = x + self.drop(y)
        return x


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([MLPBlock() for _ in range(3)])
        self.final = nn.LayerNorm((16,))

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.final(x)


model = Mixer()
# input: 2,5,16
