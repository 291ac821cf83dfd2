import torch
import torch.nn as nn
import torch.nn.functional as F
from collections import OrderedDict


class OrderedNet(nn.Module):
    """A Sequential with named children, LayerNorm and GELU."""

    def __init__(self, in_features=16, hidden=32, n_classes=4):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ('fc_in', nn.Linear(in_features, hidden)),
            ('norm', nn.LayerNorm(hidden)),
            ('act', nn.GELU()),
            ('drop', nn.Dropout(p=0.1)),
        ]))
        self.head = nn.Linear(hidden, n_classes, bias=False)

    def forward(self, x):
        x = self.body(x)
        return F.log_softmax(self.head(x), dim=1)


model = OrderedNet()
# input: 2,16
