"""Whole-model seeded initialisation, as PyTorch draws it: torch.manual_seed(s), then the file's
own `model = ...` line, then every state_dict() entry in state_dict() order.

numeric/tiny_cnn.py, seeds 0, 7 and -1: every value (seeded_init_tiny_cnn.safetensors, keys
"seedS/KEY", float32). The seed networks here (25 million parameters each), seed 7: per
entry its shape, its first and last 16 values (float32, exact) and the float64 sum and sum of
squares of all its values (seeded_init_seed_nets.json). Any drift in the order in which the
random numbers are drawn changes every later entry's values.

Run with Debian's python3-torch: /usr/bin/python3 make_seeded_init.py
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import safetensors_writer  # noqa: E402


def build(path, seed):
    with open(path) as f:
        code = f.read()
    torch.manual_seed(seed)
    scope = {"__name__": "__reference__"}
    exec(compile(code, path, "exec"), scope)  # the file's own `model = ...` line builds it
    return scope["model"].state_dict()


tiny = {}
for seed in (0, 7, -1):
    for key, value in build(os.path.join(HERE, "..", "numeric", "tiny_cnn.py"), seed).items():
        tiny["seed%d/%s" % (seed, key)] = value.detach().float()
safetensors_writer.write(os.path.join(HERE, "seeded_init_tiny_cnn.safetensors"), tiny)

nets = {}
# One network of each kind (plain children, ModuleList, Sequential); the *_fixed variants repeat
# their structure with more parameters.
for name in ("net.py", "net_modulelist.py", "net_sequential.py"):
    entries = []
    for key, value in build(os.path.join(HERE, name), 7).items():
        flat = value.detach().float().flatten()
        entries.append({
            "key": key,
            "shape": list(value.shape),
            "head": [float(v) for v in flat[:16]],
            "tail": [float(v) for v in flat[-16:]],
            "sum": float(flat.double().sum()),
            "sum_of_squares": float((flat.double() ** 2).sum()),
        })
    nets[name] = {"seed": 7, "state_dict": entries}
with open(os.path.join(HERE, "seeded_init_seed_nets.json"), "w") as f:
    json.dump(nets, f, indent=1)
    f.write("\n")
