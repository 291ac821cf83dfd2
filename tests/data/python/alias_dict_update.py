# ModuleDict.update with a module it already holds, then a change under the new key.
# input: 1,3
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"a": nn.Sequential(nn.Linear(3, 3))})
        self.heads.update({"b": self.heads["a"]})
        self.heads["b"].append(nn.ReLU())

    def forward(self, x):
        return self.heads["b"](self.heads["a"](x))


model = Net()
