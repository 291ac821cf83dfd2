"""PyTorch's side of the forward-pass benchmark (development tool; needs python3-torch).

usage: python3 torch_bench.py MODEL.py N,C,H,W THREADS ITERS
Prints {"median_ms", "min_ms", "iters", "threads"} like `modulelab-cli bench --format json`.
"""
import json
import os
import runpy
import sys
import time

# The same thread count for every pool PyTorch may use: its own (OpenMP) and OpenBLAS's, which
# torch.set_num_threads does not limit.
if len(sys.argv) > 3:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = sys.argv[3]

import torch  # noqa: E402


def main():
    path, shape, threads, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = runpy.run_path(path)["model"].eval()
    x = torch.rand(*[int(d) for d in shape.split(",")])
    times = []
    with torch.no_grad():
        for i in range(iters + 2):
            t0 = time.perf_counter()
            model(x)
            t1 = time.perf_counter()
            if i >= 2:
                times.append((t1 - t0) * 1000)
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    print(json.dumps({"median_ms": median, "min_ms": times[0], "iters": iters, "threads": threads}))


if __name__ == "__main__":
    main()
