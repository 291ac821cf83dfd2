"""PyTorch's answers for the lesson "Learning: what the optimizer updates"
(tests/app/tst_learninglesson.cpp). Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/lessons/make_learning_reference.py

Trains the seed's NetModuleList, NetSequential (fixed) and NetPlainConvs (conv blocks in a
plain Python list, classifier registered) from torch.manual_seed(0) on the 30 shipped
Fashion-MNIST samples in their order, batches of 10 (three steps), SGD lr 0.01,
CrossEntropyLoss, and writes learning_reference.json next to this script: the losses, whether
each layer's parameters changed, whether the plain list's parameters got a .grad, and what
torch.optim says for the seed's NetPlainList.
"""
import csv
import importlib.util
import json
import os

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
SAMPLES = os.path.join(ROOT, "resources", "samples", "fashion-mnist")
LR, BATCH, SEED = 0.01, 10, 0


def load_example(name, cls):
    spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(EXAMPLES, name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # builds the file's own `model` too; rebuilt below from the seed
    torch.manual_seed(SEED)
    return getattr(mod, cls)(1, 10)


def samples():
    with open(os.path.join(SAMPLES, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    xs = [torch.from_numpy(np.asarray(Image.open(os.path.join(SAMPLES, r["file"])).convert("L"), dtype=np.float32) / 255.0)
          for r in rows]
    return torch.stack(xs).unsqueeze(1), torch.tensor([int(r["label_index"]) for r in rows])


def layers(model):
    """(path, module) of every module owning parameters, plain lists included."""
    out = []
    for name, m in model.named_modules():
        for attr, value in vars(m).items():
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, nn.Module):
                        out.append(((name + "." if name else "") + f"{attr}.{i}", item))
        if list(m.parameters(recurse=False)):
            out.append((name, m))
    return [(p, m) for p, m in out if list(m.parameters(recurse=False))]


def train(model, x, y):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    before = {p: [t.detach().clone() for t in m.parameters(recurse=False)] for p, m in layers(model)}
    losses, first_grads = [], {}
    for step in range(len(x) // BATCH):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x[step * BATCH:(step + 1) * BATCH]), y[step * BATCH:(step + 1) * BATCH])
        loss.backward()
        if step == 0:
            first_grads = {p: [None if t.grad is None else float(t.grad.norm()) for t in m.parameters(recurse=False)]
                           for p, m in layers(model)}
        opt.step()
        losses.append(loss.item())
    changed = {p: any(not torch.equal(a, b) for a, b in zip(before[p], m.parameters(recurse=False)))
               for p, m in layers(model)}
    return {
        "losses": losses,
        "losses_hex": [float(l).hex() for l in losses],
        "changed": changed,
        "first_grad_norms": first_grads,
        "initial_sums": {p: [float(t.double().sum()) for t in before[p]] for p in before},
        "parameters": sum(t.numel() for t in model.parameters()),
        "optimized_tensors": len(list(model.parameters())),
    }


def main():
    torch.set_num_threads(1)
    x, y = samples()
    ref = {"lr": LR, "batch": BATCH, "seed": SEED, "steps": len(x) // BATCH}
    ml = load_example("net_modulelist_fixed.py", "NetModuleList")
    seq = load_example("net_sequential_fixed.py", "NetSequential")
    ref["same_initial_weights"] = all(torch.equal(a, b) for a, b in zip(ml.parameters(), seq.parameters()))
    ref["modulelist"] = train(ml, x, y)
    ref["sequential"] = train(seq, x, y)
    ref["identical_curves"] = ref["modulelist"]["losses_hex"] == ref["sequential"]["losses_hex"]
    ref["same_final_weights"] = all(torch.equal(a, b) for a, b in zip(ml.parameters(), seq.parameters()))

    plain = load_example("net_plainlist_convs.py", "NetPlainConvs")
    bn = plain.conv_layers[1]
    running_before = bn.running_mean.clone()
    ref["plain_convs"] = train(plain, x, y)
    ref["plain_convs"]["bn_running_mean_changed"] = not torch.equal(running_before, bn.running_mean)
    ref["plain_convs"]["grad_is_none"] = {f"conv_layers.{i}": m.weight.grad is None
                                          for i, m in enumerate(plain.conv_layers) if hasattr(m, "weight")}

    try:
        torch.optim.SGD(load_example("net_plainlist.py", "NetPlainList").parameters(), lr=LR)
        ref["plainlist_optimizer_error"] = None
    except ValueError as e:
        ref["plainlist_optimizer_error"] = f"ValueError: {e}"
    ref["torch_version"] = torch.__version__
    with open(os.path.join(HERE, "learning_reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
