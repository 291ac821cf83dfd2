import torch
import torch.nn as nn

N_LAYERS = 4


class Repeats(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.proj = nn.Linear(d, d // 2)
        self.layers = nn.ModuleList([nn.Linear(d // 2, d // 2) for i in range(N_LAYERS)])
        self.mixed = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()])

    def forward(self, x):
        x = self.proj(x)
        for layer in self.layers:
            x = layer(x)
        for m in self.mixed:
            x = m(x)
        return x


model = Repeats()
# input: 2,32
