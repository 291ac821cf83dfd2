import torch
import torch.nn as nn
import torch.nn.functional as F


class PlainListNet(nn.Module):
    """A registered stem, a plain Python list in the middle (PyTorch does not register it), a registered head."""
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 3, 3)
        self.layers = [nn.BatchNorm2d(3), nn.ReLU(), nn.Conv2d(3, 2, 3), nn.Tanh()]
        self.head = nn.ModuleList([nn.Flatten(), nn.Linear(2 * 4 * 4, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 3)])

    def forward(self, x):
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        for m in self.head:
            x = m(x)
        return F.log_softmax(x, dim=1)


model = PlainListNet()
# input: 2,1,8,8
