import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
        )
        self.head = nn.ModuleList([
            nn.Flatten(),
            nn.Linear(784, 64),
            nn.Sigmoid(),
            nn.Linear(64, 10),
        ])

    def forward(self, x):
        x = self.features(x)
        for module in self.head:
            x = module(x)
        x = F.softmax(x, dim=1)
        return x


model = TinyCNN()
# input: 4,1,28,28
