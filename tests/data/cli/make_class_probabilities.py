"""Class probabilities as PyTorch gives them: torch.softmax(output, dim=1) of logits, and a
model ending in nn.Softmax whose output is already a distribution (softmax again would change
it). Writes class_probabilities.json: {"logits": {"output", "softmax"}, "distribution":
{"output"}}, float32 values as Python floats.

Run with Debian's python3-torch: /usr/bin/python3 make_class_probabilities.py
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(3)
logits = torch.randn(3, 10) * 4
logits[2, :] = torch.tensor([100.0, 99.0, -50.0, 0.0, 0.5, 1e-3, -1e3, 88.0, 100.0, 3.0])  # large values: stable softmax
distribution = torch.softmax(torch.randn(2, 5), dim=1)
out = {
    "logits": {"output": logits.tolist(), "softmax": torch.softmax(logits, dim=1).tolist()},
    "distribution": {"output": distribution.tolist()},
}
with open(os.path.join(HERE, "class_probabilities.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
