"""GFLOP/s of the batched Linear (64 x 50176 -> 1024 and 64 x 4096 -> 4096): ModuleLab's
Linear (weight read in place), the same oneDNN inner product with the weight packed once, and
PyTorch's F.linear on the same shapes and threads, measured alternately in several rounds
(development tool; needs build/benchmarks/modulelab-bench-linear and python3-torch).

usage: /usr/bin/python3 benchmarks/linear_compare.py [THREADS] [ROUNDS] [ITERS]
"""
import json
import os
import subprocess
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 10
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(threads)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build/benchmarks/modulelab-bench-linear")


def torch_ms(m, k, n):
    x = torch.full((m, k), 0.5)
    w = torch.rand(n, k)
    b = torch.rand(n)
    times = []
    with torch.no_grad():
        for i in range(iters + 2):
            t0 = time.perf_counter()
            F.linear(x, w, b)
            if i >= 2:
                times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


def median(v):
    return sorted(v)[len(v) // 2]


rows = {}
for r in range(rounds):
    out = subprocess.run([BIN, str(threads), str(iters)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        c = json.loads(line)
        key = (c["m"], c["k"], c["n"])
        row = rows.setdefault(key, {"in_place": [], "packed": [], "torch": [], "same": c["packed_same_layout"], "mb": c["weight_mb"]})
        row["in_place"].append(c["in_place_ms"])
        row["packed"].append(c["packed_ms"])
        row["torch"].append(torch_ms(*key))

print(f"threads {threads}, {rounds} rounds of {iters} passes (median ms, GFLOP/s)")
print("| m x k -> n | weight MB | ModuleLab (in place) | packed once | PyTorch F.linear |")
print("|---|---:|---:|---:|---:|")
for (m, k, n), row in rows.items():
    gflop = 2.0 * m * k * n / 1e9
    cells = [f"{median(row[s]):.2f} ms, {gflop / median(row[s]) * 1e3:.1f}" for s in ("in_place", "packed", "torch")]
    same = " (packed layout = PyTorch's)" if row["same"] else ""
    print(f"| {m} x {k} -> {n} | {row['mb']:.0f}{same} | " + " | ".join(cells) + " |")
