import torch
import torch.nn as nn
import torch.nn.functional as F


class NetModuleList(nn.Module):
    def __init__(self):
        super().__init__()
        self.module_list = nn.ModuleList([
            nn.Conv2d(1, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(50176, 1024),
            nn.Sigmoid(),
            nn.Linear(1024, 10),
        ])

    def forward(self, x):
        for module in self.module_list:
            x = module(x)
        return x


model = NetModuleList()
# input: 1,1,28,28
