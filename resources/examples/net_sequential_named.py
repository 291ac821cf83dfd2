import torch
import torch.nn as nn
import torch.nn.functional as F
from collections import OrderedDict


class NetSequentialNamed(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        # an OrderedDict gives the entries names; without it they are named 0, 1, 2
        self.conv_block1 = nn.Sequential(OrderedDict([
            ('conv', nn.Conv2d(in_c, 32, kernel_size=3, stride=1, padding=1)),
            ('bn', nn.BatchNorm2d(32)),
            ('relu', nn.ReLU())
        ]))
        self.conv_block2 = nn.Sequential(OrderedDict([
            ('conv', nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1)),
            ('bn', nn.BatchNorm2d(64)),
            ('relu', nn.ReLU())
        ]))
        self.decoder = nn.Sequential(OrderedDict([
            ('fc1', nn.Linear(64 * 28 * 28, 1024)),
            ('act', nn.Sigmoid()),
            ('fc2', nn.Linear(1024, n_classes))
        ]))
    def forward(self, x):
        x = self.conv_block1(x)
        x = self.conv_block2(x)
        x = x.view(x.size(0), -1)
        x = self.decoder(x)
        return x


model = NetSequentialNamed(1, 10)
# input: 1,1,28,28
