# A lambda as a layer (the shortcut of a CIFAR ResNet), F.pad in every mode, F.upsample, an
# import inside a function and m.__class__.__name__ in an initialisation helper.
# input: 2,4,6,6
# check: eval forward with seed 0
import torch.nn as nn
import torch.nn.functional as F


def _init(m):
    classname = m.__class__.__name__
    if classname == 'Conv2d':
        assert isinstance(m, nn.Conv2d)


def describe(net):
    import math
    from collections import OrderedDict as OD
    return math.floor(2.5) + len(OD())


class LambdaLayer(nn.Module):
    def __init__(self, lambd):
        super(LambdaLayer, self).__init__()
        self.lambd = lambd

    def forward(self, x):
        return self.lambd(x)


class Net(nn.Module):
    def __init__(self, planes=8):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.shortcut = LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))
        self.scale = lambda t, k=2: t * k
        self.fc = nn.Linear(8 * 7 * 7, 3)
        self.apply(_init)
        assert describe(self) == 2

    def forward(self, x):
        x = self.conv(x)
        y = self.shortcut(x)                               # [2, 8, 3, 3]: channels padded by 2 each side
        y = F.pad(y, (1, 1, 1, 1), mode='reflect')         # [2, 8, 5, 5]
        y = F.pad(y, (0, 1, 1, 0), 'replicate')            # [2, 8, 6, 6]
        y = F.pad(y, (1, 0, 0, 1), mode='circular')        # [2, 8, 7, 7]
        y = F.pad(y, [1, -1, -1, 1], value=0.5)            # [2, 8, 7, 7]: negative padding crops
        y = self.scale(F.upsample(y, scale_factor=1))
        return self.fc(y.flatten(1))
