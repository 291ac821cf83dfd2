# A block placed again by append, extend, item assignment and add_module, then changed through
# one of its names: every place is the same object.
# input: 2,6
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(6, 6))
        self.add_module("again", self.block)
        self.layers = nn.ModuleList([nn.Linear(6, 6)])
        self.layers.append(self.block)
        self.layers.extend([self.layers[0]])
        self.tail = nn.Sequential(nn.ReLU(), nn.ReLU())
        self.tail[1] = self.block
        self.again.append(nn.Tanh())
        self.layers[1].append(nn.Linear(6, 6))
        self.block.add_module("out", nn.Sigmoid())

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.tail(self.block(x))


model = Net()
