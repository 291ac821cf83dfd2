import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([
            nn.Conv2d(3, 16, 3, padding=1),
            nn.Conv2d(16, 32, 3, padding=1),
        ])
        self.norms = nn.ModuleList([
            nn.BatchNorm2d(16),
            nn.BatchNorm2d(32),
        ])
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = conv(x)
            x = F.relu(self.norms[i](x))
            x = F.max_pool2d(x, 2)
        x = x.mean((2, 3))
        return self.fc(x)


model = ConvStack()
# input: 2,3,16,16
