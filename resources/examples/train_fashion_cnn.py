"""Trains resources/examples/fashion_cnn.py on Fashion-MNIST and writes fashion_cnn.safetensors.

Inputs are the 28x28 grey images scaled to [0, 1] as torchvision's ToTensor does, with no
mean/std normalisation, so that `modulelab-cli run fashion_cnn.py --image x.png` feeds the
model exactly what it was trained on. Needs only torch and numpy and Debian's
dataset-fashion-mnist (IDX files under /usr/share/datasets/fashion-mnist/).

    /usr/bin/python3 resources/examples/train_fashion_cnn.py [--epochs 6] [--data DIR]

Result with the defaults (torch 1.13, seed 0, 2 CPU cores; about 3 CPU-minutes):
  epoch 1: train loss 0.4567, test accuracy 87.63%
  epoch 2: train loss 0.3133, test accuracy 89.84%
  epoch 3: train loss 0.2692, test accuracy 89.99%
  epoch 4: train loss 0.2367, test accuracy 90.86%
  epoch 5: train loss 0.2101, test accuracy 91.35%
  epoch 6: train loss 0.1936, test accuracy 91.46%
Final test accuracy: 91.46% on the 10000 Fashion-MNIST test images.
"""
import argparse
import gzip
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (ubyte only), plain or gzip-compressed, as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # ToTensor: [0, 1]
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def load_model_class():
    spec = importlib.util.spec_from_file_location("fashion_cnn", os.path.join(HERE, "fashion_cnn.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FashionCNN


def write_safetensors(path, state_dict):
    """Minimal safetensors writer: F32 tensors, I64 for integer buffers (num_batches_tracked)."""
    header, blobs, offset = {}, [], 0
    for name, t in state_dict.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.int64:
            dtype, data = "I64", t.numpy().astype("<i8").tobytes()
        else:
            dtype, data = "F32", t.float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", default=os.path.join(HERE, "fashion_cnn.safetensors"))
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")

    model = load_model_class()()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)

    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        scheduler.step()
        accuracy = evaluate(model, x_test, y_test)
        print(f"epoch {epoch}: train loss {total / len(order):.4f}, test accuracy {100 * accuracy:.2f}%", flush=True)

    model.eval()
    write_safetensors(args.out, model.state_dict())
    print(f"final test accuracy {100 * accuracy:.2f}% ({len(x_test)} images); wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
