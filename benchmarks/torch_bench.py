"""PyTorch's side of the forward-pass benchmark (development tool; needs python3-torch).

usage: python3 torch_bench.py MODEL.py N,C,H,W THREADS ITERS
Prints {"median_ms", "min_ms", "iters", "threads"} like `modulelab-cli bench --format json`.
"""
import json
import runpy
import sys

import benchsetup


def main():
    path, shape, threads, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch = benchsetup.setup(threads)
    torch.manual_seed(0)
    model = runpy.run_path(path)["model"].eval()
    x = torch.rand(*[int(d) for d in shape.split(",")])
    times = benchsetup.times_ms(lambda: model(x), iters)
    print(json.dumps({"median_ms": benchsetup.median(times), "min_ms": min(times), "iters": iters, "threads": threads}))


if __name__ == "__main__":
    main()
