# Two independent size errors: conv2 expects 16 channels but gets 8, and fc1 expects 60
# features but gets 64. PyTorch stops at conv2; once it is fixed, it stops at fc1.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, stride=2)
        self.bn = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.head = nn.Sequential(nn.Linear(60, 32), nn.ReLU(), nn.Linear(32, 5))

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.bn(self.conv2(x))
        x = torch.flatten(self.pool(x), 1)
        return self.head(x)


model = Broken()
# input: 2,3,12,12
