"""GFLOP/s of the batched Linear (64 x 50176 -> 1024 and 64 x 4096 -> 4096): ModuleLab's
Linear (weight read in place), the same oneDNN inner product with the weight packed once, and
PyTorch's F.linear on the same shapes and threads, measured alternately in several rounds
(development tool; needs build/benchmarks/modulelab-bench-linear and python3-torch).

usage: /usr/bin/python3 benchmarks/linear_compare.py [THREADS] [ROUNDS] [ITERS]
"""
import os

import benchsetup

threads, rounds, iters = benchsetup.args()
torch = benchsetup.setup(threads)
import torch.nn.functional as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build/benchmarks/modulelab-bench-linear")


def torch_ms(c):
    x = torch.full((c["m"], c["k"]), 0.5)
    w = torch.rand(c["n"], c["k"])
    b = torch.rand(c["n"])
    return benchsetup.median_ms(lambda: F.linear(x, w, b), iters)


median = benchsetup.median
rows = {}
for c, t in benchsetup.interleaved(BIN, threads, rounds, iters, torch_ms):
    key = (c["m"], c["k"], c["n"])
    row = rows.setdefault(key, {"in_place": [], "packed": [], "torch": [], "same": c["packed_same_layout"], "mb": c["weight_mb"]})
    row["in_place"].append(c["in_place_ms"])
    row["packed"].append(c["packed_ms"])
    row["torch"].append(t)

print(f"threads {threads}, {rounds} rounds of {iters} passes (median ms, GFLOP/s)")
print("| m x k -> n | weight MB | ModuleLab (in place) | packed once | PyTorch F.linear |")
print("|---|---:|---:|---:|---:|")
for (m, k, n), row in rows.items():
    gflop = 2.0 * m * k * n / 1e9
    cells = [f"{median(row[s]):.2f} ms, {gflop / median(row[s]) * 1e3:.1f}" for s in ("in_place", "packed", "torch")]
    same = " (packed layout = PyTorch's)" if row["same"] else ""
    print(f"| {m} x {k} -> {n} | {row['mb']:.0f}{same} | " + " | ".join(cells) + " |")
