import torch
import torch.nn as nn
import torch.nn.functional as F


class IndexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([
            nn.Linear(12, 24),
            nn.Linear(24, 24),
            nn.Linear(24, 3),
        ])

    def forward(self, x):
        x = F.relu(self.stages[0](x))
        x = torch.relu(self.stages[1](x))
        return F.softmax(self.stages[-1](x), dim=1)


model = IndexNet()
# input: 2,12
