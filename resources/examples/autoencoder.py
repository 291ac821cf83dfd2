import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    """A convolutional autoencoder for 28x28 grey images. Its output has its input's shape, so it
    is trained against the input itself: loss = F.mse_loss(model(x), x)."""

    def __init__(self, code=32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),   # 8 x 14 x 14
            nn.ReLU(),
            nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1),  # 16 x 7 x 7
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * 7 * 7, code),
        )
        self.expand = nn.Sequential(nn.Linear(code, 16 * 7 * 7), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=1, output_padding=1),  # 8 x 14 x 14
            nn.ReLU(),
            nn.ConvTranspose2d(8, 1, kernel_size=3, stride=2, padding=1, output_padding=1),   # 1 x 28 x 28
            nn.Sigmoid(),
        )

    def forward(self, x):
        z = self.encoder(x)
        h = self.expand(z).view(-1, 16, 7, 7)
        return self.decoder(h)


model = AutoEncoder()
# input: 1,1,28,28
