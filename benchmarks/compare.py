"""ModuleLab against PyTorch, side by side: forward-pass time of the same models, input shapes and
thread counts, the two measured alternately in several rounds so that other load on the machine
hits both alike (development tool; needs a Release build in build/ and python3-torch).

usage: /usr/bin/python3 benchmarks/compare.py [--rounds R] [--iters N] [--threads 1,2] [--only NAME,...]
                                              [--cli PATH] [--markdown]
Prints per case the median over rounds of each side's median pass time, the ratio ours/PyTorch,
and the spread of the round medians (max/min - 1) as the noise figure.
"""
import argparse
import json
import math
import os
import subprocess
import sys

from benchsetup import median

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (name, model file, input shape)
CASES = [
    ("Net b1", "resources/examples/net_fixed.py", "1,1,28,28"),
    ("NetModuleList b64", "resources/examples/net_modulelist_fixed.py", "64,1,28,28"),
    ("TinyCNN b64", "tests/data/numeric/tiny_cnn.py", "64,1,28,28"),
    ("CIFAR ResNet-18 b64", "benchmarks/models/cifar_resnet18.py", "64,3,32,32"),
    ("AlexNet b1", "benchmarks/models/alexnet.py", "1,3,224,224"),
    ("LeNet-5 b1", "benchmarks/models/lenet5.py", "1,1,32,32"),
    ("ResNet-18 b1", "benchmarks/models/resnet18.py", "1,3,224,224"),
    ("VGG-11 b1", "benchmarks/models/vgg11.py", "1,3,224,224"),
    ("MobileNetV2 CIFAR b32", "benchmarks/models/mobilenetv2_cifar.py", "32,3,32,32"),
    ("DenseNet CIFAR b8", "benchmarks/models/densenet_cifar.py", "8,3,32,32"),
]
CORE = ["Net b1", "NetModuleList b64", "TinyCNN b64", "CIFAR ResNet-18 b64", "AlexNet b1", "LeNet-5 b1"]
REAL = ["ResNet-18 b1", "VGG-11 b1", "MobileNetV2 CIFAR b32", "DenseNet CIFAR b8"]


def ours(cli, model, shape, threads, iters):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([cli, "bench", model, "--input", shape, "--threads", str(threads), "--iters", str(iters),
                          "--format", "json"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)["median_ms"]


def theirs(model, shape, threads, iters):
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "torch_bench.py"), model, shape, str(threads), str(iters)],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)["median_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--only", default="")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/cli/modulelab-cli"))
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    rows = []
    for threads in [int(t) for t in a.threads.split(",")]:
        for name, model, shape in CASES:
            if only and not any(o.lower() in name.lower() for o in only):
                continue
            mine, torch_ms = [], []
            for r in range(a.rounds):
                # Alternate who goes first, so a burst of other load does not always hit one side.
                if r % 2 == 0:
                    mine.append(ours(a.cli, model, shape, threads, a.iters))
                    torch_ms.append(theirs(model, shape, threads, a.iters))
                else:
                    torch_ms.append(theirs(model, shape, threads, a.iters))
                    mine.append(ours(a.cli, model, shape, threads, a.iters))
            m, t = median(mine), median(torch_ms)
            noise = max(max(mine) / min(mine), max(torch_ms) / min(torch_ms)) - 1
            rows.append((name, threads, m, t, m / t, noise))
            fmt = "| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.0f}% |" if a.markdown else "{:<22} {:>3} {:>11.2f} {:>11.2f} {:>6.2f} {:>6.0f}%"
            print(fmt.format(name, threads, m, t, m / t, noise * 100), flush=True)
    for threads in sorted({r[1] for r in rows}):
        for label, group in (("geomean core six", CORE), ("mean real-world", REAL)):
            sel = [r[4] for r in rows if r[1] == threads and r[0] in group]
            if len(sel) == len(group):
                v = math.exp(sum(math.log(x) for x in sel) / len(sel)) if label.startswith("geo") else sum(sel) / len(sel)
                print(f"{label} ({threads} thread{'s' if threads > 1 else ''}): {v:.2f}")


if __name__ == "__main__":
    sys.exit(main())
