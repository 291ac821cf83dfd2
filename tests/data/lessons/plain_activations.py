import torch
import torch.nn as nn


class PlainActivations(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        # parameter-free, and still unregistered: model.eval() never reaches this Dropout
        self.acts = [nn.ReLU(), nn.Dropout(0.5)]
    def forward(self, x):
        x = self.fc(x)
        for act in self.acts:
            x = act(x)
        return x


model = PlainActivations()
# input: 2,8
