"""PyTorch's answers for training a model against its own input (an autoencoder:
loss(model(x), x)), for tests/engine/tst_train_recon.cpp. Run with PyTorch 1.13:

    /usr/bin/python3 tests/data/train/make_recon_reference.py

Uses the first 10 Fashion-MNIST training images of optim_data.safetensors (written by
make_train_reference.py), batches of 4 taken in order (the last one partial). Writes, next to
this script:
  * recon_<case>_init.safetensors: the initial state_dict (torch.manual_seed(0), then the model);
  * recon_<case>_grad.safetensors: the first batch ("x"), the loss and the gradients
    (parameters and "input") of one training-mode pass on it;
  * recon_<case>.safetensors: the whole state_dict after three optimizer steps;
  * recon.json: each case's model, loss and optimizer with its arguments.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

from make_train_reference import HERE, load_model, write_safetensors

CASES = [
    # name, model file (relative to this directory), loss, optimizer, kwargs
    ("mse_adam", "../../../resources/examples/autoencoder.py", "mse", "adam", {"lr": 0.01}),
    # eps 1e-4: a few weights of a unit the ReLU after BatchNorm silences get gradients of 1e-8,
    # rounding noise that Adam's default eps (1e-8) would turn into a full step of random sign
    # (in PyTorch too: it moves by 2.7e-4 with every weight perturbed by one part in 10^7).
    ("bce_adamw", "models/autoencoder_logits.py", "bce_with_logits", "adamw",
     {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "eps": 1e-4}),
    ("mse_sgd", "models/autoencoder_logits.py", "mse", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
]


def read_safetensors(path):
    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


LOSSES = {"mse": F.mse_loss, "bce_with_logits": F.binary_cross_entropy_with_logits}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def main():
    x = read_safetensors(os.path.join(HERE, "optim_data.safetensors"))["inputs"]
    listed = []
    for name, path, loss, kind, kwargs in CASES:
        base = load_model(os.path.join(HERE, path))
        write_safetensors(os.path.join(HERE, f"recon_{name}_init.safetensors"), base.state_dict())
        # gradients of one training-mode pass (a copy: BatchNorm's running statistics move)
        model = load_model(os.path.join(HERE, path))
        model.load_state_dict(base.state_dict())
        model.train()
        xb = x[:4].clone().requires_grad_()
        l = LOSSES[loss](model(xb), xb.detach())
        l.backward()
        grads = {"x": xb.detach(), "loss": l.detach().reshape(())}
        grads.update({n: p.grad for n, p in model.named_parameters()})
        grads["input"] = xb.grad
        write_safetensors(os.path.join(HERE, f"recon_{name}_grad.safetensors"), grads)
        # three optimizer steps
        model = load_model(os.path.join(HERE, path))
        model.load_state_dict(base.state_dict())
        model.train()
        opt = OPTIMIZERS[kind](model.parameters(), **kwargs)
        for step in range(3):
            xb = x[4 * step:4 * step + 4]
            opt.zero_grad()
            LOSSES[loss](model(xb), xb).backward()
            opt.step()
        write_safetensors(os.path.join(HERE, f"recon_{name}.safetensors"), model.state_dict())
        listed.append({"name": name, "model": path, "loss": loss, "optimizer": kind, "args": kwargs})
    with open(os.path.join(HERE, "recon.json"), "w") as f:
        json.dump(listed, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
