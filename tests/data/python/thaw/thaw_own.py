# A frozen module with its own parameter: thawing a child leaves that parameter frozen.
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))
        self.inner = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)])


model = nn.Sequential(nn.Linear(3, 3), Scaled())
for p in model.parameters():
    p.requires_grad = False
model[1].requires_grad_(False)
model[1].inner[0].requires_grad_(True)
model[1].inner[0].bias.requires_grad_(False)
