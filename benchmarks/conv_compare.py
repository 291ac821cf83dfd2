"""GFLOP/s of every convolution of the CIFAR ResNet-18 at batch 64, ModuleLab against PyTorch's
F.conv2d on the same shapes and threads, measured alternately in several rounds (development
tool; needs build/benchmarks/modulelab-bench-conv and python3-torch).

usage: /usr/bin/python3 benchmarks/conv_compare.py [THREADS] [ROUNDS] [ITERS]
"""
import os

import benchsetup

threads, rounds, iters = benchsetup.args()
torch = benchsetup.setup(threads)
import torch.nn.functional as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build/benchmarks/modulelab-bench-conv")


def torch_ms(c):
    x = torch.full((c["n"], c["c"], c["hw"], c["hw"]), 0.5)
    w = torch.rand(c["oc"], c["c"], c["k"], c["k"])
    return benchsetup.median_ms(lambda: F.conv2d(x, w, None, c["stride"], c["pad"]), iters)


median = benchsetup.median
ours, theirs, convs = {}, {}, {}
for c, t in benchsetup.interleaved(BIN, threads, rounds, iters, torch_ms):
    convs[c["name"]] = c
    ours.setdefault(c["name"], []).append(c["ms"])
    theirs.setdefault(c["name"], []).append(t)
convs = list(convs.values())
print(f"| convolution (batch 64, {threads} thread{'s' if threads > 1 else ''}) | ModuleLab ms | GFLOP/s | PyTorch ms | GFLOP/s |")
print("|---|---:|---:|---:|---:|")
tot = {"ours": 0.0, "theirs": 0.0, "flop3": 0.0, "ours3": 0.0}
for c in convs:
    flops = 2.0 * c["n"] * c["oc"] * c["c"] * c["k"] ** 2 * ((c["hw"] + 2 * c["pad"] - c["k"]) // c["stride"] + 1) ** 2
    m, t = median(ours[c["name"]]), median(theirs[c["name"]])
    print(f"| {c['name']} (x{c['count']}) | {m:.2f} | {flops / m / 1e6:.0f} | {t:.2f} | {flops / t / 1e6:.0f} |")
    tot["ours"] += m * c["count"]
    tot["theirs"] += t * c["count"]
    if c["k"] == 3 and c["c"] > 3:
        tot["flop3"] += flops * c["count"]
        tot["ours3"] += m * c["count"]
print(f"all convolutions of one pass: ModuleLab {tot['ours']:.1f} ms, PyTorch {tot['theirs']:.1f} ms; "
      f"3x3 convolutions (after the stem) at {tot['flop3'] / tot['ours3'] / 1e6:.0f} GFLOP/s")
