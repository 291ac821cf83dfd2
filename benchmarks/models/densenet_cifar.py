# DenseNet for 32x32 CIFAR images (the widely used kuangliu/pytorch-cifar `densenet_cifar`:
# bottleneck layers, growth rate 12, blocks of 6, 12, 24 and 16 layers, compression 0.5).
import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    def __init__(self, in_planes, growth_rate):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, 4 * growth_rate, kernel_size=1, bias=False)
        self.bn2 = nn.BatchNorm2d(4 * growth_rate)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, kernel_size=3, padding=1, bias=False)

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        out = torch.cat([out, x], 1)
        return out


class Transition(nn.Module):
    def __init__(self, in_planes, out_planes):
        super().__init__()
        self.bn = nn.BatchNorm2d(in_planes)
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        out = self.conv(F.relu(self.bn(x)))
        out = self.pool(out)
        return out


class DenseNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 24, kernel_size=3, padding=1, bias=False)
        self.dense1 = nn.Sequential(
            Bottleneck(24, 12),
            Bottleneck(36, 12),
            Bottleneck(48, 12),
            Bottleneck(60, 12),
            Bottleneck(72, 12),
            Bottleneck(84, 12),
        )
        self.trans1 = Transition(96, 48)
        self.dense2 = nn.Sequential(
            Bottleneck(48, 12),
            Bottleneck(60, 12),
            Bottleneck(72, 12),
            Bottleneck(84, 12),
            Bottleneck(96, 12),
            Bottleneck(108, 12),
            Bottleneck(120, 12),
            Bottleneck(132, 12),
            Bottleneck(144, 12),
            Bottleneck(156, 12),
            Bottleneck(168, 12),
            Bottleneck(180, 12),
        )
        self.trans2 = Transition(192, 96)
        self.dense3 = nn.Sequential(
            Bottleneck(96, 12),
            Bottleneck(108, 12),
            Bottleneck(120, 12),
            Bottleneck(132, 12),
            Bottleneck(144, 12),
            Bottleneck(156, 12),
            Bottleneck(168, 12),
            Bottleneck(180, 12),
            Bottleneck(192, 12),
            Bottleneck(204, 12),
            Bottleneck(216, 12),
            Bottleneck(228, 12),
            Bottleneck(240, 12),
            Bottleneck(252, 12),
            Bottleneck(264, 12),
            Bottleneck(276, 12),
            Bottleneck(288, 12),
            Bottleneck(300, 12),
            Bottleneck(312, 12),
            Bottleneck(324, 12),
            Bottleneck(336, 12),
            Bottleneck(348, 12),
            Bottleneck(360, 12),
            Bottleneck(372, 12),
        )
        self.trans3 = Transition(384, 192)
        self.dense4 = nn.Sequential(
            Bottleneck(192, 12),
            Bottleneck(204, 12),
            Bottleneck(216, 12),
            Bottleneck(228, 12),
            Bottleneck(240, 12),
            Bottleneck(252, 12),
            Bottleneck(264, 12),
            Bottleneck(276, 12),
            Bottleneck(288, 12),
            Bottleneck(300, 12),
            Bottleneck(312, 12),
            Bottleneck(324, 12),
            Bottleneck(336, 12),
            Bottleneck(348, 12),
            Bottleneck(360, 12),
            Bottleneck(372, 12),
        )
        self.bn = nn.BatchNorm2d(384)
        self.pool = nn.AvgPool2d(4)
        self.linear = nn.Linear(384, num_classes)

    def forward(self, x):
        out = self.conv1(x)
        out = self.trans1(self.dense1(out))
        out = self.trans2(self.dense2(out))
        out = self.trans3(self.dense3(out))
        out = self.dense4(out)
        out = self.pool(F.relu(self.bn(out)))
        out = torch.flatten(out, 1)
        out = self.linear(out)
        return out


model = DenseNet()
# input: 8,3,32,32
