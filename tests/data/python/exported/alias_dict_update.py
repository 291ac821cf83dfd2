import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({
            'a': nn.Sequential(
                nn.Linear(3, 3),
                nn.ReLU(),
            ),
        })
        self.heads['b'] = self.heads['a']

    def forward(self, x):
        return self.heads['b'](self.heads['a'](x))


model = Net()
# input: 1,3
