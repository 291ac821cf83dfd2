import torch
import torch.nn as nn
import torch.nn.functional as F


class NetPlainConvs(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        # the conv blocks in a plain Python list: PyTorch does not register these layers
        self.conv_layers = [
            nn.Conv2d(in_c, 32, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU()
        ]
        # the classifier in a ModuleList: registered
        self.classifier = nn.ModuleList([
            nn.Flatten(),
            nn.Linear(64 * 28 * 28, 1024),
            nn.Sigmoid(),
            nn.Linear(1024, n_classes)
        ])
    def forward(self, x):
        for module in self.conv_layers:
            x = module(x)
        for module in self.classifier:
            x = module(x)
        return x


model = NetPlainConvs(1, 10)
# input: 1,1,28,28
