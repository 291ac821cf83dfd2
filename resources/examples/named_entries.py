import torch
import torch.nn as nn
from collections import OrderedDict


class NetNamed(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        # an OrderedDict names the entries: features.conv.weight instead of features.0.weight
        self.features = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(1, 8, kernel_size=3, padding=1)),
            ("relu", nn.ReLU()),
        ]))
        # an empty Sequential filled by add_module: named entries too, in the order they are added
        self.classifier = nn.Sequential()
        self.classifier.add_module("flatten", nn.Flatten())
        self.classifier.add_module("fc", nn.Linear(8 * 28 * 28, n_classes))
        # add_module on the model itself registers like self.pool = ...
        self.add_module("pool", nn.Identity())

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.classifier(x)


model = NetNamed()
# input: 1,1,28,28
