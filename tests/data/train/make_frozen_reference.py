"""PyTorch's parameter counts with frozen modules, for tests/engine/tst_frozen.cpp. Run with
PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_frozen_reference.py

Builds resources/examples/fashion_cnn.py and the seed's NetModuleList (fixed), calls
requires_grad_(False) on the modules each case names and writes frozen.json next to this script:
the total parameters, the trainable ones (requires_grad, as torchinfo's "Trainable params"
counts them) and how many tensors an optimizer built from the trainable parameters holds.
"""
import importlib.util
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "resources", "examples"))
CASES = [
    ("fashion_cnn.py", "FashionCNN", []),
    ("fashion_cnn.py", "FashionCNN", ["features"]),
    ("fashion_cnn.py", "FashionCNN", ["features.0", "head.1"]),
    ("fashion_cnn.py", "FashionCNN", [""]),
    ("net_modulelist_fixed.py", "NetModuleList", ["module_list.7"]),
]


def build(name, cls):
    spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(EXAMPLES, name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, cls)(1, 10)


def main():
    out = []
    for name, cls, frozen in CASES:
        model = build(name, cls)
        for path in frozen:
            model.get_submodule(path).requires_grad_(False)
        trainable = [p for p in model.parameters() if p.requires_grad]
        out.append({"file": name, "frozen": frozen, "total": sum(p.numel() for p in model.parameters()),
                    "trainable": sum(p.numel() for p in trainable), "optimizer_tensors": len(trainable)})
    with open(os.path.join(HERE, "frozen.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
