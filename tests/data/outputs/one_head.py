# The discriminator of two_heads.py without its class head: forward returns one tensor, where
# two_heads.py returns a tuple of two (a structure the compare view must tell apart).
import torch
import torch.nn as nn


class OneHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 4, stride=2, padding=1), nn.LeakyReLU(0.01))
        self.out_src = nn.Conv2d(8, 1, 3, padding=1, bias=False)

    def forward(self, x):
        h = self.body(x)
        return self.out_src(h)


model = OneHead()
# input: 2,3,8,8
