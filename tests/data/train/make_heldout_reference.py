"""PyTorch's answers for tests/engine/tst_train_heldout.cpp: models written the way a new user
writes them (heldout/*.py: a residual MLP, a ModuleDict-routed net, children called out of
registration order and one twice, a plain Python list, BatchNorm with Dropout), none of them
used while the gradients and optimizers were written. Run with PyTorch 1.13:

    /usr/bin/python3 tests/data/train/make_heldout_reference.py

Dropout draws its masks from ModuleLab's generator here too (make_corpus_grads.py's
std::mt19937_64, seeded with 0 before each run, as `modulelab-cli train --seed 0` and a first
`grad` do). Writes, next to this script:
  * heldout_data.safetensors: the first 12 Fashion-MNIST training images ("inputs") and labels
    ("targets"): three batches of 4;
  * heldout_<model>_init.safetensors: the state_dict after torch.manual_seed(0) and construction;
  * heldout_<model>_grad.safetensors: the first batch ("x", "target"), the loss, the
    named_parameters() gradients and "input" of one training-mode pass with cross-entropy on it;
  * heldout_<model>_<optimizer>.safetensors: the whole state_dict (buffers included) after three
    steps on the three batches in order;
  * heldout.json: the models, the optimizer cases with their arguments, and each case's
    sensitivity: how far (relative to each tensor's scale) PyTorch's own state after three steps
    moves when every weight is perturbed by one part in 10^7 (the worst of three perturbations).
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import make_corpus_grads as corpus
from make_train_reference import DATA, HERE, load_model, read_idx, write_safetensors

MODELS = ["residual_mlp", "moduledict_router", "out_of_order", "plain_list_mlp", "bn_dropout"]
OPTIMIZERS = [
    # name, optimizer, kwargs (as the command line passes them)
    ("sgd", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adam", "adam", {"lr": 0.01, "betas": (0.9, 0.99), "weight_decay": 0.001, "amsgrad": True}),
    ("adamw", "adamw", {"lr": 0.01, "weight_decay": 0.05}),
]
CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def modulelab_dropout_forward(self, x):
    return corpus.modulelab_dropout(x, self.p, False) if self.training else x


nn.Dropout.forward = modulelab_dropout_forward


def three_steps(path, kind, kwargs, x, y, perturb):
    """The state_dict after three steps; with `perturb`, every weight first multiplied by
    1 + 1e-7 * randn (generator seeded with perturb): how far PyTorch's own float32 rounding
    can move the result."""
    model = load_model(path)
    model.train()
    if perturb:
        g = torch.Generator().manual_seed(perturb)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1 + 1e-7 * torch.randn(p.shape, generator=g))
    corpus.GEN[0] = corpus.MT19937_64(0)
    opt = CLASSES[kind](model.parameters(), **kwargs)
    for step in range(3):
        opt.zero_grad()
        F.cross_entropy(model(x[4 * step:4 * step + 4]), y[4 * step:4 * step + 4]).backward()
        opt.step()
    return model.state_dict()


def spread(a, b):
    """The largest difference of a tensor between two state_dicts, relative to its scale."""
    return max(float((a[k].double() - b[k].double()).abs().max() / max(float(a[k].double().abs().max()), 1e-12)) for k in a)


def main():
    images = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images[:12].astype(np.float32) / 255.0).reshape(12, 1, 28, 28)
    y = torch.from_numpy(labels[:12].astype(np.int64))
    write_safetensors(os.path.join(HERE, "heldout_data.safetensors"), {"inputs": x, "targets": y})
    sensitivity = {}
    for name in MODELS:
        path = os.path.join(HERE, "heldout", name + ".py")
        base = load_model(path)
        write_safetensors(os.path.join(HERE, f"heldout_{name}_init.safetensors"), base.state_dict())
        model = load_model(path)  # the same weights, plain-list layers included
        model.train()
        corpus.GEN[0] = corpus.MT19937_64(0)
        xb = x[:4].clone().requires_grad_()
        loss = F.cross_entropy(model(xb), y[:4])
        loss.backward()
        grads = {"x": x[:4], "target": y[:4], "loss": loss.detach().reshape(())}
        grads.update({n: p.grad for n, p in model.named_parameters()})
        grads["input"] = xb.grad
        write_safetensors(os.path.join(HERE, f"heldout_{name}_grad.safetensors"), grads)
        for opt_name, kind, kwargs in OPTIMIZERS:
            state = three_steps(path, kind, kwargs, x, y, 0)
            write_safetensors(os.path.join(HERE, f"heldout_{name}_{opt_name}.safetensors"), state)
            sensitivity[f"{name}_{opt_name}"] = max(spread(state, three_steps(path, kind, kwargs, x, y, seed)) for seed in (1, 2, 3))
    with open(os.path.join(HERE, "heldout.json"), "w") as f:
        json.dump({"models": MODELS, "sensitivity": sensitivity,
                   "optimizers": [{"name": n, "optimizer": k, "args": {a: list(v) if isinstance(v, tuple) else v for a, v in kw.items()}}
                                  for n, k, kw in OPTIMIZERS]}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
