"""PyTorch's seeded initial weights for models whose code initialises them in its own way
(tests/engine/tst_initcode.cpp).

Run with /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 tests/data/initcode/gen_reference.py
For each entry below: torch.manual_seed(seed); model = <expression> in the file's namespace (for
an entry without an expression, the file's own top level makes the model after the seed, as
running the file does), then writes reference.json:

  <name>: file, model (class or function, with args as modulelab-cli --model/--args take them;
          "" for the file's own model), seed, and state_dict: [key, shape, fnv, first] for every
          entry in order, fnv being FNV-1a 64 of the float32 values' little-endian bytes (the
          whole tensor, bit for bit) and first its first 4 values;
and, for entries with an input, <name>.safetensors with "input" (torch.rand(input) drawn right
after the model, as ModuleLab's Run draws a picture-less input) and "output" (model.eval()).
PyTorch 1.13 draws normal_ with its AVX2 kernel on CPUs that have AVX2 (almost every x86-64 CPU
since 2013): this script must run on one (it checks torch.__config__).
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(DATA, "corpus"))
import gen_reference as corpus  # noqa: E402  (the corpus' own loader and torchvision stand-ins)

ENTRIES = [
    # name, file, class or function, args, seeds, input
    ("order", "initcode/order.py", "Net", "", [0, 7], [2, 8]),
    ("vit_like", "initcode/vit_like.py", "TinyViT", "", [0, 3], [2, 4, 12]),
    ("trunc", "initcode/trunc.py", "Net", "", [0, 1], [2, 32]),
    ("dcgan", "initcode/dcgan.py", "", "", [0, 5], [1, 8, 1, 1]),
    ("tv03_resnet18", "corpus/tv03_resnet.py", "resnet18", "", [0], [1, 3, 64, 64]),
    ("tv03_mobilenet_v2", "corpus/tv03_mobilenet.py", "mobilenet_v2", "", [1], [1, 3, 64, 64]),
    ("tv011_densenet121", "corpus/tv011_densenet.py", "densenet121", "", [0], None),
    ("tv02_squeezenet1_1", "corpus/tv02_squeezenet.py", "squeezenet1_1", "", [2], None),
    ("tv011_squeezenet1_0", "corpus/tv011_squeezenet.py", "squeezenet1_0", "num_classes=10", [0], None),
    ("cifarmodels_resnet20", "corpus-heldout/cifarmodels_resnet.py", "cifar10_resnet20", "", [4], [1, 3, 32, 32]),
]


def fnv64(t):
    h = 0xCBF29CE484222325
    for b in t.detach().contiguous().to(torch.float32).numpy().tobytes():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def main():
    assert "CPU capability usage: AVX2" in torch.__config__.show(), "needs PyTorch's AVX2 kernels"
    torch.set_num_threads(1)
    corpus.install_torchvision_stand_ins()
    out = {}
    for name, rel, fn, args, seeds, shape in ENTRIES:
        path = os.path.join(DATA, rel)
        for seed in seeds:
            if fn:
                module = corpus.load_file(path, os.path.splitext(os.path.basename(rel))[0])
                torch.manual_seed(seed)
                model = eval("%s(%s)" % (fn, args), vars(module))
            else:
                torch.manual_seed(seed)
                module = corpus.load_file(path, os.path.splitext(os.path.basename(rel))[0])
                model = [v for v in vars(module).values() if isinstance(v, torch.nn.Module)][-1]
            key = "%s/seed%d" % (name, seed)
            state = [[k, list(v.shape), fnv64(v), [float(x) for x in v.flatten()[:4].tolist()]]
                     for k, v in model.state_dict().items() if v.dtype == torch.float32]
            out[key] = {"file": rel, "model": fn, "args": args, "seed": seed, "state_dict": state}
            if shape:
                x = torch.rand(shape)
                model.eval()
                with torch.no_grad():
                    y = model(x)
                corpus.write_safetensors(os.path.join(HERE, key.replace("/", "_") + ".safetensors"), {"input": x, "output": y})
                out[key]["forward"] = key.replace("/", "_") + ".safetensors"
            print(key, len(state), "entries", file=sys.stderr)
    tmp = os.path.join(HERE, "reference.json.tmp")
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(HERE, "reference.json"))


if __name__ == "__main__":
    main()
