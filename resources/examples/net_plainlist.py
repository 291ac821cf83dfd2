import torch
import torch.nn as nn
import torch.nn.functional as F


class NetPlainList(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        # a plain Python list: PyTorch does not register these layers
        self.layers = [
            nn.Conv2d(in_c, 32, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 28 * 28, 1024),
            nn.Sigmoid(),
            nn.Linear(1024, n_classes)
        ]
    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x


model = NetPlainList(1, 10)
# input: 1,1,28,28
