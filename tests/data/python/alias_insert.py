# One module under two names, changed after it got its second name: PyTorch has one object, so
# both places show the change.
# input: 1,4
import torch.nn as nn

model = nn.Sequential(nn.Sequential(nn.Linear(4, 4)), nn.ReLU())
model.insert(2, model[0])
model[0].append(nn.Linear(4, 4))
