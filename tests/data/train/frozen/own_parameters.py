# Parameters of a module's own, frozen where they are made.
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.fc.bias.requires_grad = False
        self.scale = nn.Parameter(torch.ones(n), requires_grad=False)
        self.shift = nn.Parameter(torch.zeros(n))
        self.gain = nn.Parameter(torch.ones(1), False)

    def forward(self, x):
        return self.fc(x) * self.scale + self.shift * self.gain


model = Scaled(6)
