# A classifier whose forward returns a namedtuple holding a tensor and a tuple of two, as
# torchvision's GoogLeNet and Inception return their auxiliary outputs in training mode.
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

Outputs = namedtuple("Outputs", ["logits", "aux"])


class NamedHeads(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.fc = nn.Linear(24, num_classes)
        self.aux1 = nn.Linear(24, 3)
        self.aux2 = nn.Linear(24, 2)

    def forward(self, x):
        h = self.features(x)
        return Outputs(self.fc(h), (self.aux1(h), torch.sigmoid(self.aux2(h))))


model = NamedHeads()
# input: 1,1,6,6
