import torch
import torch.nn as nn

# One Linear under three names of a Sequential at the root, the third inside a nested Sequential:
# parameters() lists it once, state_dict() under every name.
model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
model.append(model[0])
model.append(nn.Sequential(nn.Tanh(), model[0]))
# input: 2,4
# check: eval forward with seed 0
