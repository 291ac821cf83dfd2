import torch
import torch.nn as nn
import torch.nn.functional as F


class LogitAutoEncoder(nn.Module):
    """A dense autoencoder that returns logits (trained with BCEWithLogitsLoss against the
    input), with a BatchNorm in its bottleneck and the image reshaped back in forward."""

    def __init__(self):
        super().__init__()
        self.down = nn.Linear(28 * 28, 24, bias=False)  # a bias before BatchNorm would cancel out
        self.norm = nn.BatchNorm1d(24)
        self.up = nn.Linear(24, 28 * 28)

    def forward(self, x):
        n = x.shape[0]
        h = F.relu(self.norm(self.down(torch.flatten(x, 1))))
        return self.up(h).view(n, 1, 28, 28)


model = LogitAutoEncoder()
# input: 4,1,28,28
