"""PyTorch's answers for every behavioural claim the lessons make (tests/app/tst_lessons.cpp
compares the lesson steps with lessons_reference.json; resources/examples/tiny_sequential.pth
and .safetensors are the weights files the checkpoint lesson loads).

Run with Debian's PyTorch (1.13):

    /usr/bin/python3 tests/data/lessons/make_lessons_reference.py

The lessons follow current PyTorch 2.x. Where this script can only run 1.13, the 2.x behaviour
was checked by reading PyTorch 2.x source and is noted next to the claim:

  * F.sigmoid / F.tanh: 1.13 warns "nn.functional.sigmoid is deprecated. Use torch.sigmoid
    instead." (recorded below). In 2.x torch/nn/functional.py defines
    `def sigmoid(input):  # noqa: D400,D402` whose body is only `return input.sigmoid()`:
    no warning (read in a 2.x copy of torch/nn/functional.py; the same for tanh).
  * Calling a ModuleList or ModuleDict: 1.13 and 2.x both raise from
    Module._forward_unimplemented, `NotImplementedError(f"Module [{type(self).__name__}] is
    missing the required \"forward\" function")` (2.x torch/nn/modules/module.py, seen in a
    2.1 traceback: module.py line 374, _forward_unimplemented). Recorded below from 1.13.
  * train()/eval(), to()/half()/double(), named_modules(), state_dict(), parameters(),
    ModuleList/Sequential slicing, append/extend/insert, add_module, load_state_dict's strict
    key check: the same code paths in 1.13 and 2.x (Module.train recurses over
    self.children(); Module._apply over self.children(); slicing returns
    self.__class__(list(self._modules.values())[idx])). Error texts of dtype mismatches differ
    between versions and are not quoted by the lessons.
"""
import importlib.util
import io
import json
import os
import sys
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "fashion"))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "images"))
from make_fashion_reference import read_png_grey  # noqa: E402
import safetensors_writer  # noqa: E402

torch.set_num_threads(2)


def load_class(file, cls):
    spec = importlib.util.spec_from_file_location(file[:-3], os.path.join(EXAMPLES, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, cls)


def make(file, cls, seed=0):
    c = load_class(file, cls)
    torch.manual_seed(seed)
    return c(1, 10)


def first_sample():
    img = read_png_grey(os.path.join(ROOT, "resources", "samples", "fashion-mnist", "0000_ankle_boot.png"))
    return torch.tensor(img, dtype=torch.float32).div(255).reshape(1, 1, 28, 28)


def error_text(fn):
    try:
        fn()
        return None
    except Exception as e:  # noqa: BLE001
        return type(e).__name__ + ": " + str(e)


def runs(file, cls):
    """Every way a student would use the model: one image and a batch of 4, eval and training
    with CrossEntropyLoss and backward()."""
    out = {}
    for mode in ("eval", "train"):
        for n in (1, 4):
            model = make(file, cls)
            model.train(mode == "train")
            x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))
            target = torch.zeros(n, dtype=torch.long)
            res = {}
            try:
                y = model(x)
                res["output_shape"] = list(y.shape)
                if mode == "train":
                    loss = F.cross_entropy(y, target)
                    loss.backward()
                    res["loss"] = "ok"
                res["error"] = None
            except Exception as e:  # noqa: BLE001
                res["error"] = type(e).__name__ + ": " + str(e).split("\n")[0]
            out[f"{mode}_batch{n}"] = res
    return out


ref = {}

# ---- the seed's bugs and their fixes ---------------------------------------------------------
seed = {}
for file, cls in [("net.py", "Net"), ("net_bn2_fixed.py", "Net"), ("net_fixed.py", "Net"),
                  ("net_sequential.py", "NetSequential"), ("net_sequential_viewbug.py", "NetSequential"),
                  ("net_sequential_fixed.py", "NetSequential"), ("net_modulelist.py", "NetModuleList"),
                  ("net_modulelist_fixed.py", "NetModuleList"), ("net_sequential_named.py", "NetSequentialNamed"),
                  ("net_moduledict.py", "NetModuleDict"), ("net_residual.py", "NetResidual")]:
    seed[file] = runs(file, cls)
ref["runs"] = seed

# ---- F.sigmoid: deprecated in 1.x only ---------------------------------------------------------
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    F.sigmoid(torch.zeros(1))
ref["f_sigmoid_warning_1_13"] = str(w[0].message) if w else None
ref["f_sigmoid_warning_2_x"] = None  # see the header: 2.x functional.py has no warning

# ---- calling containers --------------------------------------------------------------------------
x = torch.zeros(1, 4)
ref["call_modulelist"] = error_text(lambda: nn.ModuleList([nn.ReLU()])(x))
ref["call_moduledict"] = error_text(lambda: nn.ModuleDict({"a": nn.ReLU()})(x))
plain_layers = [nn.ReLU()]
ref["call_plain_list"] = error_text(lambda: plain_layers(x))
ref["modulelist_is_callable"] = callable(nn.ModuleList())

# A custom forward may index a Sequential in any order, just as it indexes a ModuleList.
seq = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU())
ref["sequential_indexed_out_of_order"] = list(seq[1](seq[2](seq[0](torch.ones(2, 4)))).shape)

# ---- train()/eval() reach registered children only ---------------------------------------------
plain = make("net_plainlist.py", "NetPlainList")
plain.eval()
ref["plainlist_after_eval"] = {
    "model.training": plain.training,
    "layers[1].training": plain.layers[1].training,
    "layers[4].training": plain.layers[4].training,
    "named_modules": [n for n, _ in plain.named_modules()],
    "parameters": sum(p.numel() for p in plain.parameters()),
    "layer_parameters": sum(p.numel() for m in plain.layers for p in m.parameters()),
    "state_dict_keys": list(plain.state_dict().keys()),
}
mlist = make("net_modulelist_fixed.py", "NetModuleList")
mlist.eval()
ref["modulelist_after_eval"] = {n: m.training for n, m in mlist.named_modules()}
# Same weights (seed 0, both build their layers in the same order), first sample, eval mode.
img = first_sample()
with torch.no_grad():
    y_list = mlist(img)
    before = plain.layers[1].running_mean.clone()
    y_plain = plain(img)
    y_plain2 = plain(img)
    after = plain.layers[1].running_mean.clone()
ref["eval_first_sample"] = {
    "modulelist_output": [round(v, 5) for v in y_list[0].tolist()],
    "plainlist_output": [round(v, 5) for v in y_plain[0].tolist()],
    "modulelist_top_probability": round(torch.softmax(y_list, 1).max().item(), 5),
    "plainlist_top_probability": round(torch.softmax(y_plain, 1).max().item(), 5),
    "plainlist_same_output_twice": bool(torch.equal(y_plain, y_plain2)),
    "plainlist_running_mean_changed": not bool(torch.equal(before, after)),
    "plainlist_num_batches_tracked": int(plain.layers[1].num_batches_tracked),
}
# In training mode both compute the same thing: a plain list changes nothing there.
plain.train()
mlist.train()
with torch.no_grad():
    ref["train_mode_plainlist_equals_modulelist"] = bool(torch.allclose(plain(img), mlist(img), atol=1e-6))

# A Dropout in a plain list keeps dropping after eval().
dmodel = make("net_plainlist_dropout.py", "NetPlainListDropout")
dmodel.eval()
with torch.no_grad():
    a, b = dmodel(img), dmodel(img)
ref["plainlist_dropout_after_eval"] = {"head[0].training": dmodel.head[0].training,
                                       "two_runs_equal": bool(torch.equal(a, b))}

# Autograd still reaches the unregistered weights; the optimizer never sees them.
plain = make("net_plainlist.py", "NetPlainList")
loss = F.cross_entropy(plain(img), torch.tensor([9]))
loss.backward()
ref["plainlist_autograd"] = {
    "layers[0].weight.grad_is_set": plain.layers[0].weight.grad is not None,
    "optimizer_error": error_text(lambda: torch.optim.SGD(plain.parameters(), lr=0.1)),
}

# A plain list of parameter-free modules is just as unregistered.
class FreeList(nn.Module):
    def __init__(self):
        super().__init__()
        self.acts = [nn.ReLU(), nn.Dropout(0.5)]


fl = FreeList()
fl.eval()
ref["parameter_free_plain_list"] = {"named_modules": [n for n, _ in fl.named_modules()],
                                    "dropout_training_after_eval": fl.acts[1].training}

# ---- .to()/.half()/.double() recurse over registered children only --------------------------------
plain = make("net_plainlist.py", "NetPlainList")
mlist = make("net_modulelist_fixed.py", "NetModuleList")
plain.double()
mlist.double()
ref["double"] = {
    "modulelist_weight_dtype": str(mlist.module_list[0].weight.dtype),
    "plainlist_weight_dtype": str(plain.layers[0].weight.dtype),
    "modulelist_forward": error_text(lambda: mlist(img.double())),
    "plainlist_forward_fails": error_text(lambda: plain(img.double())) is not None,
}
mlist = make("net_modulelist_fixed.py", "NetModuleList").half()
ref["half_modulelist_dtypes"] = sorted({str(t.dtype) for t in mlist.state_dict().values()})

# ---- parameters vs buffers -------------------------------------------------------------------------
net = make("net_fixed.py", "Net")
bn1 = net.bn1
ref["buffers"] = {
    "bn1_parameters": [n for n, _ in bn1.named_parameters()],
    "bn1_buffers": [n for n, _ in bn1.named_buffers()],
    "bn1_parameter_elements": sum(p.numel() for p in bn1.parameters()),
    "bn1_buffer_elements": sum(b.numel() for b in bn1.buffers()),
    "bn1_state_dict_keys": [k for k in net.state_dict() if k.startswith("bn1.")],
    "num_batches_tracked_dtype": str(bn1.num_batches_tracked.dtype),
    "running_mean_in_parameters": any(n == "bn2.running_mean" for n, _ in net.named_parameters()),
    "running_mean_in_state_dict": "bn2.running_mean" in net.state_dict(),
    "net_parameters": sum(p.numel() for p in net.parameters()),
    "net_buffer_elements": sum(b.numel() for b in net.buffers()),
}
x4 = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
net.train()
net(x4)
net(x4)
after_train = int(net.bn1.num_batches_tracked)
net.eval()
net(x4)
ref["buffers"]["num_batches_tracked_after_2_train_1_eval"] = [after_train, int(net.bn1.num_batches_tracked)]


def example(file, cls, seed=0):
    """A shipped example built as its file builds it (constructor defaults)."""
    c = load_class(file, cls)
    torch.manual_seed(seed)
    return c()


def tensor_facts(m):
    return {"state_dict_keys": list(m.state_dict().keys()),
            "named_parameters": [n for n, _ in m.named_parameters()],
            "named_buffers": [n for n, _ in m.named_buffers()],
            "parameter_count": sum(p.numel() for p in m.parameters()),
            "buffer_elements": sum(b.numel() for b in m.buffers()),
            "named_modules": [n for n, _ in m.named_modules()],
            "named_children": [n for n, _ in m.named_children()],
            "repr": repr(m)}


# A module's own tensors: nn.Parameter attributes and register_buffer (resources/examples/buffers.py).
ref["register_buffer"] = tensor_facts(example("buffers.py", "NetBuffers"))

# affine=False drops the parameters, track_running_stats=False the buffers (and then BatchNorm
# normalises with the batch's statistics in eval mode too).
spec = importlib.util.spec_from_file_location("bn_variants", os.path.join(HERE, "bn_variants.py"))
bn_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bn_mod)
bnv = bn_mod.BatchNormVariants()
xb = torch.rand(2, 32, 4, 4, generator=torch.Generator().manual_seed(3))
variants = {}
for name in ("bn", "bn_no_affine", "bn_no_stats"):
    m = getattr(bnv, name)
    m.eval()
    with torch.no_grad():
        ev = m(xb)
    m.train()
    with torch.no_grad():
        tr = m(xb)
    variants[name] = {"parameters": [n for n, _ in m.named_parameters()],
                      "buffers": [n for n, _ in m.named_buffers()],
                      "buffer_elements": sum(b.numel() for b in m.buffers()),
                      "eval_equals_train": bool(torch.allclose(ev, tr))}
ref["batchnorm_variants"] = variants

# ---- named_modules(): order, shared modules once --------------------------------------------------
ref["named_modules"] = {
    "net_sequential_fixed": [n for n, _ in make("net_sequential_fixed.py", "NetSequential").named_modules()],
    "net_moduledict": [n for n, _ in make("net_moduledict.py", "NetModuleDict").named_modules()],
}


# One module stored under two names (resources/examples/shared_module.py).
sh = example("shared_module.py", "NetShared")
ref["shared_module"] = tensor_facts(sh)
ref["shared_module"]["block.0_is_conv"] = sh.block[0] is sh.conv

# ---- indexing, slicing, append/extend/insert --------------------------------------------------------
mlist = make("net_modulelist_fixed.py", "NetModuleList")
ml = mlist.module_list
seqm = make("net_sequential_fixed.py", "NetSequential")
plain = make("net_plainlist.py", "NetPlainList")
ref["slicing"] = {
    "modulelist[-1]_is_[9]": ml[-1] is ml[9],
    "modulelist[-1]": repr(ml[-1]),
    "type(modulelist[0:3])": type(ml[0:3]).__name__,
    "type(sequential[0:2])": type(seqm.conv_block1[0:2]).__name__,
    "type(plain_list[0:3])": type(plain.layers[0:3]).__name__,
    "slice_shares_modules": ml[0:3][1] is ml[1],
    "slice_keys": list(ml[3:6].state_dict().keys()),
    "moduledict_slice": error_text(lambda: make("net_moduledict.py", "NetModuleDict").blocks[0:2]),
    "modulelist_index_10": error_text(lambda: ml[10]),
}
grow = nn.ModuleList([nn.Linear(2, 2)])
ref["slicing"]["append_returns_self"] = grow.append(nn.ReLU()) is grow
grow.extend([nn.Linear(2, 3), nn.Sigmoid()])
ref["slicing"]["after_append_extend"] = [n for n, _ in grow.named_children()]
ref["slicing"]["keys_before_insert"] = list(grow.state_dict().keys())
grow.insert(1, nn.Linear(2, 2))
ref["slicing"]["keys_after_insert"] = list(grow.state_dict().keys())

# ---- Sequential(OrderedDict) and add_module ----------------------------------------------------------
named = make("net_sequential_named.py", "NetSequentialNamed")
ref["ordered_dict"] = {
    "state_dict_keys": list(named.state_dict().keys())[:7],
    "index_0_is_conv": named.conv_block1[0] is named.conv_block1.conv,
    "parameters": sum(p.numel() for p in named.parameters()),
    "positional_keys": list(make("net_sequential_fixed.py", "NetSequential").state_dict().keys())[:7],
}
s = nn.Sequential()
s.add_module("conv", nn.Conv2d(1, 2, 3))
s.add_module("relu", nn.ReLU())
ref["ordered_dict"]["add_module_names"] = [n for n, _ in s.named_children()]
ref["ordered_dict"]["add_module_repr"] = repr(s)
# An empty Sequential filled by add_module, and add_module on the model (resources/examples/named_entries.py).
ref["add_module"] = tensor_facts(example("named_entries.py", "NetNamed"))

# ---- checkpoints between container styles ---------------------------------------------------------------
tseq = make("tiny_sequential.py", "TinySequential")
tseq.train()
with torch.no_grad():
    for _ in range(3):  # give BatchNorm running statistics that are not the defaults
        tseq(torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(2)))
tseq.eval()
sd = tseq.state_dict()
safetensors_writer.write(os.path.join(EXAMPLES, "tiny_sequential.safetensors"),
                         OrderedDict((k, v) for k, v in sd.items()))
# The same checkpoint as PyTorch users save it: torch.save(model.state_dict(), PATH).
torch.save(sd, os.path.join(EXAMPLES, "tiny_sequential.pth"))
tlist = make("tiny_modulelist.py", "TinyModuleList")
ref["checkpoint_pth_strict_error"] = error_text(
    lambda: tlist.load_state_dict(torch.load(os.path.join(EXAMPLES, "tiny_sequential.pth"))))
ref["checkpoint"] = {
    "sequential_keys": list(sd.keys()),
    "modulelist_keys": list(tlist.state_dict().keys()),
    "strict_error": error_text(lambda: tlist.load_state_dict(sd)),
    "parameters": sum(p.numel() for p in tlist.parameters()),
}
# Keys pair up by position: both state_dicts list the same tensors in the same order.
remapped = OrderedDict(zip(tlist.state_dict().keys(), sd.values()))
tlist.load_state_dict(remapped)
tlist.eval()
with torch.no_grad():
    ref["checkpoint"]["remapped_outputs_equal"] = bool(torch.equal(tlist(img), tseq(img)))
    ref["checkpoint"]["sequential_output"] = [round(v, 5) for v in tseq(img)[0].tolist()]

with open(os.path.join(HERE, "lessons_reference.json"), "w") as f:
    json.dump(ref, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", os.path.join(HERE, "lessons_reference.json"))
