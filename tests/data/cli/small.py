import torch.nn as nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.flat(self.conv(x)))


model = Small()
# input: 1,1,4,4
