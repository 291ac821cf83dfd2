"""torch.manual_seed accepts any integer from -2**63 to 2**64 - 1; a negative seed is its two's
complement. Writes a small model, an input and the output of that model initialised after
torch.manual_seed(-1), for `modulelab-cli run --seed -1`.

Run with Debian's python3-torch: /usr/bin/python3 make_seed_reference.py
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "images"))
import safetensors_writer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CODE = '''import torch.nn as nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.flat(self.conv(x)))


model = Small()
# input: 1,1,4,4
'''

with open(os.path.join(HERE, "small.py"), "w") as f:
    f.write(CODE)
scope = {}
exec(CODE, scope)
torch.manual_seed(123)
x = torch.rand(1, 1, 4, 4)
outputs = {"input": x}
for seed in (-1, 2**64 - 1, -(2**63)):
    torch.manual_seed(seed)
    model = scope["Small"]().eval()
    with torch.no_grad():
        outputs["output_seed_%d" % seed] = model(x)
safetensors_writer.write(os.path.join(HERE, "small_seeds.safetensors"), outputs)
