import torch
import torch.nn as nn
import torch.nn.functional as F


class NetModuleDict(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        self.blocks = nn.ModuleDict({
            'conv1': nn.Conv2d(in_c, 32, kernel_size=3, stride=1, padding=1),
            'bn1': nn.BatchNorm2d(32),
            'conv2': nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            'bn2': nn.BatchNorm2d(64),
        })
        self.decoder = nn.Sequential(
            nn.Linear(64 * 28 * 28, 1024),
            nn.Sigmoid(),
            nn.Linear(1024, n_classes)
        )
    def forward(self, x):
        x = F.relu(self.blocks['bn1'](self.blocks['conv1'](x)))
        x = F.relu(self.blocks['bn2'](self.blocks['conv2'](x)))
        x = x.view(x.size(0), -1)
        x = self.decoder(x)
        return x


model = NetModuleDict(1, 10)
# input: 1,1,28,28
