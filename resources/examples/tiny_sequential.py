import torch
import torch.nn as nn
import torch.nn.functional as F


class TinySequential(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_c, 4, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU()
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(4 * 28 * 28, n_classes)
        )
    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return x


model = TinySequential(1, 10)
# input: 1,1,28,28
