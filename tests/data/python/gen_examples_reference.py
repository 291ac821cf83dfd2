#!/usr/bin/python3
"""PyTorch's answers for the example models about buffers, shared modules and named entries
(resources/examples/buffers.py, shared_module.py, named_entries.py) and for classes derived from
the containers (derived_containers.py here): run by hand with
/usr/bin/python3 gen_examples_reference.py; writes examples_reference.json next to it."""
import json
import os
import runpy

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "..", "resources", "examples")

out = {"torch": torch.__version__}
for name in ("buffers", "shared_module", "named_entries", "derived_containers"):
    where, channels = (HERE, 3) if name == "derived_containers" else (EXAMPLES, 1)
    model = runpy.run_path(os.path.join(where, name + ".py"), run_name="reference_model")["model"]
    model.eval()
    with torch.no_grad():
        y = model(torch.randn(2, channels, 28, 28))
    out[name] = {
        "repr": repr(model),
        "total_params": sum(p.numel() for p in model.parameters()),
        "buffer_elements": sum(b.numel() for b in model.buffers()),
        "named_parameters": [n for n, _ in model.named_parameters()],
        "named_buffers": [n for n, _ in model.named_buffers()],
        "named_modules": [n for n, _ in model.named_modules()],
        "state_dict_keys": list(model.state_dict().keys()),
        "output_shape_batch2": list(y.shape),
    }
with open(os.path.join(HERE, "examples_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
