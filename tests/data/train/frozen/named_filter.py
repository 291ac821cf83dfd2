# Freeze everything but the head, chosen by name.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 16))
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.body(x))


model = Net()
for name, param in model.named_parameters():
    if not name.startswith("head"):
        param.requires_grad = False
model.body[1].weight.requires_grad_(True)
