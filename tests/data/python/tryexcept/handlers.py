# Exceptions raised and caught while the model is built: a missing key, a tuple of classes, else
# and finally, the `as` name, a handler for another class that lets it through to an outer one.
import torch.nn as nn

CFG = {"width": 16}
log = []


def lookup(key, default):
    try:
        return CFG[key]
    except KeyError:
        return default
    finally:
        log.append(key)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        width = lookup("width", 4)
        depth = lookup("depth", 3)
        try:
            extra = int("x")
        except (TypeError, ValueError) as e:
            extra = len(str(e)) % 5 + 1
        else:
            extra = 100
        try:
            try:
                missing = [1, 2][5]
            except KeyError:
                missing = -1
        except LookupError:
            missing = 2
        try:
            ok = width * 2
        except Exception:
            ok = 0
        else:
            ok += 1
        layers = []
        for i in range(depth):
            layers.append(nn.Linear(width, width))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, extra + missing + ok + len(log))


model = Net()
