"""PyTorch's answers for tests/engine/tst_train*.cpp (training: modes, gradients, losses,
optimizers). Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_train_reference.py

Writes, next to this script:
  * modes.safetensors: the seed's NetPlainList after torch.manual_seed(0) and model.eval() on the
    first Fashion-MNIST test image (its plain-list BatchNorm layers keep training mode and use
    batch statistics); BatchNorm layers run twice in training mode (outputs, running statistics,
    num_batches_tracked).
  * layers.json + layers.safetensors: every layer type, forward and backward against a random
    output gradient: input, output, gradients of input and parameters, buffers after.
  * grad_<case>.{in,ref}.safetensors: whole-model gradients of models/*.py (modulelab-cli grad).
  * seed_grads.safetensors: the seed's networks' gradients (digests: they are large).
  * losses.json + losses.safetensors: each loss with its options: value and gradient.
  * optim_*.safetensors + optimizers.json: three optimizer steps on models/small_cnn.py, and with
    SGD (nesterov), Adam and AdamW on models/own_params.py and the examples buffers.py and
    shared_module.py (optimizers.json names each case's model and initial weights).
"""
import gzip
import importlib.util
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
DATA = "/usr/share/datasets/fashion-mnist"


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.int64:
            data, dtype = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            data, dtype = t.float().numpy().astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_example(name, cls, *args):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    return getattr(module, cls)(*args)


def modes():
    out = {}
    images = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
    x = torch.from_numpy(images[:1].astype(np.float32) / 255.0).reshape(1, 1, 28, 28)
    model = load_example("net_plainlist", "NetPlainList", 1, 10)
    model.eval()
    with torch.no_grad():
        out["plainlist.input"] = x
        out["plainlist.output"] = model(x)
    # Training-mode BatchNorm: batch statistics, running statistics with the unbiased variance.
    torch.manual_seed(1)
    for name, bn, shape in (("bn2d", nn.BatchNorm2d(3, momentum=0.2), (4, 3, 5, 5)),
                            ("bn1d", nn.BatchNorm1d(6, momentum=None), (8, 6)),
                            ("bn1d3", nn.BatchNorm1d(2), (3, 2, 7))):
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5) if bn.weight is not None else None
            bn.bias.uniform_(-0.5, 0.5) if bn.bias is not None else None
            for k, v in bn.state_dict().items():
                out[f"{name}.init.{k}"] = v.clone()
            bn.train()
            for step in range(2):
                xin = torch.randn(*shape) * 2 + 1
                out[f"{name}.x{step}"] = xin
                out[f"{name}.y{step}"] = bn(xin)
            for k, v in bn.state_dict().items():
                out[f"{name}.after.{k}"] = v.clone()
    write_safetensors(os.path.join(HERE, "modes.safetensors"), out)


LAYER_CASES = [
    # name, type, kwargs, input shape, training mode
    ("conv", "Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1}, [2, 3, 6, 5], True),
    ("conv_strided", "Conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": [3, 2], "stride": 2, "padding": [1, 0],
                                "dilation": [1, 2], "groups": 2, "bias": False}, [2, 4, 9, 8], True),
    ("conv_same", "Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 4, "padding": "same"}, [1, 2, 7, 7], True),
    ("conv_unbatched", "Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 1}, [2, 4, 4], True),
    ("linear", "Linear", {"in_features": 7, "out_features": 5}, [3, 7], True),
    ("linear_3d", "Linear", {"in_features": 4, "out_features": 3, "bias": False}, [2, 3, 4], True),
    ("bn2d_train", "BatchNorm2d", {"num_features": 3}, [4, 3, 3, 3], True),
    ("bn2d_eval", "BatchNorm2d", {"num_features": 3}, [2, 3, 2, 2], False),
    ("bn2d_noaffine", "BatchNorm2d", {"num_features": 2, "affine": False, "momentum": None}, [3, 2, 2, 3], True),
    ("bn2d_nostats", "BatchNorm2d", {"num_features": 2, "track_running_stats": False}, [3, 2, 2, 2], False),
    ("bn1d_train", "BatchNorm1d", {"num_features": 5, "eps": 1e-3, "momentum": 0.3}, [6, 5], True),
    ("bn1d_3d", "BatchNorm1d", {"num_features": 2}, [3, 2, 4], True),
    ("layernorm", "LayerNorm", {"normalized_shape": [3, 4]}, [2, 3, 4], True),
    ("layernorm_eps", "LayerNorm", {"normalized_shape": 5, "eps": 1e-3}, [4, 5], True),
    ("maxpool", "MaxPool2d", {"kernel_size": 2}, [2, 3, 6, 6], True),
    ("maxpool_pad", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}, [1, 2, 7, 6], True),
    ("maxpool_dil", "MaxPool2d", {"kernel_size": 2, "stride": 1, "dilation": 2}, [1, 2, 6, 6], True),
    ("avgpool", "AvgPool2d", {"kernel_size": 2}, [2, 2, 4, 6], True),
    ("avgpool_pad", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, [1, 2, 7, 6], True),
    ("avgpool_div", "AvgPool2d", {"kernel_size": 2, "padding": 1, "divisor_override": 3}, [1, 1, 5, 5], True),
    ("adaptive", "AdaptiveAvgPool2d", {"output_size": [3, 2]}, [2, 2, 7, 5], True),
    ("relu", "ReLU", {}, [3, 8], True),
    ("leaky", "LeakyReLU", {"negative_slope": 0.2}, [3, 8], True),
    ("gelu", "GELU", {}, [3, 8], True),
    ("gelu_tanh", "GELU", {"approximate": "tanh"}, [3, 8], True),
    ("silu", "SiLU", {}, [3, 8], True),
    ("sigmoid", "Sigmoid", {}, [3, 8], True),
    ("tanh", "Tanh", {}, [3, 8], True),
    ("softmax", "Softmax", {"dim": 1}, [3, 5, 2], True),
    ("logsoftmax", "LogSoftmax", {"dim": -1}, [4, 6], True),
    ("flatten", "Flatten", {}, [2, 3, 2, 2], True),
    ("identity", "Identity", {}, [2, 5], True),
    ("dropout_eval", "Dropout", {"p": 0.4}, [3, 5], False),
    ("dropout_p0", "Dropout", {"p": 0.0}, [3, 5], True),
    ("dropout2d_eval", "Dropout2d", {"p": 0.3}, [2, 3, 2, 2], False),
]


def layers():
    out, cases = {}, []
    for k, (name, kind, kwargs, shape, training) in enumerate(LAYER_CASES):
        torch.manual_seed(100 + k)
        args = {key: tuple(v) if isinstance(v, list) else v for key, v in kwargs.items()}
        layer = getattr(nn, kind)(**args)
        with torch.no_grad():
            for pname, p in layer.named_parameters():
                p.uniform_(-1.0, 1.0) if "weight" not in pname or kind not in ("BatchNorm2d", "BatchNorm1d", "LayerNorm") else p.uniform_(0.5, 1.5)
            for bname, b in layer.named_buffers():
                if bname == "running_mean":
                    b.uniform_(-0.5, 0.5)
                elif bname == "running_var":
                    b.uniform_(0.5, 2.0)
        for key, v in layer.state_dict().items():
            out[f"{name}.init.{key}"] = v.clone()
        layer.train(training)
        x = (torch.randn(*shape) * 1.5).requires_grad_()
        y = layer(x)
        g = torch.randn_like(y)
        y.backward(g)
        out[f"{name}.x"] = x.detach()
        out[f"{name}.y"] = y.detach()
        out[f"{name}.gy"] = g
        out[f"{name}.gx"] = x.grad
        for pname, p in layer.named_parameters():
            out[f"{name}.grad.{pname}"] = p.grad
        for key, v in layer.state_dict().items():
            out[f"{name}.after.{key}"] = v.clone()
        cases.append({"name": name, "type": kind, "args": kwargs, "training": training})
    write_safetensors(os.path.join(HERE, "layers.safetensors"), out)
    with open(os.path.join(HERE, "layers.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


def load_model(path):
    """Runs a model file and builds its root class again after torch.manual_seed(0), as
    modulelab-cli --seed 0 initialises it."""
    ns = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    cls = type(ns["model"])
    torch.manual_seed(0)
    return cls()


def digest(t):
    """A gradient too large to commit: its sum, sum of squares and first 256 values."""
    flat = t.detach().flatten().double()
    return torch.cat([flat.sum().reshape(1), (flat * flat).sum().reshape(1), flat[:256]]).float()


GRAD_CASES = [
    # name, model file, batch shape, loss, targets, mode
    ("ops", "models/ops.py", [4, 6], "mse", "float", "train"),
    ("residual", "models/residual.py", [3, 1, 12, 12], "cross_entropy", "class", "train"),
    ("residual_eval", "models/residual.py", [3, 1, 12, 12], "cross_entropy", "class", "eval"),
    ("plain_list", "models/plain_list.py", [2, 1, 8, 8], "nll", "class", "train"),
    ("plain_list_eval", "models/plain_list.py", [2, 1, 8, 8], "nll", "class", "eval"),
    ("bce", "models/ops.py", [4, 6], "bce_with_logits", "float", "train"),
    # parameters of the model itself used through tensor ops (leaves of the graph), a block called twice
    ("own_params", "models/own_params.py", [3, 1, 28, 28], "cross_entropy", "class", "train"),
    # an nn.Parameter and buffers of the model itself
    ("buffers", "../../../resources/examples/buffers.py", [2, 1, 28, 28], "cross_entropy", "class", "train"),
    # one Conv2d under two names called twice: its gradients add up, named_parameters() names it once
    ("shared_module", "../../../resources/examples/shared_module.py", [2, 1, 28, 28], "cross_entropy", "class", "train"),
]


def loss_of(kind, out, target):
    if kind == "cross_entropy":
        return F.cross_entropy(out, target)
    if kind == "nll":
        return F.nll_loss(out, target)
    if kind == "mse":
        return F.mse_loss(out, target)
    return F.binary_cross_entropy_with_logits(out, target)


def grads():
    """Whole-model gradients as modulelab-cli grad computes them: inputs and targets per case
    (grad_<name>.in.safetensors), loss, parameter and input gradients (grad_<name>.ref.safetensors);
    gradients of plain-list layers under "unregistered.<attribute>.<index>.<name>"."""
    for k, (name, path, shape, loss, ttype, mode) in enumerate(GRAD_CASES):
        model = load_model(os.path.join(HERE, path))
        model.train(mode == "train")
        torch.manual_seed(200 + k)
        x = torch.randn(*shape).requires_grad_()
        out = model(x)
        if ttype == "class":
            target = torch.randint(0, out.shape[1], (shape[0],))
        else:
            target = torch.rand(out.shape)
        l = loss_of(loss, out, target)
        l.backward()
        write_safetensors(os.path.join(HERE, f"grad_{name}.in.safetensors"), {"input": x.detach(), "target": target})
        ref = {"loss": l.detach().reshape(()), "input": x.grad}
        for pname, p in model.named_parameters():
            ref[pname] = p.grad
        for attr, value in vars(model).items():
            if isinstance(value, list):
                for i, m in enumerate(value):
                    for pname, p in m.named_parameters():
                        ref[f"unregistered.{attr}.{i}.{pname}"] = p.grad
        write_safetensors(os.path.join(HERE, f"grad_{name}.ref.safetensors"), ref)


def seed_grads():
    """The seed's NetModuleList (fixed) and NetSequential (fixed), seed 0, two Fashion-MNIST test
    images, cross-entropy: loss, and a digest of every gradient (seed_grads.safetensors)."""
    images = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images[:2].astype(np.float32) / 255.0).reshape(2, 1, 28, 28)
    y = torch.from_numpy(labels[:2].astype(np.int64))
    out = {"input": x, "target": y}
    for name, cls in (("net_modulelist_fixed", "NetModuleList"), ("net_sequential_fixed", "NetSequential")):
        model = load_example(name, cls, 1, 10)
        model.train()
        xg = x.clone().requires_grad_()
        l = F.cross_entropy(model(xg), y)
        l.backward()
        out[f"{name}.loss"] = l.detach().reshape(())
        out[f"{name}.input"] = digest(xg.grad)
        for pname, p in model.named_parameters():
            out[f"{name}.{pname}"] = digest(p.grad)
    write_safetensors(os.path.join(HERE, "seed_grads.safetensors"), out)


LOSS_CASES = [
    # name, loss, kwargs, output shape, target kind
    ("ce", "cross_entropy", {}, [5, 4], "class"),
    ("ce_sum", "cross_entropy", {"reduction": "sum"}, [5, 4], "class"),
    ("ce_smooth", "cross_entropy", {"label_smoothing": 0.2}, [5, 4], "class"),
    ("ce_ignore", "cross_entropy", {"ignore_index": 1, "label_smoothing": 0.1}, [6, 3], "class"),
    ("ce_probs", "cross_entropy", {"label_smoothing": 0.3}, [3, 4], "probs"),
    ("nll", "nll", {}, [5, 4], "class"),
    ("nll_ignore", "nll", {"ignore_index": 0, "reduction": "sum"}, [6, 3], "class"),
    ("mse", "mse", {}, [3, 4], "float"),
    ("mse_sum", "mse", {"reduction": "sum"}, [2, 5], "float"),
    ("bce", "bce_with_logits", {}, [3, 4], "float"),
    ("bce_sum", "bce_with_logits", {"reduction": "sum"}, [4, 2], "float"),
]


def losses():
    out, cases = {}, []
    fns = {"cross_entropy": F.cross_entropy, "nll": F.nll_loss, "mse": F.mse_loss, "bce_with_logits": F.binary_cross_entropy_with_logits}
    for k, (name, loss, kwargs, shape, ttype) in enumerate(LOSS_CASES):
        torch.manual_seed(300 + k)
        x = (torch.randn(*shape) * 2).requires_grad_()
        if ttype == "class":
            t = torch.randint(0, shape[1], (shape[0],))
            t[0] = kwargs.get("ignore_index", t[0])
        elif ttype == "probs":
            t = torch.softmax(torch.randn(*shape), 1)
        else:
            t = torch.rand(*shape)
        l = fns[loss](x, t, **kwargs)
        l.backward()
        out[f"{name}.x"] = x.detach()
        out[f"{name}.t"] = t
        out[f"{name}.loss"] = l.detach().reshape(())
        out[f"{name}.gx"] = x.grad
        cases.append({"name": name, "loss": loss, "args": kwargs})
    write_safetensors(os.path.join(HERE, "losses.safetensors"), out)
    with open(os.path.join(HERE, "losses.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


OPTIMIZER_CASES = [
    # name, optimizer, kwargs (as the command line passes them)
    ("sgd_nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("sgd_plain", "sgd", {"lr": 0.1}),
    ("adam", "adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.001}),
    ("adamw", "adamw", {"lr": 0.01, "weight_decay": 0.1}),
]

# Models besides small_cnn.py trained with SGD (nesterov, weight decay), Adam and AdamW: own
# parameters, buffers, one module under two names (its state_dict entry under both).
OPTIMIZER_MODELS = [
    # prefix, model file (relative to this directory), options added for Adam and AdamW
    ("own_params", "models/own_params.py", {}),
    # conv.bias before a training-mode BatchNorm has a gradient of zero in exact arithmetic: Adam
    # would divide rounding noise by its own size and step by lr in a random direction (in PyTorch
    # too); eps 1e-2 keeps that noise (about 1e-5 here) from deciding the step.
    ("buffers", "../../../resources/examples/buffers.py", {"eps": 1e-2}),
    ("shared_module", "../../../resources/examples/shared_module.py", {}),
]


def optimizers():
    """Three steps of each optimizer on each model from the same weights over batches of 4
    of 10 Fashion-MNIST images taken in order (the last batch partial): the whole state_dict after
    them, BatchNorm running statistics and num_batches_tracked included."""
    images = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images[:10].astype(np.float32) / 255.0).reshape(10, 1, 28, 28)
    y = torch.from_numpy(labels[:10].astype(np.int64))
    write_safetensors(os.path.join(HERE, "optim_data.safetensors"), {"inputs": x, "targets": y})
    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    runs = [("", "models/small_cnn.py", OPTIMIZER_CASES)]
    for prefix, path, extra in OPTIMIZER_MODELS:
        cases = [(n, k, dict(kw, **extra) if k != "sgd" else kw) for n, k, kw in OPTIMIZER_CASES if n != "sgd_plain"]
        runs.append((prefix + "_", path, cases))
    listed = []
    for prefix, path, cases in runs:
        base = load_model(os.path.join(HERE, path))
        init = f"optim_{prefix}init.safetensors"
        write_safetensors(os.path.join(HERE, init), base.state_dict())
        for name, kind, kwargs in cases:
            model = load_model(os.path.join(HERE, path))
            model.load_state_dict(base.state_dict())
            model.train()
            opt = classes[kind](model.parameters(), **kwargs)
            for step in range(3):
                xb, yb = x[4 * step:4 * step + 4], y[4 * step:4 * step + 4]
                opt.zero_grad()
                F.cross_entropy(model(xb), yb).backward()
                opt.step()
            write_safetensors(os.path.join(HERE, f"optim_{prefix}{name}.safetensors"), model.state_dict())
            listed.append({"name": prefix + name, "model": path, "init": init, "optimizer": kind,
                           "args": {a: list(v) if isinstance(v, tuple) else v for a, v in kwargs.items()}})
    with open(os.path.join(HERE, "optimizers.json"), "w") as f:
        json.dump(listed, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    modes()
    layers()
    grads()
    seed_grads()
    losses()
    optimizers()
