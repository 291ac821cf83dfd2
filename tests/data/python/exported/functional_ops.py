import torch
import torch.nn as nn
import torch.nn.functional as F


class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x), inplace=True), 2)
        x = F.avg_pool2d(torch.tanh(self.c2(x)), kernel_size=2, stride=2)
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        x = F.dropout(x, 0.5, training=self.training)
        x = torch.sigmoid(F.gelu(self.fc(x)))
        x = F.tanh(x)
        return F.log_softmax(x, dim=1)


model = Functional()
# input: 2,1,32,32
