# Freeze a backbone, then let its last block train again (fine-tuning).
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.blocks = nn.Sequential(nn.Linear(8, 8), nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8)))
        self.head = nn.Linear(8, 2)


model = Net()
model.requires_grad_(False)
model.blocks[1].requires_grad_(True)
