import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class ResidualNet(nn.Module):
    """A small residual network: a stem, two blocks in a ModuleList called out of order, a ModuleDict head."""
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.blocks = nn.ModuleList([Block(4), Block(4)])
        self.head = nn.ModuleDict({"pool": nn.AdaptiveAvgPool2d((2, 2)), "fc": nn.Linear(16, 5)})

    def forward(self, x):
        x = self.stem(x)
        x = self.blocks[1](x)
        x = self.blocks[0](x)
        x = F.max_pool2d(x, 2)
        x = self.head["pool"](x)
        x = torch.flatten(x, 1)
        return self.head["fc"](x)


model = ResidualNet()
# input: 3,1,12,12
