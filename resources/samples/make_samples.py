"""Writes resources/samples/fashion-mnist/: the first three images of every class in the
Fashion-MNIST test set (Debian's dataset-fashion-mnist), as 28x28 8-bit grey PNGs named
TESTINDEX_CLASS.png, and labels.csv (file,label_index,label_name,test_index).

    python3 resources/samples/make_samples.py [--data /usr/share/datasets/fashion-mnist]

Needs only the standard library; the PNGs are written without filters so that the bytes
depend on the pixels alone.
"""
import argparse
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PER_CLASS = 3
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def slug(name):
    return name.lower().replace("/", "_").replace("-", "").replace(" ", "_")


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def write_png(path, width, height, pixels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))  # 8-bit greyscale
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=os.path.join(HERE, "fashion-mnist"))
    args = parser.parse_args()

    (count, rows, cols), pixels = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    (label_count,), labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    assert count == label_count and (rows, cols) == (28, 28)

    chosen = {c: [] for c in range(len(CLASSES))}
    for i, label in enumerate(labels):
        if len(chosen[label]) < PER_CLASS:
            chosen[label].append(i)
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old.endswith(".png"):
            os.remove(os.path.join(args.out, old))
    lines = ["file,label_index,label_name,test_index"]
    for index in sorted(i for picks in chosen.values() for i in picks):
        label = labels[index]
        name = f"{index:04d}_{slug(CLASSES[label])}.png"
        write_png(os.path.join(args.out, name), cols, rows, pixels[index * rows * cols:(index + 1) * rows * cols])
        lines.append(f"{name},{label},{CLASSES[label]},{index}")
    with open(os.path.join(args.out, "labels.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines) - 1} images to {args.out}")


if __name__ == "__main__":
    main()
