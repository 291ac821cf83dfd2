# An exception no handler matches goes on to the caller, after finally ran.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        try:
            self.fc = nn.Linear(4, 2)
            n = {"a": 1}["b"]
        except IndexError:
            n = 0
        finally:
            self.extra = nn.ReLU()


model = Net()
