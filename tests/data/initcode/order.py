# Construction order that differs from registration order, tensors of the code, nn.init calls and
# in-place changes of parameters and buffers (modulelab's own test model).
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        head = nn.Linear(16, 4)            # built first, registered second
        body = nn.Linear(8, 16)
        self.body = body
        self.head = head
        self.register_buffer("noise", torch.rand(5))
        self.scale = nn.Parameter(torch.ones(4))
        unused = nn.Linear(3, 3)           # built and dropped: its draws still count
        self.emb = nn.Parameter(torch.empty(3, 8))
        nn.init.kaiming_uniform_(self.emb, a=math.sqrt(5))
        w = torch.empty(2, 8)
        nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"))
        self.w2 = nn.Parameter(w)
        self.eye = nn.Parameter(torch.empty(4, 4))
        nn.init.eye_(self.eye)
        with torch.no_grad():
            self.body.bias.fill_(0.1)
            self.body.weight.uniform_(-0.1, 0.1)
        self.conv = nn.Conv2d(2, 4, 3)
        nn.init.dirac_(self.conv.weight, groups=2)
        self.head.weight.data.normal_(0, 0.01)
        self.head.bias.data.normal_(0.5, 0.1)
        self.bn = nn.BatchNorm1d(4)
        nn.init.constant_(self.bn.weight, 0.5)
        self.bn.running_var.fill_(2.0)
        self.offset = nn.Parameter(torch.randn(4) * 0.5 + 1.0)
        self.table = nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        self.table.data.mul_(0.25)
        self.like = nn.Parameter(torch.randn_like(self.emb))
        self.drawn = nn.Parameter(torch.normal(0.0, 2.0, size=(3, 5)))
        nn.init.xavier_uniform(self.drawn)  # the deprecated spelling

    def forward(self, x):
        h = F.relu(self.body(x + self.emb.sum() + self.w2.sum() + self.eye.sum()))
        out = self.bn(self.head(h)) * self.scale + self.offset + self.table.sum() + self.like.sum()
        return out + self.drawn.sum() + self.noise.sum()


# input: 2,8
