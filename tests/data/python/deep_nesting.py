# Containers nested 45 and 36 levels deep, as a loop builds them: the exporter writes them in
# steps (Python's parser takes at most 200 nested brackets), making the layers in the same order.
from collections import OrderedDict

import torch.nn as nn


class Deep(nn.Module):
    def __init__(self, depth=45):
        super().__init__()
        body = nn.Linear(4, 4)
        for i in range(depth):
            if i % 2:
                body = nn.Sequential(OrderedDict([('inner', body), ('act', nn.Tanh())]))
            else:
                body = nn.Sequential(nn.Linear(4, 4), body)
        self.body = body
        table = nn.Linear(4, 2)
        for i in range(35):
            table = nn.ModuleDict({'next': table, 'side': nn.Linear(2, 2)})
        self.table = table
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.body(x))


model = Deep()
# input: 2, 4
