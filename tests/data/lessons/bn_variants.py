import torch
import torch.nn as nn


class BatchNormVariants(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(32)
        self.bn_no_affine = nn.BatchNorm2d(32, affine=False)
        self.bn_no_stats = nn.BatchNorm2d(32, track_running_stats=False)
    def forward(self, x):
        return self.bn_no_stats(self.bn_no_affine(self.bn(x)))


model = BatchNormVariants()
# input: 2,32,4,4
