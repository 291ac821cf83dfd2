import torch
import torch.nn as nn
import torch.nn.functional as F


class NetPlainListDropout(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_c, 8, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Flatten()
        )
        # a plain Python list: model.eval() never reaches this Dropout
        self.head = [
            nn.Dropout(0.5),
            nn.Linear(8 * 28 * 28, n_classes)
        ]
    def forward(self, x):
        x = self.features(x)
        for module in self.head:
            x = module(x)
        return x


model = NetPlainListDropout(1, 10)
# input: 1,1,28,28
