import torch
import torch.nn as nn


class Shared(nn.Module):
    """One Linear under two names and one ReLU under two attributes: named_modules() and
    parameters() list each once, state_dict() lists the Linear's tensors under both names."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.block = nn.Sequential(self.fc, nn.ReLU())
        self.act = nn.ReLU()
        self.again = self.act

    def forward(self, x):
        return self.again(self.block(self.fc(x)))


model = Shared()
# input: 2,4
# check: eval forward with seed 0
