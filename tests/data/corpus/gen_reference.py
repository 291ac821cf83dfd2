"""PyTorch's answers for every model file of the corpus (tests/engine/tst_corpus.cpp).

Run with /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 tests/data/corpus/gen_reference.py [corpus-dir ...]
Default: this directory and ../corpus-heldout. For each entry of DIR/MANIFEST.json it imports
DIR/<name>.py as its authors wrote it, builds the model with the entry's "model" expression in
the file's namespace, puts it in eval mode and writes DIR/reference/<name>.json:

  repr             print(model) (ModuleList folded as PyTorch 2.x prints it)
  nodes            named_modules() in order: path, type, params (recursive), input and output
                   shape of the first call (forward hooks), calls, mult_adds (torchinfo's rule for
                   the module's own weight and bias, summed over calls; 0 for containers)
  total_params, trainable_params, total_mult_adds, output_shape
  state_dict       [key, shape] in order
  forward          for models under 2M parameters: every state_dict entry is set by the
                   formula in fill_value() (the C++ test computes the same), the input is
                   torch.randn after torch.manual_seed(0); DIR/reference/<name>.safetensors
                   holds "input" and "output" (float32); several outputs are "output.0",
                   "output.1", ... ("output.FIELD" for a namedtuple or dict), as
                   modulelab-cli run --output names them; a None in a tuple has no tensor
                   and is null in the shapes.

Files whose relative imports reach into torchvision (its 0.11 models) get two stand-in modules
(load_state_dict_from_url, _log_api_usage_once) that the model code only names; training scripts
get an empty torchvision (datasets, transforms), which they use only in main().
"""
import importlib.util
import json
import math
import os
import struct
import sys
import types
import warnings

import torch
import torch.nn as nn
from torch.nn.modules.module import _addindent

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
FORWARD_LIMIT = 2_000_000


def modulelist_repr(self):
    """torch 2.x ModuleList.__repr__ (ModuleLab prints 2.x): consecutive equal entries fold."""
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


# ---- loading a file as its authors wrote it ---------------------------------------------

def install_torchvision_stand_ins():
    pkg = types.ModuleType("tvstub")
    pkg.__path__ = []
    models = types.ModuleType("tvstub.models")
    models.__path__ = []
    utils = types.ModuleType("tvstub.utils")
    utils._log_api_usage_once = lambda *a, **k: None
    replaced = types.ModuleType("tvstub._internally_replaced_utils")

    def load_state_dict_from_url(*a, **k):
        raise RuntimeError("no pretrained weights in the corpus")

    replaced.load_state_dict_from_url = load_state_dict_from_url
    # Training scripts import torchvision for data loading only.
    tv = types.ModuleType("torchvision")
    tv.datasets = types.ModuleType("torchvision.datasets")
    tv.transforms = types.ModuleType("torchvision.transforms")
    # Model files that import a pretrained network they never build (PyTorch-GAN's vgg19).
    tv.__path__ = []
    tv.models = types.ModuleType("torchvision.models")

    def vgg19(*a, **k):
        raise RuntimeError("no torchvision networks in the corpus")

    tv.models.vgg19 = vgg19
    for m in (pkg, models, utils, replaced, tv, tv.datasets, tv.transforms, tv.models):
        sys.modules[m.__name__] = m


def load_file(path, name):
    modname = "tvstub.models." + name
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "tvstub.models"
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return module


# ---- deterministic weights -----------------------------------------------------------------

def fnv1a(text):
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def fill_value(key, shape, i):
    """The value of element i (row-major) of state_dict entry `key` with `shape`."""
    v = ((i * 7919 + fnv1a(key)) % 251) / 251.0 - 0.5  # in [-0.5, 0.5)
    last = key.rsplit(".", 1)[-1]
    if last == "running_var":
        return 1.0 + 0.5 * (v + 0.5)
    if last == "running_mean" or last == "bias":
        return 0.1 * v
    if len(shape) <= 1:  # norm weights, PReLU slopes
        return 1.0 + 0.1 * v
    fan = 1
    for d in shape[1:]:
        fan *= d
    return v / math.sqrt(max(fan, 1))


def fill_tensor(key, shape):
    """fill_value() for every element at once (the same double arithmetic), as float32."""
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.int64)
    v = ((i * 7919 + fnv1a(key)) % 251).to(torch.float64) / 251.0 - 0.5
    last = key.rsplit(".", 1)[-1]
    if last == "running_var":
        v = 1.0 + 0.5 * (v + 0.5)
    elif last == "running_mean" or last == "bias":
        v = 0.1 * v
    elif len(shape) <= 1:
        v = 1.0 + 0.1 * v
    else:
        fan = 1
        for d in shape[1:]:
            fan *= d
        v = v / math.sqrt(max(fan, 1))
    assert all(float(v[k]) == fill_value(key, shape, k) for k in range(min(n, 5)))
    return v.to(torch.float32)


def fill_state(model):
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if not t.dtype.is_floating_point:
                t.zero_()
                continue
            t.copy_(fill_tensor(key, list(t.shape)).reshape(t.shape))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ---- what PyTorch reports ------------------------------------------------------------------

def flat_outputs(v, name="output"):
    """The tensors of a forward's result as ModuleLab names them (modulelab-cli run --output):
    "output" for a tensor; "output.0", "output.1" for a tuple or list (nested: "output.0.1");
    "output.FIELD" for a namedtuple's field or a dict's string key. None if something else."""
    if isinstance(v, torch.Tensor):
        return [(name, v)]
    if isinstance(v, dict) and v and all(isinstance(k, str) for k in v):
        items = list(v.items())
    elif isinstance(v, tuple) and hasattr(v, "_fields") and v:
        items = list(zip(v._fields, v))
    elif isinstance(v, (tuple, list)) and v:
        items = [(str(i), x) for i, x in enumerate(v)]
    else:
        return None
    out = []
    for key, x in items:
        if x is None:  # (logits, None): no tensor under that name
            continue
        sub = flat_outputs(x, name + "." + key)
        if sub is None:
            return None
        out += sub
    return out


def shape_of(v):
    """A tensor's shape; a list of shapes for a tuple, list, namedtuple or dict of tensors (nested
    ones flattened in order)."""
    if isinstance(v, torch.Tensor):
        return list(v.shape)
    if isinstance(v, (tuple, list)) and v and any(x is None for x in v):
        return [None if x is None else shape_of(x) for x in v]
    flat = flat_outputs(v)
    return [list(t.shape) for _, t in flat] if flat else None


def own_mult_adds(module, out_shape):
    """torchinfo's count for one call (README: "mult_adds follows torchinfo")."""
    params = sum(p.numel() for n, p in module.named_parameters(recurse=False) if n in ("weight", "bias"))
    if params == 0 or not out_shape or isinstance(out_shape[0], list):
        return 0
    name = type(module).__name__
    if "Conv" in name:
        n = out_shape[0] if len(out_shape) > 2 else 1
        spatial = 1
        for d in out_shape[2:] if len(out_shape) > 2 else out_shape[1:]:
            spatial *= d
        return params * n * spatial
    if name == "Linear":
        lead = 1
        for d in out_shape[:-1]:
            lead *= d
        return params * lead
    return params * out_shape[0]


def reference(entry, module):
    torch.manual_seed(0)
    try:
        model = eval(entry["model"], vars(module))
    except Exception as e:  # PyTorch (or Python) itself fails: the engine must not exit 0
        return {"torch_version": torch.__version__, "name": entry["name"], "model": entry["model"],
                "input": entry["input"], "error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0])}, None
    model.eval()
    names = {m: n for n, m in model.named_modules()}
    info = {n: {"calls": 0, "mult_adds": 0} for n in names.values()}
    counter = [0]
    stack = []

    def pre(m, inputs):
        stack.append(counter[0])

    def post(m, inputs, output):
        start = stack.pop()
        n = names[m]
        rec = info[n]
        out_shape = shape_of(output)
        own = own_mult_adds(m, out_shape)
        counter[0] += own
        if rec["calls"] == 0:
            rec["input_shape"] = shape_of(inputs[0]) if inputs else None
            rec["output_shape"] = out_shape
        rec["calls"] += 1
        rec["mult_adds"] += own
        rec["inside"] = rec.get("inside", 0) + counter[0] - start

    handles = []
    for m in names:
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    torch.manual_seed(0)
    x = torch.randn(entry["input"])
    with torch.no_grad():
        y = model(x)
    for h in handles:
        h.remove()

    nodes = []
    for m, n in ((m, names[m]) for m in names):
        rec = info[n]
        nodes.append({"path": n, "type": type(m).__name__,
                      "params": sum(p.numel() for p in m.parameters()),
                      "input_shape": rec.get("input_shape"), "output_shape": rec.get("output_shape"),
                      "calls": rec["calls"], "mult_adds": rec["mult_adds"]})
    total = sum(p.numel() for p in model.parameters())
    ref = {
        "torch_version": torch.__version__,
        "name": entry["name"], "model": entry["model"], "input": entry["input"],
        "repr": repr(model),
        "total_params": total,
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "total_mult_adds": info[""]["inside"],
        "output_shape": shape_of(y),
        "nodes": nodes,
        "state_dict": [[k, list(v.shape)] for k, v in model.state_dict().items()],
        "forward": total < FORWARD_LIMIT,
    }
    tensors = None
    if ref["forward"]:
        fill_state(model)
        with torch.no_grad():
            y = model(x)
        tensors = {"input": x}
        for name, t in flat_outputs(y):
            tensors[name] = t
    return ref, tensors


def main():
    dirs = sys.argv[1:] or [HERE, os.path.join(os.path.dirname(HERE), "corpus-heldout")]
    install_torchvision_stand_ins()
    for d in dirs:
        with open(os.path.join(d, "MANIFEST.json")) as f:
            manifest = json.load(f)
        out_dir = os.path.join(d, "reference")
        os.makedirs(out_dir, exist_ok=True)
        for entry in manifest["files"]:
            module = load_file(os.path.join(d, entry["name"] + ".py"), entry["name"])
            ref, tensors = reference(entry, module)
            path = os.path.join(out_dir, entry["name"] + ".json")
            with open(path + ".tmp", "w") as f:
                json.dump(ref, f, indent=0, separators=(",", ":"))
                f.write("\n")
            os.replace(path + ".tmp", path)
            if tensors:
                write_safetensors(os.path.join(out_dir, entry["name"] + ".safetensors"), tensors)
            print("%-24s %12s params  %s" % (entry["name"], ref.get("total_params", ref.get("error")), "forward" if tensors else ""))


if __name__ == "__main__":
    main()
