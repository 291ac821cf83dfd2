import collections

import torch.nn as nn

Outputs = collections.namedtuple("Outputs", ["logits", "aux"])


class TwoHeads(nn.Module):
    """A classifier with an auxiliary head, returned together as torchvision's GoogLeNet does."""
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU())
        self.head = nn.Linear(16, 10)
        self.aux = nn.Linear(16, 10)

    def forward(self, x):
        h = self.body(x)
        return Outputs(self.head(h), self.aux(h))


model = TwoHeads()
