#!/usr/bin/python3
"""PyTorch's answers for the importer/exporter tests (run by hand: /usr/bin/python3 gen_reference.py).

For every model file NAME.py next to this script it writes NAME.json with what real PyTorch
says: print(model) (ModuleList folded as PyTorch 2.x prints it), parameter counts, state_dict
keys, named_parameters() and named_buffers(), and per named module its type, parameter count and the input/output shapes of its first
call (forward hooks) on the shape of the file's '# input:' comment; for files with the comment
'# check: eval forward with seed 0' also that output (seed0_output).

Then it runs every exported/NAME.py (the code ModuleLab's exporter writes; the C++ tests check
that the exporter still writes exactly these files) and checks that real PyTorch builds the
same model from it: same repr, parameters, state_dict keys and output shape.
Exits non-zero on any mismatch. The tests themselves never need Python.
"""
import json
import os
import re
import sys

import torch
import torch.nn as nn
from torch.nn.modules.module import _addindent

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)


def modulelist_repr(self):
    """torch 2.x ModuleList.__repr__: consecutive equal entries fold into one line."""
    list_of_reprs = [repr(item) for item in self]
    if len(list_of_reprs) == 0:
        return self._get_name() + "()"
    start_end_indices = [[0, 0]]
    repeated_blocks = [list_of_reprs[0]]
    for i, r in enumerate(list_of_reprs[1:], 1):
        if r == repeated_blocks[-1]:
            start_end_indices[-1][1] += 1
            continue
        start_end_indices.append([i, i])
        repeated_blocks.append(r)
    lines = []
    for (start_id, end_id), b in zip(start_end_indices, repeated_blocks):
        local_repr = f"({start_id}): {b}"
        if start_id != end_id:
            n = end_id - start_id + 1
            local_repr = f"({start_id}-{end_id}): {n} x {b}"
        lines.append(_addindent(local_repr, 2))
    return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


if not torch.__version__.startswith("2."):
    nn.ModuleList.__repr__ = modulelist_repr


def input_shape(source):
    m = re.search(r"^#\s*input:\s*([0-9, ]+)$", source, re.M)
    return [int(v) for v in m.group(1).split(",")] if m else None


def load_model(path):
    """Runs the file as a module (not as __main__) and returns its model as ModuleLab picks it."""
    source = open(path).read()
    namespace = {"__name__": "reference_model"}
    exec(compile(source, path, "exec"), namespace)
    instances = [v for k, v in namespace.items() if isinstance(v, nn.Module) and not k.startswith("_")]
    if len(instances) == 1:
        return instances[0], source
    classes = [v for v in namespace.values()
               if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == "reference_model"]
    candidates = []
    for c in classes:
        try:
            candidates.append(c())
        except TypeError:
            pass
    if len(candidates) != 1:
        raise RuntimeError(f"{path}: cannot tell which class is the model")
    return candidates[0], source


def describe(model, shape):
    model.eval()
    torch.manual_seed(0)
    nodes = {}
    names = {}
    for name, m in model.named_modules():
        names[id(m)] = name
        nodes[name] = {"type": m._get_name(), "params": sum(p.numel() for p in m.parameters())}
    hooks = []

    def hook(m, inputs, output):
        node = nodes[names[id(m)]]
        if "input_shape" not in node and inputs and torch.is_tensor(inputs[0]) and torch.is_tensor(output):
            node["input_shape"] = list(inputs[0].shape)
            node["output_shape"] = list(output.shape)

    for m in model.modules():
        hooks.append(m.register_forward_hook(hook))
    out = {
        "repr": repr(model),
        "total_params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffer_elements": sum(b.numel() for b in model.buffers()),
        "state_dict_keys": list(model.state_dict().keys()),
        "named_parameters": [n for n, _ in model.named_parameters()],
        "named_buffers": [n for n, _ in model.named_buffers()],
        "input_shape": shape,
        "output_shape": None,
        "error": None,
    }
    if shape:
        try:
            with torch.no_grad():
                y = model(torch.randn(*shape))
            out["output_shape"] = list(y.shape)
        except Exception as e:  # recorded: the analysis reports the same failure
            out["error"] = f"{type(e).__name__}: {e}"
    for h in hooks:
        h.remove()
    out["nodes"] = nodes
    return out


SEEDED = "# check: eval forward with seed 0"


def seeded_output(path, shape):
    """The eval output for torch.linspace(-1, 1) input of the model built after torch.manual_seed(0)."""
    torch.manual_seed(0)
    model, _ = load_model(path)
    model.eval()
    n = 1
    for d in shape:
        n *= d
    with torch.no_grad():
        return model(torch.linspace(-1, 1, n).reshape(shape)).flatten().tolist()


def main():
    failures = 0
    models = sorted(f for f in os.listdir(HERE) if f.endswith(".py") and not f.startswith("gen_"))
    for f in models:
        model, source = load_model(os.path.join(HERE, f))
        ref = describe(model, input_shape(source))
        ref = {"file": f, "torch": torch.__version__, **ref}
        if SEEDED in source:
            ref["seed0_output"] = seeded_output(os.path.join(HERE, f), input_shape(source))
        with open(os.path.join(HERE, f[:-3] + ".json"), "w") as out:
            json.dump(ref, out, indent=1)
            out.write("\n")
        print(f"{f}: {ref['total_params']} params, output {ref['output_shape']}")

    # the exporter's output must run in real PyTorch and build the same model
    exported_dir = os.path.join(HERE, "exported")
    for f in sorted(os.listdir(exported_dir)):
        if not f.endswith(".py"):
            continue
        stem = f[:-3]
        ref_path = next((p for p in (os.path.join(HERE, stem + ".json"), os.path.join(DATA, "seed", stem + ".json"),
                                     os.path.join(DATA, "numeric", stem + ".json")) if os.path.exists(p)), None)
        model, source = load_model(os.path.join(exported_dir, f))
        got = describe(model, input_shape(source))
        ref = json.load(open(ref_path))
        problems = [k for k in ("repr", "total_params", "trainable_params", "state_dict_keys", "output_shape") if got[k] != ref[k]]
        if problems:
            failures += 1
            print(f"exported/{f}: MISMATCH in {', '.join(problems)}")
            for k in problems:
                print(f"  expected {ref[k]!r}\n  got      {got[k]!r}")
        else:
            print(f"exported/{f}: runs in PyTorch {torch.__version__}, same model")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
