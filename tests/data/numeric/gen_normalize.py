# Reference for ml::normalizeInput: torchvision.transforms.Normalize on a batch, computed as its
# functional normalize does (tensor.sub_(mean[:, None, None]).div_(std[:, None, None]) in the
# tensor's float32), written to normalize_reference.safetensors. Run with Debian's python3-torch:
#   /usr/bin/python3 tests/data/numeric/gen_normalize.py
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "images"))
import safetensors_writer  # noqa: E402

g = torch.Generator().manual_seed(12)
x = torch.rand(2, 3, 4, 5, generator=g)  # two pictures, three channels, as ToTensor gives them
mean = torch.tensor([0.485, 0.456, 0.406])
std = torch.tensor([0.229, 0.224, 0.225])
y = x.clone().sub_(mean[:, None, None]).div_(std[:, None, None])
identity = x.clone().sub_(torch.zeros(3)[:, None, None]).div_(torch.ones(3)[:, None, None])
safetensors_writer.write(os.path.join(here, "normalize_reference.safetensors"),
                         {"input": x, "mean": mean, "std": std, "normalized": y, "identity": identity})
