import torch
import torch.nn as nn
import torch.nn.functional as F
from collections import OrderedDict


class OrderedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ('fc_in', nn.Linear(16, 32)),
            ('norm', nn.LayerNorm(32)),
            ('act', nn.GELU()),
            ('drop', nn.Dropout(p=0.1)),
        ]))
        self.head = nn.Linear(32, 4, bias=False)

    def forward(self, x):
        x = self.body(x)
        return F.log_softmax(self.head(x), dim=1)


model = OrderedNet()
# input: 2,16
