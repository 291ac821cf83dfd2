"""Writes the small IDX files tests/engine/tst_idx.cpp reads: valid ones (plain and gzip) and
corrupt ones. Needs only the standard library. Run from anywhere:

    python3 tests/data/idx/make_idx.py

Images: 5 images of 4 rows x 3 columns (not square, so a row/column swap shows);
pixel(i, r, c) = 255 for image 1, else (61 i + 17 r + 5 c) % 256. Labels: 7, 2, 0, 9, 4.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
COUNT, ROWS, COLS = 5, 4, 3
LABELS = [7, 2, 0, 9, 4]


def pixel(i, r, c):
    return 255 if i == 1 else (61 * i + 17 * r + 5 * c) % 256


def header(type_code, dims):
    return struct.pack(">BBBB", 0, 0, type_code, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)


def images_bytes():
    data = bytes(pixel(i, r, c) for i in range(COUNT) for r in range(ROWS) for c in range(COLS))
    return header(0x08, [COUNT, ROWS, COLS]) + data


def labels_bytes(labels=LABELS):
    return header(0x08, [len(labels)]) + bytes(labels)


def write(name, data, compress=False):
    if compress:
        data = gzip.compress(data, compresslevel=9, mtime=0)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    images, labels = images_bytes(), labels_bytes()
    write("images-idx3-ubyte", images)
    write("labels-idx1-ubyte", labels)
    write("images-idx3-ubyte.gz", images, compress=True)
    write("labels-idx1-ubyte.gz", labels, compress=True)
    # Corrupt files, each with one thing wrong.
    write("bad-magic.idx", b"\x01\x00" + images[2:])
    write("float-type.idx", header(0x0D, [COUNT, ROWS, COLS]) + bytes(4 * COUNT * ROWS * COLS))
    write("short.idx", b"\x00\x00\x08")
    write("header-cut.idx", images[:9])
    write("truncated.idx", images[:-7])
    write("trailing.idx", images + b"\x00\x01")
    write("zero-side.idx", header(0x08, [COUNT, 0, COLS]))
    write("huge-side.idx", header(0x08, [1, 5000, 5000]))
    # 4294967295 images of 4096 x 4096: a 16-byte file that promises 2^56 bytes.
    write("giant.idx", header(0x08, [0xFFFFFFFF, 4096, 4096]))
    # 1000000 images of 28 x 28 (784 MB, under the reader's limit) in a few bytes.
    write("million.idx", header(0x08, [1000000, 28, 28]) + bytes(100))
    write("million.idx.gz", header(0x08, [1000000, 28, 28]) + bytes(100), compress=True)
    write("truncated.idx.gz", gzip.compress(images, mtime=0)[:-12])
    write("garbage.gz", b"\x1f\x8b\x08\x00" + bytes(range(200)))
    write("labels-4-idx1-ubyte", labels_bytes(LABELS[:4]))


if __name__ == "__main__":
    main()
