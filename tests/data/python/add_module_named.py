import torch
import torch.nn as nn


class Named(nn.Module):
    """Children registered by name: an empty nn.Sequential filled by add_module, and
    add_module / register_module on the model itself."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential()
        self.features.add_module("conv", nn.Conv2d(1, 4, 3))
        self.features.add_module("relu", nn.ReLU())
        self.add_module("pool", nn.AdaptiveAvgPool2d(1))
        self.register_module("head", nn.Linear(4, 2))

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.head(torch.flatten(x, 1))


model = Named()
# input: 1,1,8,8
