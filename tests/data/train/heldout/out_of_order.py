import torch
import torch.nn as nn
import torch.nn.functional as F


class OutOfOrder(nn.Module):
    def __init__(self):
        super().__init__()
        # registered in one order, called in another; proj is called twice
        self.head = nn.Linear(16, 10)
        self.proj = nn.Linear(16, 16)
        self.mid = nn.Linear(32, 16)
        self.inp = nn.Linear(28 * 28, 32)
        self.act = nn.Tanh()

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = self.act(self.inp(x))
        x = F.relu(self.mid(x))
        x = self.proj(x)
        x = self.proj(self.act(x))
        return self.head(x)


model = OutOfOrder()
# input: 4,1,28,28
