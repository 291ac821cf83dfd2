# Freeze the whole model, then let one weight train again.
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 2)))
model.requires_grad_(False)
model[2][1].weight.requires_grad_(True)
