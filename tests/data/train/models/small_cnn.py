import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    """The seed's style at a small size: a Sequential feature part with BatchNorm, a ModuleList head.
    No bias before a BatchNorm: its gradient is zero up to rounding, which Adam would amplify."""
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.ModuleList([nn.Flatten(), nn.Linear(6 * 7 * 7, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 10)])

    def forward(self, x):
        x = self.features(x)
        for m in self.head:
            x = m(x)
        return x


model = SmallCNN()
# input: 4,1,28,28
