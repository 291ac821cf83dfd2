# The warnings PyTorch gives for nn.Softmax() and nn.LogSoftmax() without dim, for the
# command-line test (softmax_implicit_dim.json). Run with Debian's python3-torch:
#   /usr/bin/python3 tests/data/cli/make_softmax_warning.py
import json
import os
import warnings

import torch
import torch.nn as nn

out = {}
for name, layer in (("Softmax", nn.Softmax()), ("LogSoftmax", nn.LogSoftmax())):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer(torch.zeros(1, 10))
    out[name] = [str(w.message) for w in caught]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "softmax_implicit_dim.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
