"""PyTorch's requires_grad per parameter for the model files in frozen/, for
tests/engine/tst_frozen.cpp. Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_frozen_code_reference.py

Runs each file and takes its `model`; writes frozen_code.json next to this script: the total
parameters, the trainable ones (requires_grad, as torchinfo's "Trainable params" counts them), how
many tensors an optimizer built from the trainable parameters holds, and the names of the frozen
parameters as named_parameters() gives them.
"""
import json
import os
import runpy

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    out = []
    for name in sorted(os.listdir(os.path.join(HERE, "frozen"))):
        if not name.endswith(".py"):
            continue
        model = runpy.run_path(os.path.join(HERE, "frozen", name))["model"]
        params = list(model.parameters())
        trainable = [p for p in params if p.requires_grad]
        out.append({"file": name, "total": sum(p.numel() for p in params),
                    "trainable": sum(p.numel() for p in trainable), "optimizer_tensors": len(trainable),
                    "frozen": [n for n, p in model.named_parameters() if not p.requires_grad]})
    with open(os.path.join(HERE, "frozen_code.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
