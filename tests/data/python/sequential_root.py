# A model built directly from torch.nn, without a class of its own.
import torch.nn as nn
from collections import OrderedDict

model = nn.Sequential(OrderedDict([
    ('features', nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU())),
    ('pool', nn.AdaptiveAvgPool2d((4, 4))),
    ('flatten', nn.Flatten()),
    ('head', nn.Linear(128, 10)),
]))
# input: 2,1,28,28
