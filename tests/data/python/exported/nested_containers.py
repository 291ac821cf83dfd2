import torch
import torch.nn as nn
import torch.nn.functional as F


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1),
                nn.LeakyReLU(negative_slope=0.2),
                nn.Dropout2d(p=0.1),
            ),
            nn.Sequential(
                nn.Conv2d(8, 8, 3, padding=1),
                nn.SiLU(),
                nn.AvgPool2d(2),
            ),
        ])
        self.heads = nn.ModuleDict({
            'main': nn.Sequential(
                nn.Flatten(),
                nn.Linear(128, 32),
                nn.BatchNorm1d(32),
                nn.ReLU(inplace=True),
                nn.Linear(32, 3),
                nn.Softmax(dim=1),
            ),
            'aux': nn.Identity(),
        })
        self.pool = nn.MaxPool2d(2, stride=2)

    def forward(self, x):
        for block in self.features:
            x = block(x)
        x = self.pool(x)
        return self.heads['main'](x)


model = Nested()
# input: 4,3,16,16
