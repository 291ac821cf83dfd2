import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyModuleList(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        # the same five layers as TinySequential, in one ModuleList: other state_dict keys
        self.layers = nn.ModuleList([
            nn.Conv2d(in_c, 4, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 28 * 28, n_classes)
        ])
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


model = TinyModuleList(1, 10)
# input: 1,1,28,28
