"""Reference image conversions made with PIL, as torchvision's Resize + ToTensor do them.

Run with /usr/bin/python3 (python3-pil, python3-torch). Writes the sample images and
images_reference.safetensors with one tensor per (image, mode) in N,C,H,W float32.
"""
import numpy as np
import torch
from PIL import Image

rng = np.random.default_rng(1234)


def save_samples():
    h, w = 23, 37
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([(x * 7) % 256, (y * 11) % 256, ((x + y) * 5) % 256], axis=-1).astype(np.uint8)
    rgb = (rgb.astype(int) + rng.integers(0, 40, size=rgb.shape)).clip(0, 255).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save("sample_rgb.png")
    rgba = np.concatenate([rgb, np.full((h, w, 1), 128, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save("sample_rgba.png")
    grey = ((x * 3 + y * 9) % 256).astype(np.uint8)
    Image.fromarray(grey, "L").save("sample_grey.bmp")
    big = np.stack([(x * 3) % 256] * 3, axis=-1).astype(np.uint8)
    Image.fromarray(big, "RGB").resize((100, 64), Image.NEAREST).save("sample_wide.png")
    # Small in area, but one side beyond ModuleLab's 16384-pixel limit (PIL opens it).
    Image.new("L", (20000, 10)).save("too_wide.png")


def to_tensor(img):
    a = np.asarray(img, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = a[None]
    else:
        a = a.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(a))[None]


def main():
    save_samples()
    out = {}
    for name in ["sample_rgb.png", "sample_rgba.png", "sample_grey.bmp", "sample_wide.png"]:
        for mode, channels in [("L", 1), ("RGB", 3)]:
            for size in [(28, 28), (37, 23), (16, 20)]:
                img = Image.open(name).convert(mode).resize(size, Image.BILINEAR)
                key = f"{name}:{channels}:{size[1]}x{size[0]}"
                out[key] = to_tensor(img)
    from safetensors_writer import write
    write("images_reference.safetensors", out)


if __name__ == "__main__":
    main()
