# Python's binary operator precedence decides layer sizes: | binds looser than ^, ^ than &,
# & than shifts, shifts than + and -, + and - than * / // % (and ** tighter than unary minus).
# input: 2,4
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 1 | 6 & 2)           # 1 | (6 & 2) = 3
        self.b = nn.Linear(3, 5 ^ 1 & 3)           # 5 ^ (1 & 3) = 4
        self.c = nn.Linear(4, 1 + 2 << 1)          # (1 + 2) << 1 = 6
        self.d = nn.Linear(6, 12 & 7 << 1)         # 12 & (7 << 1) = 12
        self.e = nn.Linear(12, 2 + 3 * 4 % 5)      # 2 + ((3 * 4) % 5) = 4
        self.f = nn.Linear(4, 2 ** 3 // 3 | 8)     # ((2 ** 3) // 3) | 8 = 10
        self.g = nn.Linear(10, -2 ** 2 + 9)        # -(2 ** 2) + 9 = 5
        self.h = nn.Linear(5, 20 - 8 - 4 >> 1)     # ((20 - 8) - 4) >> 1 = 4

    def forward(self, x):
        for layer in (self.a, self.b, self.c, self.d, self.e, self.f, self.g, self.h):
            x = layer(x)
        return x
