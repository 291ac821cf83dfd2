"""PyTorch's gradients for models whose forward returns several outputs, with the loss computed
on the one a training loop picks (modulelab-cli grad --loss-output), for
tests/engine/tst_train_cli.cpp. Run with PyTorch 1.13:

    /usr/bin/python3 tests/data/train/make_output_choice_reference.py

Each model is built after torch.manual_seed(0) (as modulelab-cli --seed 0 initialises it) and
run in training mode on the first four samples of optim_data.safetensors; cross-entropy on the
chosen output. Writes output_choice.safetensors: per case "CASE.loss", "CASE.input" and
"CASE.PARAM" for every named_parameters() entry (zeros where PyTorch leaves .grad None: the
heads the loss does not use).
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

from make_train_reference import HERE, load_model, write_safetensors


def read_inputs(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    v = json.loads(data[8:8 + n])["inputs"]
    begin, end = v["data_offsets"]
    return torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=torch.float32).reshape(v["shape"])

CASES = [
    # case, model file, which output the loss is computed on
    ("two_heads_logits", "two_heads.py", lambda out: out.logits),
    ("two_heads_aux", "two_heads.py", lambda out: out[1]),
    ("logits_none", "logits_none.py", lambda out: out[0]),
]


def main():
    x = read_inputs(os.path.join(HERE, "optim_data.safetensors"))[:4]
    y = torch.tensor([3, 1, 4, 1])
    out = {}
    for case, path, pick in CASES:
        model = load_model(os.path.join(HERE, "models", path))
        model.train()
        xb = x.clone().requires_grad_()
        loss = F.cross_entropy(pick(model(xb)), y)
        loss.backward()
        out[case + ".loss"] = loss.detach().reshape(())
        out[case + ".input"] = xb.grad
        for n, p in model.named_parameters():
            out[case + "." + n] = p.grad if p.grad is not None else torch.zeros_like(p)
    out["targets"] = y
    write_safetensors(os.path.join(HERE, "output_choice.safetensors"), out)


if __name__ == "__main__":
    main()
