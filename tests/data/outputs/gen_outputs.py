"""PyTorch's answers for models with several outputs and for the analysis past a first error
(tests/engine/tst_outputs.cpp). Run with /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 tests/data/outputs/gen_outputs.py

For two_heads.py, named_heads.py and vae_dict.py (models whose forward returns a tuple, a
namedtuple holding a tuple, a dict), one_head.py (one tensor) and two_heads_c7.py (a tuple whose
second tensor has seven classes): the model built after torch.manual_seed(0) in eval mode,
its input torch.rand after torch.manual_seed(1). NAME.safetensors holds "input", every
state_dict entry under its key, and every output under the name ModuleLab gives it ("output.0",
"output.logits", "output.aux.1", "output.mu"); NAME.json the output shapes by name.

For after_error.py: the error PyTorch raises (conv2), the error it raises once conv2 is fixed
(head.0), and, with both fixed, every named_modules() node's input and output shape of its first
call and its mult-adds (torchinfo's rule, as the corpus references count them):
after_error.json.
"""
import importlib.util
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))
from gen_reference import flat_outputs, own_mult_adds, shape_of, write_safetensors  # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    torch.manual_seed(0)
    spec.loader.exec_module(module)
    return module


def input_of(name):
    with open(os.path.join(HERE, name + ".py")) as f:
        for line in f:
            if line.startswith("# input:"):
                return [int(d) for d in line.split(":")[1].split(",")]
    raise SystemExit(name + ": no '# input:' line")


def write_json(name, obj):
    path = os.path.join(HERE, name + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


def several_outputs(name):
    model = load(name).model.eval()
    torch.manual_seed(1)
    x = torch.rand(input_of(name))
    with torch.no_grad():
        y = model(x)
    flat = flat_outputs(y)
    tensors = {"input": x}
    tensors.update(model.state_dict())
    tensors.update(dict(flat))
    write_safetensors(os.path.join(HERE, name + ".safetensors"), tensors)
    write_json(name, {"torch_version": torch.__version__, "outputs": [[n, list(t.shape)] for n, t in flat],
                      "output_shape": shape_of(y)})


def error_of(model, x):
    try:
        with torch.no_grad():
            model(x)
    except Exception as e:  # the text PyTorch gives
        return "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
    return None


def after_error():
    model = load("after_error").model.eval()
    torch.manual_seed(1)
    x = torch.rand(input_of("after_error"))
    errors = [error_of(model, x)]
    model.conv2 = nn.Conv2d(8, 16, 3, stride=2)
    errors.append(error_of(model, x))
    model.head[0] = nn.Linear(64, 32)
    assert error_of(model, x) is None
    names = {m: n for n, m in model.named_modules()}
    nodes = {}

    def post(m, inputs, output):
        n = names[m]
        if n not in nodes:
            out = shape_of(output)
            nodes[n] = {"input_shape": shape_of(inputs[0]), "output_shape": out, "mult_adds": own_mult_adds(m, out)}

    handles = [m.register_forward_hook(post) for m in names]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    write_json("after_error", {"torch_version": torch.__version__, "errors": errors,
                               "fixed_nodes": [dict(path=n, **nodes[n]) for n in names.values()]})


def main():
    for name in ("two_heads", "named_heads", "vae_dict", "one_head", "two_heads_c7", "with_none"):
        several_outputs(name)
    after_error()


if __name__ == "__main__":
    main()
