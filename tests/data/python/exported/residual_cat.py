import torch
import torch.nn as nn
import torch.nn.functional as F


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(8, 8, 3, padding=1)
        self.right = nn.Conv2d(8, 8, 1)
        self.merge = nn.Conv2d(16, 8, 1)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        a = self.left(x)
        b = self.right(x)
        y = torch.cat([a, b], dim=1)
        y = self.merge(y)
        x = x + y
        x = F.relu(x)
        x = x.mean((2, 3))
        return self.head(x)


model = TwoBranch()
# input: 2,8,10,10
