import torch
import torch.nn as nn
import torch.nn.functional as F


class NetModuleListReordered(nn.Module):
    def __init__(self, in_c, n_classes):
        super().__init__()
        self.module_list = nn.ModuleList([
            nn.Conv2d(in_c, 32, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 28 * 28, 1024),
            nn.Sigmoid(),
            nn.Linear(1024, n_classes)
        ])
    def forward(self, x):
        # the stored order is not the execution order: ReLU runs before BatchNorm here
        x = self.module_list[0](x)
        x = self.module_list[2](x)
        x = self.module_list[1](x)
        x = self.module_list[3](x)
        x = self.module_list[4](x)
        x = self.module_list[5](x)
        x = self.module_list[6](x)
        x = self.module_list[7](x)
        x = self.module_list[8](x)
        x = self.module_list[9](x)
        return x


model = NetModuleListReordered(1, 10)
# input: 1,1,28,28
