# Transfer learning: freeze the feature extractor parameter by parameter and one bias.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
        self.fc = nn.Linear(4 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


model = Net()
for p in model.features.parameters():
    p.requires_grad = False
model.fc.bias.requires_grad = False
