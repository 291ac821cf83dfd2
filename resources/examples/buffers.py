import torch
import torch.nn as nn


class NetBuffers(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)  # weight, bias: parameters; running_mean, running_var, num_batches_tracked: buffers
        self.fc = nn.Linear(8 * 28 * 28, n_classes)
        # a learnable tensor of the model itself: a parameter (trained, in parameters() and state_dict())
        self.scale = nn.Parameter(torch.ones(1))
        # a fixed tensor that belongs to the model: a buffer (saved in state_dict(), never trained)
        self.register_buffer("pixel_mean", torch.full((1, 1, 1, 1), 0.5))
        # persistent=False: moved by .to() with the model, but not saved in state_dict()
        self.register_buffer("scratch", torch.zeros(n_classes), persistent=False)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x - self.pixel_mean)))
        x = self.fc(torch.flatten(x, 1))
        return x * self.scale


model = NetBuffers()
# input: 1,1,28,28
