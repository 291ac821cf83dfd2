# Older PyTorch style: `from torch import nn`, torch.nn prefixes, super(Name, self),
# backslash continuations and no line that creates the model.
import torch
from torch import nn
import torch.nn.functional as F
import numpy as np


class LeNet(nn.Module):
    '''LeNet-5, as in many tutorials.'''
    def __init__(self, num_classes=10):
        super(LeNet, self).__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, kernel_size=(5, 5), padding=2)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, \
                             120)
        self.fc2 = nn.Linear(120, 84); self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]
        num = 1
        for s in size:
            num *= s
        return num


if __name__ == '__main__':
    net = LeNet()
    print(net)
# input: 1,1,28,28
