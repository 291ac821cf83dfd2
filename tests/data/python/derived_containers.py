# Classes derived from nn.Sequential, nn.ModuleList and nn.ModuleDict, as torchvision writes them:
# the object is the container (indexing, len, iteration, append), printed under its own class name.
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Sequential):  # torchvision 0.3 MobileNetV2: only __init__, Sequential's forward
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1):
        padding = (kernel_size - 1) // 2
        super(ConvBNReLU, self).__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU6(inplace=True),
        )


class DenseLayer(nn.Sequential):  # torchvision 0.2 DenseNet: add_module, its own forward, super().forward
    def __init__(self, channels, growth):
        super(DenseLayer, self).__init__()
        self.add_module("norm", nn.BatchNorm2d(channels))
        self.add_module("relu", nn.ReLU(inplace=True))
        self.add_module("conv", nn.Conv2d(channels, growth, 3, padding=1, bias=False))
        self.drop_rate = 0.0

    def forward(self, x):
        new_features = super(DenseLayer, self).forward(x)
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return torch.cat([x, new_features], 1)


class DenseBlock(nn.ModuleDict):  # torchvision 0.11 DenseNet: forward iterates self.items()
    def __init__(self, layers, channels, growth):
        super().__init__()
        for i in range(layers):
            self.add_module("denselayer%d" % (i + 1), DenseLayer(channels + i * growth, growth))

    def forward(self, x):
        for name, layer in self.items():
            x = layer(x)
        return x


class Stages(nn.ModuleList):
    def forward(self, x):
        for stage in self:
            x = stage(x)
        return x


class Head(nn.Sequential):
    pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBNReLU(3, 8, stride=2)
        assert len(self.stem) == 3 and isinstance(self.stem[1], nn.BatchNorm2d)
        self.block = DenseBlock(2, 8, 4)
        assert list(self.block.keys()) == ["denselayer1", "denselayer2"]
        self.stages = Stages([ConvBNReLU(16, 16)])
        self.stages.append(nn.MaxPool2d(2))
        assert len(self.stages) == 2
        self.head = Head(OrderedDict([("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten())]))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.block(self.stem(x))
        x = self.stages(x)
        for m in self.head:
            x = m(x)
        return self.fc(x)


model = Net()
