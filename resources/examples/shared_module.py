import torch
import torch.nn as nn


class NetShared(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv = nn.Conv2d(8, 8, kernel_size=3, padding=1)
        self.act = nn.ReLU()
        # the same Conv2d and ReLU objects inside a Sequential: one module under two names
        self.block = nn.Sequential(self.conv, self.act)
        self.fc = nn.Linear(8 * 28 * 28, n_classes)

    def forward(self, x):
        x = self.act(self.stem(x))
        x = self.block(x)
        x = self.act(self.conv(x))  # the same weights a second time
        return self.fc(torch.flatten(x, 1))


model = NetShared()
# input: 1,1,28,28
