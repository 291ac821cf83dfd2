import torch
import torch.nn as nn


class Scaled(nn.Module):
    """Own parameters and buffers beside a child: a module's own parameters come first in
    named_parameters() and state_dict(), then its buffers, then its children's."""

    def __init__(self, features=4):
        super().__init__()
        self.fc = nn.Linear(features, features)
        self.scale = nn.Parameter(torch.ones(features))
        self.register_buffer("running", torch.zeros(features))
        self.register_buffer("scratch", torch.zeros(2, features), persistent=False)
        self.offset = nn.Parameter(torch.full((1, features), 0.5))
        self.register_parameter("gain", nn.Parameter(torch.tensor([2.0])))

    def forward(self, x):
        return (self.fc(x) * self.scale + self.offset + self.running) * self.gain


model = Scaled()
# input: 2,4
# check: eval forward with seed 0
