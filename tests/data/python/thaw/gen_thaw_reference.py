"""PyTorch's requires_grad per parameter for the files here (tests/engine/tst_python_export.cpp,
requiresGradTrueInsideFrozen). Run with /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 tests/data/python/thaw/gen_thaw_reference.py
Runs each file, takes its `model` and writes thaw.json: per file the trainable parameter count and
the names of the frozen parameters in named_parameters() order.
"""
import json
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
out = {}
for name in sorted(os.listdir(HERE)):
    if name.endswith(".py") and not name.startswith("gen_"):
        model = runpy.run_path(os.path.join(HERE, name))["model"]
        out[name] = {"trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
                     "frozen": [n for n, p in model.named_parameters() if not p.requires_grad]}
with open(os.path.join(HERE, "thaw.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
