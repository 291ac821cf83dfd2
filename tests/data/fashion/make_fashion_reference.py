"""PyTorch's answers for tests/engine/tst_fashion.cpp: the trained example
resources/examples/fashion_cnn.py with fashion_cnn.safetensors, run in eval mode on

  * the 30 shipped samples resources/samples/fashion-mnist/*.png as one batch, in file-name
    order: fashion_samples.io.safetensors ("input" [30,1,28,28], "output" logits [30,10]) and
    fashion_samples.json (files, true labels, PyTorch's predicted classes);
  * the whole Fashion-MNIST test set (Debian's dataset-fashion-mnist): PyTorch's predicted class
    of every image (a string of 10000 digits) and its accuracy, in fashion_samples.json.

Needs only torch and numpy (PNG and safetensors are read here):

    /usr/bin/python3 tests/data/fashion/make_fashion_reference.py
"""
import csv
import gzip
import importlib.util
import json
import os
import struct
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
SAMPLES = os.path.join(ROOT, "resources", "samples", "fashion-mnist")
DATA = "/usr/share/datasets/fashion-mnist"


def read_png_grey(path):
    """8-bit greyscale, non-interlaced PNG (what make_samples.py writes), any filter."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 0, 0), path
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    out = np.zeros((height, width), dtype=np.uint8)
    prev = np.zeros(width, dtype=np.int32)
    for y in range(height):
        ftype = raw[y * (width + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=width, offset=y * (width + 1) + 1).astype(np.int32)
        cur = np.zeros(width, dtype=np.int32)
        for x in range(width):
            a = cur[x - 1] if x else 0
            b, c = prev[x], (prev[x - 1] if x else 0)
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out


def read_safetensors(path):
    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    torch.manual_seed(0)
    spec = importlib.util.spec_from_file_location("fashion_cnn", os.path.join(EXAMPLES, "fashion_cnn.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.FashionCNN()
    model.load_state_dict(read_safetensors(os.path.join(EXAMPLES, "fashion_cnn.safetensors")), strict=True)
    model.eval()

    with open(os.path.join(SAMPLES, "labels.csv")) as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["file"])
    pixels = np.stack([read_png_grey(os.path.join(SAMPLES, r["file"])) for r in rows])
    x = torch.from_numpy(pixels.astype(np.float32) / 255.0).unsqueeze(1)  # ToTensor
    with torch.no_grad():
        logits = model(x)
    predicted = logits.argmax(1).tolist()
    labels = [int(r["label_index"]) for r in rows]
    write_safetensors(os.path.join(HERE, "fashion_samples.io.safetensors"), {"input": x, "output": logits})

    ref = {
        "files": [r["file"] for r in rows],
        "labels": labels,
        "predicted": predicted,
        "correct": sum(p == t for p, t in zip(predicted, labels)),
    }
    images = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
    test_labels = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))
    for r, p in zip(rows, pixels):  # the PNGs hold the test images unchanged
        assert (images[int(r["test_index"])] == p).all(), r["file"]
    xt = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    with torch.no_grad():
        test_pred = torch.cat([model(xt[i:i + 1000]).argmax(1) for i in range(0, len(xt), 1000)])
    ref["test_set_predicted"] = "".join(str(int(v)) for v in test_pred)
    ref["test_set_accuracy"] = float((test_pred.numpy() == test_labels).mean())
    with open(os.path.join(HERE, "fashion_samples.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"samples: {ref['correct']}/{len(rows)} correct; test set accuracy {100 * ref['test_set_accuracy']:.2f}%")


if __name__ == "__main__":
    main()
