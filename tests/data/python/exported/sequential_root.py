import torch
import torch.nn as nn
import torch.nn.functional as F
from collections import OrderedDict


model = nn.Sequential(OrderedDict([
    ('features', nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.BatchNorm2d(8),
        nn.ReLU(),
    )),
    ('pool', nn.AdaptiveAvgPool2d((4, 4))),
    ('flatten', nn.Flatten()),
    ('head', nn.Linear(128, 10)),
]))
# input: 2,1,28,28
