# forward returns a tuple with None in it, as transformer code returns (logits, attentions).
import torch.nn as nn


class WithNone(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x), None


model = WithNone()
# input: 1,4
