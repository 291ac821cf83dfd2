"""What the benchmark scripts share: one thread count for every pool PyTorch may use, timing by
median, and ModuleLab's benchmark binary and PyTorch measured in turn, round after round, so
that other load on the machine hits both alike (development tool; needs python3-torch).

Import it before torch: setup(threads) sets the environment torch reads when it is imported.
"""
import json
import os
import subprocess
import sys
import time


def args(defaults=(1, 3, 10)):
    """THREADS ROUNDS ITERS from the command line."""
    return [int(sys.argv[i + 1]) if len(sys.argv) > i + 1 else d for i, d in enumerate(defaults)]


def setup(threads):
    """Limits PyTorch to `threads`: its OpenMP pool and OpenBLAS's, which torch.set_num_threads
    does not limit (its Linear layers would quietly use every core). Returns the torch module."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)
    return torch


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def times_ms(fn, iters, warmup=2):
    """Wall times of fn() in ms, `iters` calls after `warmup` unmeasured ones, under no_grad."""
    import torch

    times = []
    with torch.no_grad():
        for i in range(iters + warmup):
            t0 = time.perf_counter()
            fn()
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    return times


def median_ms(fn, iters, warmup=2):
    return median(times_ms(fn, iters, warmup))


def interleaved(binary, threads, rounds, iters, torch_side):
    """Runs `binary THREADS ITERS` (one JSON object per line and case) and, after it, PyTorch's
    side of each case, `rounds` times. Yields (case, torch_ms) per case and round."""
    for _ in range(rounds):
        out = subprocess.run([binary, str(threads), str(iters)], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.strip():
                case = json.loads(line)
                yield case, torch_side(case)
