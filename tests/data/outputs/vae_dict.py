# An encoder that returns a dict of tensors, as VAE encoders often do.
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, latent=3):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(10, 8), nn.Tanh())
        self.mu = nn.Linear(8, latent)
        self.logvar = nn.Linear(8, latent)

    def forward(self, x):
        h = self.hidden(x)
        return {"mu": self.mu(h), "logvar": self.logvar(h)}


model = Encoder()
# input: 2,10
