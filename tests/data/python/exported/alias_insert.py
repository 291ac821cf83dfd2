import torch
import torch.nn as nn
import torch.nn.functional as F


model = nn.Sequential(
    nn.Sequential(
        nn.Linear(4, 4),
        nn.Linear(4, 4),
    ),
    nn.ReLU(),
)
model.append(model[0])
# input: 1,4
