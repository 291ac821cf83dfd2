# nn.init.trunc_normal_ as timm-style models use it (modulelab's own test model).
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 64)
        nn.init.trunc_normal_(self.fc.weight, std=0.02)
        self.pos = nn.Parameter(torch.zeros(1, 5, 8))
        nn.init.trunc_normal_(self.pos, mean=0.5, std=1.0, a=-1.0, b=1.5)
        self.wide = nn.Parameter(torch.empty(300))
        nn.init.trunc_normal_(self.wide, std=3.0, a=-9.0, b=9.0)
        # a ViT's way: the parameter's data through .to(), initialised in place and assigned back
        self.cls = nn.Parameter(torch.randn(1, 1, 8))
        self.cls.data = nn.init.trunc_normal_(self.cls.data.to(torch.float32), mean=0.0, std=0.02).to(self.cls.dtype)

    def forward(self, x):
        return self.fc(x) + self.pos.sum() + self.wide.mean() + self.cls.sum()


# input: 2,32
