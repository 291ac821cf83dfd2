# One module under two names: freezing it in one place freezes the one object.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Sequential(self.a, nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.b(self.a(x))


model = Net()
model.b[0].weight.requires_grad = False
