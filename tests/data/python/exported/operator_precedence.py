import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(3, 4)
        self.c = nn.Linear(4, 6)
        self.d = nn.Linear(6, 12)
        self.e = nn.Linear(12, 4)
        self.f = nn.Linear(4, 10)
        self.g = nn.Linear(10, 5)
        self.h = nn.Linear(5, 4)

    def forward(self, x):
        for layer in self.a, self.b, self.c, self.d, self.e, self.f, self.g, self.h:
            x = layer(x)
        return x


model = Net()
# input: 2,4
