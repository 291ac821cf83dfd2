import torch
import torch.nn as nn


class Gate(nn.Module):
    """A convolution whose output is scaled and shifted by the block's own parameters."""
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.gain = nn.Parameter(torch.full((1, c, 1, 1), 0.5))
        self.shift = nn.Parameter(torch.zeros(c, 1, 1))

    def forward(self, x):
        return x + self.conv(x) * self.gain + self.shift


class OwnParams(nn.Module):
    """Parameters of the model itself used in forward through tensor operations; one block called twice."""
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 3, 3, stride=2, padding=1)
        self.gate = Gate(3)
        self.alpha = nn.Parameter(torch.ones(1))
        self.w_a = nn.Parameter(torch.ones(7))
        self.w_b = nn.Parameter(torch.full((3,), 2.0))
        self.fc = nn.Linear(3 * 14 * 14, 10)

    def forward(self, x):
        x = self.alpha * torch.relu(self.stem(x))
        x = self.gate(self.gate(x))
        x = torch.flatten(x, 1)
        w = torch.cat([self.w_a, self.w_b])
        return self.fc(x) * w - self.alpha


model = OwnParams()
# input: 1,1,28,28
