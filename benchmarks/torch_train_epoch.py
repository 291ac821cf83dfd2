"""PyTorch's side of the training benchmark (development tool; needs python3-torch).

usage: python3 torch_train_epoch.py MODEL.py THREADS [EPOCHS] [STEPS]
Trains MODEL (built after torch.manual_seed(0)) on Fashion-MNIST from Debian's
dataset-fashion-mnist, batch 64, shuffled, Adam lr 0.001, cross-entropy, as
`modulelab-cli train MODEL --data fashion-mnist --batch 64 --optimizer adam --lr 0.001` does, and
prints one JSON line per epoch like its --format json: {"epoch", "train_loss", "test_loss",
"test_accuracy", "seconds", "images_per_second"}. STEPS > 0 stops each epoch after that many steps.
"""
import gzip
import json
import os
import runpy
import struct
import sys
import time

if len(sys.argv) > 2:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = sys.argv[2]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def split(prefix):
    with gzip.open(os.path.join(DATA, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)
    with gzip.open(os.path.join(DATA, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = runpy.run_path(path)["model"]
    torch.manual_seed(0)
    model = type(model)()
    x, y = split("train")
    tx, ty = split("t10k")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=g)
        t0 = time.perf_counter()
        total, seen = 0.0, 0
        for b, start in enumerate(range(0, len(x), 64)):
            if steps and b >= steps:
                break
            idx = order[start:start + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        seconds = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            out = torch.cat([model(tx[i:i + 1000]) for i in range(0, len(tx), 1000)])
            test_loss = F.cross_entropy(out, ty).item()
            acc = (out.argmax(1) == ty).float().mean().item()
        print(json.dumps({"epoch": epoch, "train_loss": total / seen, "test_loss": test_loss, "test_accuracy": acc,
                          "seconds": round(seconds, 3), "images_per_second": round(seen / seconds, 1)}))


if __name__ == "__main__":
    main()
