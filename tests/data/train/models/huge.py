import torch.nn as nn


class Huge(nn.Module):
    """Half a trillion parameters: no machine here trains it."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1000000, 500000)

    def forward(self, x):
        return self.fc(x)


model = Huge()
# input: 2,1000000
