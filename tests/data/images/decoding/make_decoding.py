"""Pictures in every encoding a user meets, and PIL's pixels for each, for tests/engine/tst_images.cpp.

    /usr/bin/python3 tests/data/images/decoding/make_decoding.py   (python3-pil, python3-torch)

PIL (Pillow 9.4 with Debian's libjpeg62-turbo) writes what it can: JPEG 4:2:0, 4:4:4, 4:2:2,
progressive, greyscale, one with an EXIF orientation tag (6: rotate 90) that torchvision's loader
does not apply; PNG 8-bit RGB, RGBA, L, LA, palette (with and without transparency), 1-bit, 16-bit
grey; BMP 24-bit, 8-bit palette, 8-bit grey, 1-bit, 32-bit. A minimal PNG writer below adds what
PIL does not write: 16-bit RGB, 16-bit grey+alpha, 2- and 4-bit grey, and Adam7-interlaced images.
pil_pixels.safetensors holds, per file, PIL's Image.open(f).convert("L") and .convert("RGB") as
H x W (x 3) float32 values 0..255. fashion_q90.jpg is a shipped Fashion-MNIST sample saved as a
28x28 quality-90 RGB JPEG; fashion_q90_logits.safetensors holds the trained FashionCNN's logits
for it, the picture loaded by PIL and ToTensor'd as torchvision does.
"""
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import safetensors_writer  # noqa: E402
import torch  # noqa: E402

rng = np.random.default_rng(7)
H, W = 19, 26  # odd sizes: chroma subsampling and interlace passes have partial blocks


def picture():
    y, x = np.mgrid[0:H, 0:W]
    rgb = np.stack([(x * 9 + y * 2) % 256, (y * 13) % 256, ((x - y) * 7) % 256], axis=-1)
    return (rgb + rng.integers(0, 60, size=rgb.shape)).clip(0, 255).astype(np.uint8)


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def write_png(path, samples, depth, colour, interlace=False):
    """samples: H x W x C integer array (values fit in depth bits)."""
    h, w, c = samples.shape

    def rows(img):
        out = b""
        for row in img:
            if depth == 16:
                data = b"".join(struct.pack(">H", int(v)) for v in row.reshape(-1))
            elif depth == 8:
                data = bytes(int(v) for v in row.reshape(-1))
            else:
                vals = [int(v) for v in row.reshape(-1)]
                per = 8 // depth
                data = b""
                for i in range(0, len(vals), per):
                    chunk = vals[i:i + per] + [0] * (per - len(vals[i:i + per]))
                    byte = 0
                    for v in chunk:
                        byte = byte << depth | v
                    data += bytes([byte])
            out += b"\x00" + data
        return out

    if interlace:
        raw = b""
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                raw += rows(sub)
    else:
        raw = rows(samples)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 1 if interlace else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def main():
    rgb = picture()
    grey = np.asarray(Image.fromarray(rgb).convert("L"))
    files = []

    def save(img, name, **kw):
        img.save(os.path.join(HERE, name), **kw)
        files.append(name)

    im = Image.fromarray(rgb, "RGB")
    save(im, "jpeg_420.jpg", quality=90, subsampling=2)
    save(im, "jpeg_422.jpg", quality=85, subsampling=1)
    save(im, "jpeg_444.jpg", quality=95, subsampling=0)
    save(im, "jpeg_progressive.jpg", quality=90, progressive=True)
    save(Image.fromarray(grey, "L"), "jpeg_grey.jpg", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6
    save(im, "jpeg_exif_rotate.jpg", quality=90, exif=exif.tobytes())
    save(im, "png_rgb.png")
    save(Image.fromarray(np.dstack([rgb, rng.integers(0, 256, (H, W), dtype=np.uint8)]), "RGBA"), "png_rgba.png")
    save(Image.fromarray(grey, "L"), "png_grey.png")
    save(Image.fromarray(np.dstack([grey, rng.integers(0, 256, (H, W), dtype=np.uint8)]), "LA"), "png_grey_alpha.png")
    pal = im.quantize(colors=37)
    save(pal, "png_palette.png")
    save(pal, "png_palette_transparent.png", transparency=3)
    save(Image.fromarray(grey, "L").convert("1"), "png_1bit.png")
    g16 = ((grey.astype(np.uint32) * 257) ^ rng.integers(0, 256, (H, W))).astype(np.uint16)
    g16[0, :4] = [16, 115, 222, 57]  # below 256: PIL keeps them, everything above clips to 255
    Image.fromarray(g16.astype(np.int32), "I").save(os.path.join(HERE, "png_grey16.png"))
    files.append("png_grey16.png")
    write_png(os.path.join(HERE, "png_rgb16.png"), rgb.astype(np.uint32) * 256 + rng.integers(0, 256, rgb.shape), 16, 2)
    write_png(os.path.join(HERE, "png_grey_alpha16.png"),
              np.dstack([grey.astype(np.uint32) * 256 + 77, rng.integers(0, 65536, (H, W))]), 16, 4)
    write_png(os.path.join(HERE, "png_grey2.png"), (grey >> 6)[..., None], 2, 0)
    write_png(os.path.join(HERE, "png_grey4.png"), (grey >> 4)[..., None], 4, 0)
    write_png(os.path.join(HERE, "png_interlaced_rgb.png"), rgb, 8, 2, interlace=True)
    write_png(os.path.join(HERE, "png_interlaced_grey16.png"), (grey.astype(np.uint32) // 2)[..., None], 16, 0, interlace=True)
    files += ["png_rgb16.png", "png_grey_alpha16.png", "png_grey2.png", "png_grey4.png", "png_interlaced_rgb.png",
              "png_interlaced_grey16.png"]
    save(im, "bmp_rgb24.bmp")
    save(pal, "bmp_palette8.bmp")
    save(Image.fromarray(grey, "L"), "bmp_grey8.bmp")
    save(Image.fromarray(grey, "L").convert("1"), "bmp_1bit.bmp")
    save(Image.fromarray(np.dstack([rgb, np.full((H, W), 200, np.uint8)]), "RGBA"), "bmp_rgba32.bmp")

    ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
    samples = os.path.join(ROOT, "resources", "samples", "fashion-mnist")
    first = sorted(f for f in os.listdir(samples) if f.endswith(".png"))[0]
    Image.open(os.path.join(samples, first)).convert("RGB").save(os.path.join(HERE, "fashion_q90.jpg"), quality=90)
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location("fashion_cnn", os.path.join(ROOT, "resources", "examples", "fashion_cnn.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.FashionCNN()
    with open(os.path.join(ROOT, "resources", "examples", "fashion_cnn.safetensors"), "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    sd = {}
    for k, e in header.items():
        if k == "__metadata__":
            continue
        b, end = e["data_offsets"]
        dt = {"F32": torch.float32, "I64": torch.int64}[e["dtype"]]
        sd[k] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=dt).reshape(e["shape"]).clone()
    net.load_state_dict(sd)
    net.eval()
    x = torch.from_numpy(np.asarray(Image.open(os.path.join(HERE, "fashion_q90.jpg")).convert("L"), dtype=np.float32) / 255.0)
    with torch.no_grad():
        logits = net(x[None, None])
    safetensors_writer.write(os.path.join(HERE, "fashion_q90_logits.safetensors"), {"logits": logits})

    out = {}
    for name in files:
        with Image.open(os.path.join(HERE, name)) as img:
            print(name, img.mode, img.size)
            out[name + ":L"] = torch.from_numpy(np.asarray(img.convert("L"), dtype=np.float32).copy())
            out[name + ":RGB"] = torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.float32).copy())
    safetensors_writer.write(os.path.join(HERE, "pil_pixels.safetensors"), out)


main()
