import torch
import torch.nn as nn
import torch.nn.functional as F


class DictNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleDict({
            'stem': nn.Conv2d(3, 8, 3, padding=1),
            'norm': nn.BatchNorm2d(8),
            'pool': nn.MaxPool2d(2),
        })
        self.classifier = nn.Linear(2048, 5)

    def forward(self, x):
        x = self.blocks['stem'](x)
        x = F.relu(self.blocks['norm'](x))
        x = self.blocks['pool'](x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


model = DictNet()
# input: 1,3,32,32
