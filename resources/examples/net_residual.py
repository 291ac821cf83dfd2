import torch
import torch.nn as nn
import torch.nn.functional as F


class NetResidual(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_c, 16, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU()
        )
        # two residual blocks: each is a Sequential, the skip connection lives in forward()
        self.blocks = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(16, 16, kernel_size=3, stride=1, padding=1),
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.Conv2d(16, 16, kernel_size=3, stride=1, padding=1),
                nn.BatchNorm2d(16)
            ) for _ in range(2)
        ])
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(16, n_classes)
        )
    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = F.relu(x + block(x))
        x = self.head(x)
        return x


model = NetResidual(1, 10)
# input: 1,1,28,28
