import torch
import torch.nn as nn
import torch.nn.functional as F


class Reshapes(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, (3, 3), stride=(2, 2))
        self.fc1 = nn.Linear(196, 49)
        self.fc2 = nn.Linear(49, 10)
        self.flat = nn.Flatten()

    def forward(self, x):
        x = self.conv(x)
        x = x.view(x.size(0), -1)
        x = self.fc1(x)
        x = x.reshape(x.size(0), 1, 7, 7)
        x = x.flatten(1)
        x = torch.flatten(x, 1)
        x = self.fc2(x)
        return x


model = Reshapes()
# input: 3,1,16,16
