import torch
import torch.nn as nn
import torch.nn.functional as F


class ResNetTiny(nn.Module):
    # uses Block before Block is defined
    def __init__(self, in_c=3, base=8, n_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(in_c, base, 3, padding=1, bias=False)
        self.block1 = Block(base, base)
        self.block2 = Block(base, base * 2, stride=2)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(base * 2, n_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.block1(x)
        x = self.block2(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


class Block(nn.Module):
    def __init__(self, in_c, out_c, stride=1):
        super(Block, self).__init__()
        self.conv = nn.Conv2d(in_c, out_c, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_c)
        self.shortcut = nn.Conv2d(in_c, out_c, 1, stride=stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        out = out + self.shortcut(x)
        return F.relu(out)


model = ResNetTiny(3, base=8)
# input: 2,3,16,16
