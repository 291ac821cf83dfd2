import torch
import torch.nn as nn
import torch.nn.functional as F


class LambdaLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.lambd = lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 8 // 4, 8 // 4), 'constant', 0)

    def forward(self, x):
        return self.lambd(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = lambda t, k=2: t * k
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.shortcut = LambdaLayer()
        self.fc = nn.Linear(392, 3)

    def forward(self, x):
        x = self.conv(x)
        y = self.shortcut(x)
        y = F.pad(y, (1, 1, 1, 1), mode='reflect')
        y = F.pad(y, (0, 1, 1, 0), 'replicate')
        y = F.pad(y, (1, 0, 0, 1), mode='circular')
        y = F.pad(y, [1, -1, -1, 1], value=0.5)
        y = self.scale(F.upsample(y, scale_factor=1))
        return self.fc(y.flatten(1))


model = Net()
# input: 2,4,6,6
