"""PyTorch's training-mode gradients for every model of the real-world corpus
(tests/data/corpus and tests/data/corpus-heldout), as tests/engine/tst_corpusgrads.cpp computes
them. Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_corpus_grads.py [NAME ... | -NAME ...]

With names, only those models and the MANIFEST entries the references lack are (re)made, the
others kept as they are; -NAME leaves a model without references.

For each MANIFEST entry that PyTorch builds:
  * the model as the MANIFEST says, every state_dict entry set by the corpus's fill_value()
    formula (gen_reference.py; the test computes the same), model.train();
  * a batch of 2 at the smallest square input (of a fixed ladder of sizes) the model runs in
    training mode with every BatchNorm seeing at least 8 values per channel (InstanceNorm: per
    sample and channel); the input's element i is 4 * (((i * 7919 + fnv1a("input")) % 251) / 251 - 0.5);
  * the model is built after torch.manual_seed(0), as ModuleLab initialises it (initWeights with
    seed 0): layers kept in a plain Python list are not in the state_dict and keep that
    initialisation on both sides;
  * a model that returns several outputs (a tuple, a namedtuple) has the loss computed on the one
    LOSS_OUTPUT names (as modulelab-cli grad --loss-output does: an index or a field name), or on
    its only tensor when the others are None; the case records it as "loss_output";
  * loss: cross-entropy against classes [1, 0] when the output is [N, C] with C > 1, otherwise
    MSE against a target of the output's shape whose element i is
    ((i * 7919 + fnv1a("target")) % 251) / 251 - 0.5;
  * Dropout (nn.Dropout, nn.Dropout2d, F.dropout, F.dropout2d) draws its masks from ModuleLab's
    generator (std::mt19937_64 seeded with 0; an element drops when its draw is below p * 2^64;
    Dropout2d draws once per sample and channel), so training mode is compared with the same
    masks on both sides.
The reference is the same pass in float64 (every module converted, those of plain Python lists
too, which model.double() does not reach; the float32 weights, input, target and masks cast); float32 passes only measure how far PyTorch's own float32 lands from it: the plain
pass and PERTURBED_PASSES passes whose weights are multiplied by 1 + e * 2^-23 (e in {-1, 0, 1}
from a seed), each against the float64 pass of its own weights; the largest distance is kept.
ReLU kinks: an input within float32's rounding of a ReLU's (ReLU6's, Hardtanh's) kink falls on
either side in any float32 computation, and the side decides whether the gradient behind it is
that element's or 0. Every activation call's input is recorded in each pass; the elements whose
float64 input lies within KINK_FACTOR times PyTorch float32's own error at that element (the
largest over its plain and perturbed passes) of a kink, grouped by call and value (equal values
come from the same arithmetic and round alike), are candidates. For each group the float64
gradients with its decisions reversed are computed (backward is linear: the gradient that
reached the group's outputs is sent back from the activation's input, added or taken away); a
group is kept ("kink_flips", at most KINK_FLIPS, digests "NAME.flipK.grad...") when it moves some
tensor beyond what the test allows: the other legitimate answer, which the test accepts when the
reference itself is not met.
Writes corpus_grads.json (per case: name, directory, model, input shape, loss, the number of
parameters, PyTorch float32's largest distance, the near and decisive kinks) and
corpus_grads.safetensors: per case the
float64 loss and PyTorch float32's relative distance from it, and digests of the input gradient,
of every parameter's gradient (named_parameters() names) and of every floating-point buffer after
the forward pass (BatchNorm running statistics). A digest is [sum, sum of squares, largest
magnitude, then 32 values at the indices (k * 2654435761 + 12345) % numel, k = 0..31] of the
float64 tensor, then PyTorch float32's distance from that digest, measured as
tst_corpusgrads.cpp measures ModuleLab's (distance()).
Models PyTorch cannot build or run, or that return several tensors without a LOSS_OUTPUT entry, are
listed in the JSON with the reason ("pytorch_error").
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch.nn import Module as nn_Module

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(DATA, "corpus"))
sys.path.insert(0, HERE)
import gen_reference  # noqa: E402  (the corpus's loader and fill_value)
from make_train_reference import write_safetensors  # noqa: E402

DIRS = ["corpus", "corpus-heldout"]
SIZES = [8, 16, 24, 28, 32, 48, 64, 96, 128, 160, 192, 224, 256]
DIGEST_VALUES = 32
MIN_VALUES = 8


# ---- ModuleLab's dropout generator: std::mt19937_64 -------------------------------------------

class MT19937_64:
    N, M = 312, 156
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.mt = [0] * self.N
        self.mt[0] = seed & self.MASK
        for i in range(1, self.N):
            prev = self.mt[i - 1]
            self.mt[i] = (6364136223846793005 * (prev ^ (prev >> 62)) + i) & self.MASK
        self.index = self.N

    def twist(self):
        mt, n, m = self.mt, self.N, self.M
        for i in range(n):
            x = (mt[i] & 0xFFFFFFFF80000000) | (mt[(i + 1) % n] & 0x7FFFFFFF)
            xa = x >> 1
            if x & 1:
                xa ^= 0xB5026F5AA96619E9
            mt[i] = mt[(i + m) % n] ^ xa
        self.index = 0

    def __call__(self):
        if self.index >= self.N:
            self.twist()
        x = self.mt[self.index]
        self.index += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & self.MASK


assert MT19937_64(5489)() == 14514284786278117030  # std::mt19937_64's first output

GEN = [MT19937_64(0)]


def modulelab_dropout(x, p, channelwise):
    gen = GEN[0]
    shape = list(x.shape)
    group = 1
    if channelwise and len(shape) >= 3:
        group = math.prod(shape[2:] if len(shape) >= 4 else shape[1:])
    n = x.numel()
    scale = torch.tensor(1.0 / (1.0 - p) if p < 1.0 else 0.0, dtype=torch.float32)
    threshold = int(math.ldexp(p, 64)) if p < 1.0 else 0
    keep = []
    for _ in range(n // group if group else 0):
        keep.append(p <= 0.0 or (p < 1.0 and gen() >= threshold))
    f = torch.tensor(keep, dtype=torch.float32).repeat_interleave(group) * scale
    return x * f.reshape(x.shape)


def dropout(x, p=0.5, training=True, inplace=False):
    return modulelab_dropout(x, p, False) if training else x


def dropout2d(x, p=0.5, training=True, inplace=False):
    return modulelab_dropout(x, p, True) if training else x


F.dropout = dropout
F.dropout2d = dropout2d


# ---- ReLU kinks: where float32 rounding decides a gradient --------------------------------------
#
# ReLU's gradient is 1 above 0 and 0 below (ReLU6 and Hardtanh: inside their bounds or not). An
# input within float32's rounding of a kink falls on either side in any float32 computation: the
# float64 reference then holds one of two legitimate answers. Every ReLU, ReLU6 and Hardtanh call
# (module or functional) is numbered per pass; "record" keeps each call's input, and "flip"
# reverses the gradient decision at one element (its forward value stays float64's).

class Kinks:
    def __init__(self):
        self.mode, self.calls, self.record, self.grads, self.inputs, self.retain = None, 0, [], {}, [], False


KINK = Kinks()
# PyTorch's own kernels (F.relu calls torch.relu: counted once, at the outermost call).
_torch_relu, _torch_relu_ = torch.relu, torch.relu_
_relu6, _relu6_, _hardtanh, _hardtanh_ = torch._C._nn.relu6, torch._C._nn.relu6_, torch._C._nn.hardtanh, torch._C._nn.hardtanh_
_tensor_relu, _tensor_relu_ = torch.Tensor.relu, torch.Tensor.relu_


def activation(x, lo, hi, compute, inplace):
    i = KINK.calls
    KINK.calls += 1
    if KINK.mode == "record":
        KINK.record.append((x.detach().double().flatten().clone(), lo, hi))
        # A copy of the input in the graph (an in-place activation overwrites x): a gradient
        # sent back from it reaches everything before the activation.
        KINK.inputs.append(x.clone() if KINK.retain and x.requires_grad else None)
    y = compute(x, inplace)
    if KINK.mode == "record" and y.requires_grad:
        y.register_hook(lambda g: KINK.grads.__setitem__(i, g.detach().double().flatten().clone()))
    return y


F.relu = lambda input, inplace=False: activation(  # noqa: E731
    input, 0.0, None, lambda x, ip: _torch_relu_(x) if ip else _torch_relu(x), inplace)
F.relu6 = lambda input, inplace=False: activation(  # noqa: E731
    input, 0.0, 6.0, lambda x, ip: _relu6_(x) if ip else _relu6(x), inplace)
F.hardtanh = lambda input, min_val=-1.0, max_val=1.0, inplace=False: activation(  # noqa: E731
    input, min_val, max_val, lambda x, ip: _hardtanh_(x, min_val, max_val) if ip else _hardtanh(x, min_val, max_val), inplace)
torch.relu = lambda input: activation(input, 0.0, None, lambda x, ip: _torch_relu(x), False)  # noqa: E731
torch.Tensor.relu = lambda self: activation(self, 0.0, None, lambda x, ip: _tensor_relu(x), False)  # noqa: E731
torch.Tensor.relu_ = lambda self: activation(self, 0.0, None, lambda x, ip: _tensor_relu_(x) if ip else _tensor_relu(x), True)  # noqa: E731

KINK_FACTOR = 3.0  # as the test's rule: within 3 times PyTorch float32's own error
KINK_FLIPS = 16    # at most this many decisive groups per model are kept


def near_kinks(rec64, grads64, pairs):
    """The elements whose float64 input lies within KINK_FACTOR times PyTorch float32's own error
    at that element (the largest over the plain and perturbed passes: `pairs` of float32 and
    float64 records) of a kink and whose decision moves a gradient (a nonzero gradient reaches
    the activation's output there), grouped by call, kink and value (equal values of one call
    come from the same arithmetic and round alike), nearest first: (distance / error, call,
    kink, value, error, indices)."""
    groups = {}
    for i, (x64, lo, hi) in enumerate(rec64):
        if i not in grads64:
            continue
        err = torch.stack([(a[i][0] - b[i][0]).abs() for a, b in pairs]).amax(0)
        for k in [lo] + ([hi] if hi is not None else []):
            d = (x64 - k).abs()
            for j in torch.nonzero((d <= KINK_FACTOR * err) & (err > 0) & (grads64[i] != 0)).flatten().tolist():
                key = (i, k, float(x64[j]))
                r, e, idx = groups.get(key, (float("inf"), 0.0, []))
                groups[key] = (min(r, float(d[j]) / float(err[j])), max(e, float(err[j])), idx + [j])
    return sorted((r, i, k, v, e, idx) for (i, k, v), (r, e, idx) in groups.items())


def flipped_gradients(model, x, base, kink):
    """The float64 gradients with the decisions at one group of elements reversed: the gradient
    that reached each element's output now passes to its input, or no longer does. Backward is
    linear, so that adds the gradient sent back from the activation's input alone."""
    _, call, at, value, _, idx = kink
    x64, lo, hi = KINK.record[call]
    up = KINK.grads[call]
    delta = torch.zeros_like(up)
    for j in idx:
        v = float(x64[j])
        inside = v > lo and (hi is None or v < hi)
        delta[j] = -up[j] if inside else up[j]
    params = list(model.named_parameters())
    src = KINK.inputs[call]
    got = torch.autograd.grad(src, [x] + [p for _, p in params], grad_outputs=delta.reshape(src.shape).to(src.dtype),
                              retain_graph=True, allow_unused=True)
    out = {"input": base["input"] + (got[0] if got[0] is not None else 0)}
    for (n, _), g in zip(params, got[1:]):
        out["grad." + n] = base["grad." + n] + (g if g is not None else 0)
    return out


# ---- deterministic input, target and digests -----------------------------------------------

def pattern(key, shape, scale):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    v = ((i * 7919 + gen_reference.fnv1a(key)) % 251).to(torch.float64) / 251.0 - 0.5
    return (scale * v).to(torch.float32).reshape(shape)


def digest_of(t):
    flat = t.detach().flatten().double()
    n = flat.numel()
    idx = torch.tensor([(k * 2654435761 + 12345) % n for k in range(DIGEST_VALUES)], dtype=torch.int64)
    head = torch.stack([flat.sum(), (flat * flat).sum(), flat.abs().max()])
    return torch.cat([head, flat[idx]])


def distance(got, want, layer_scale=0.0):
    """How far the tensor `got` is from the digest `want`, in units of its scale, exactly as
    tst_corpusgrads.cpp's compareDigest() measures it."""
    flat = got.detach().flatten().double()
    n = flat.numel()
    s, sq = float(flat.sum()), float((flat * flat).sum())
    norm, scale = math.sqrt(max(float(want[1]), 0.0)), max(float(want[2]), layer_scale)
    norm_scale = max(norm, scale)
    floor = 1e-7

    def ratio(diff, sc):
        return 0.0 if diff == 0.0 else diff / max(sc, 1e-30)

    worst = ratio(max(0.0, abs(s - float(want[0])) - floor * math.sqrt(n)), norm_scale * math.sqrt(n))
    worst = max(worst, ratio(max(0.0, abs(math.sqrt(sq) - norm) - floor * math.sqrt(n)), norm_scale))
    for k in range(DIGEST_VALUES):
        if n == 0:
            break
        i = (k * 2654435761 + 12345) % n
        worst = max(worst, ratio(max(0.0, abs(float(flat[i]) - float(want[3 + k])) - floor), scale))
    return worst


PERTURBED_PASSES = 4

# Which output the loss is computed on, for models whose forward returns several tensors: the
# user's training loop picks it in PyTorch (`loss = criterion(model(x).logits, y)`).
LOSS_OUTPUT = {"tv011_googlenet": "logits", "gan_stargan": "1"}
CHOICE = [None]


def chosen_output(out, choice):
    """The tensor of `out` the loss is computed on: `out` itself when it is a tensor; element K
    or the field / key NAME of a tuple, namedtuple, list or dict; without a choice, the only
    tensor among the outputs (the others None)."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, dict):
        items = list(out.items())
    elif isinstance(out, (tuple, list)):
        fields = getattr(out, "_fields", None)
        items = list(zip(fields if fields else [str(k) for k in range(len(out))], out))
    else:
        raise NotATensor("the model returns a " + type(out).__name__ + ", not a tensor")
    if choice is not None:
        for k, (name, v) in enumerate(items):
            if choice in (name, str(k)) and isinstance(v, torch.Tensor):
                return v
        raise NotATensor(f"no tensor output {choice} in the {type(out).__name__}")
    tensors = [v for _, v in items if isinstance(v, torch.Tensor)]
    if len(tensors) == 1 and all(v is None or isinstance(v, torch.Tensor) for _, v in items):
        return tensors[0]
    raise NotATensor("the model returns a " + type(out).__name__ + " of several tensors, not one tensor")


def every_module(model):
    """Every module forward can reach: the registered ones and those kept in plain Python lists,
    tuples and dicts (which model.to(), state_dict() and train() do not reach)."""
    seen, out, stack = set(), [], [model]
    while stack:
        m = stack.pop(0)
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append(m)
        for v in vars(m).values():
            if isinstance(v, nn_Module):
                stack.append(v)
            elif isinstance(v, (list, tuple)):
                stack.extend(x for x in v if isinstance(x, nn_Module))
            elif isinstance(v, dict):
                stack.extend(x for x in v.values() if isinstance(x, nn_Module))
    return out


def full_state(model):
    """The state_dict (its tensors themselves) and the parameters and buffers of modules outside
    it (plain Python lists), under "unregistered.K.NAME"."""
    state = dict(model.state_dict(keep_vars=True))
    registered = {id(m) for m in model.modules()}
    for k, m in enumerate(x for x in every_module(model) if id(x) not in registered):
        for name, t in list(m._parameters.items()) + list(m._buffers.items()):
            if t is not None:
                state[f"unregistered.{k}.{name}"] = t
    return state


def convert(model, dtype):
    for m in every_module(model):
        m.to(dtype)


def gradients_of(model, x, loss=None):
    g = {"input": x.grad.clone(), "loss": loss}
    for pname, p in model.named_parameters():
        g["grad." + pname] = (p.grad if p.grad is not None else torch.zeros_like(p)).clone()
    for bname, b in model.named_buffers():
        if b.dtype.is_floating_point:
            g["buffer." + bname] = b.clone()
    return g


def one_pass(model, weights, size, channels, conditioned, dtype, kink=None, flips=None):
    """One training pass; kink="record" also returns every ReLU call's input. With `flips` (a
    function of the records and the gradients, returning groups of elements), the float64
    gradients with each group's decisions reversed are returned too."""
    KINK.mode = kink
    KINK.record, KINK.grads, KINK.inputs, KINK.retain = [], {}, [], flips is not None
    try:
        g = plain_pass(model, weights, size, channels, conditioned, dtype)
        variants = []
        if flips is not None:
            for group in flips(KINK.record, KINK.grads):
                variants.append((group, flipped_gradients(model, PASS_INPUT[0], g, group)))
        record = KINK.record
    finally:
        KINK.mode, KINK.inputs, KINK.retain = None, [], False
        PASS_INPUT[0] = None
    if flips is not None:
        return g, record, variants
    return (g, record) if kink == "record" else g


PASS_INPUT = [None]


def plain_pass(model, weights, size, channels, conditioned, dtype):
    convert(model, torch.float32)
    with torch.no_grad():
        for k, v in full_state(model).items():
            v.copy_(weights[k])
    convert(model, dtype)
    model.train()
    model.zero_grad(set_to_none=True)
    x, _, _, loss = run(model, size, channels, conditioned, dtype)
    return gradients_of(model, x, loss)


def perturbed(filled, seed):
    """The weights with every parameter element multiplied by 1 + e * 2^-23, e in {-1, 0, 1}
    drawn from the seed: a change of at most one unit in float32's last place."""
    out = {}
    for i, (k, v) in enumerate(filled.items()):
        if v.dtype.is_floating_point and "running_" not in k:
            g = torch.Generator().manual_seed(seed * 100003 + i)
            v = v * (1 + torch.randint(-1, 2, v.shape, generator=g).to(v.dtype) * 2.0 ** -23)
        out[k] = v
    return out


def layer_scales(grads):
    scale = {}
    for k, g in grads.items():
        if k.startswith("grad."):
            scale[owner(k[5:])] = max(scale.get(owner(k[5:]), 0.0), float(g.abs().max()))
    return scale


def digests(float64, float32, others):
    """The float64 pass's digest of every gradient and buffer, then the largest distance of a
    PyTorch float32 pass from float64 (the plain pass, and each perturbed one from its own
    float64 pass)."""
    scale = layer_scales(float64)
    scales = [layer_scales(b) for _, b in others]
    out = {}
    for key in float64:
        if key == "loss":
            continue
        s = lambda sc: sc[owner(key[5:])] if key.startswith("grad.") else 0.0  # noqa: E731
        d = digest_of(float64[key])
        far = distance(float32[key], d, s(scale))
        for (a, b), sc in zip(others, scales):
            far = max(far, distance(a[key], digest_of(b[key]), s(sc)))
        out[key if key != "input" else "grad.input"] = torch.cat([d, torch.tensor([far], dtype=torch.float64)]).float()
    return out


def owner(name):
    return name.rsplit(".", 1)[0] if "." in name else ""


class NotATensor(Exception):
    pass


def values_per_channel(module, inputs, output):
    """A normalisation over fewer than MIN_VALUES values per channel is ill-conditioned: over 2
    values its output is +-1 whatever the input, so its input gradient is zero in exact arithmetic
    and both sides hold rounding noise. The input size grows until every one sees enough; a model
    that cannot (its size is fixed) runs at the smallest size and is marked ill_conditioned."""
    x = inputs[0]
    per = x.numel() // x.shape[1]
    if isinstance(module, torch.nn.modules.instancenorm._InstanceNorm):
        per //= x.shape[0]
    if per < MIN_VALUES and CHECK[0]:
        raise IllConditioned(f"{type(module).__name__} normalises over {per} values per channel")


class IllConditioned(Exception):
    pass


CHECK = [True]


def run(model, size, channels, conditioned, dtype=torch.float32):
    CHECK[0] = conditioned
    GEN[0] = MT19937_64(0)
    KINK.calls = 0
    x = pattern("input", [2, channels, size, size], 4.0).to(dtype).requires_grad_()
    hooks = [m.register_forward_hook(values_per_channel) for m in model.modules()
             if isinstance(m, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.modules.instancenorm._InstanceNorm))]
    try:
        out = chosen_output(model(x), CHOICE[0])
    finally:
        for h in hooks:
            h.remove()
    if out.dim() == 2 and out.shape[1] > 1:
        loss_name, target = "cross_entropy", torch.tensor([1, 0])
        loss = F.cross_entropy(out, target)
    else:
        loss_name, target = "mse", pattern("target", list(out.shape), 1.0).to(dtype)
        loss = F.mse_loss(out, target)
    loss.backward(retain_graph=KINK.retain)
    if KINK.retain:
        PASS_INPUT[0] = x
    return x, out, loss_name, loss


def runs(model, filled, size, channels):
    with torch.no_grad():
        for k, v in full_state(model).items():
            v.copy_(filled[k])
    try:
        run(model, size, channels, False)
        return True
    except Exception:  # noqa: BLE001
        return False


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    out = {}
    for k, v in json.loads(data[8:8 + n]).items():
        begin, end = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=torch.float32).reshape(v["shape"])
    return out


def main(only):
    """Every model, or (names given) only those and the MANIFEST entries the references lack,
    keeping the other models' references as they are."""
    gen_reference.install_torchvision_stand_ins()
    torch.set_num_threads(1)
    out, listed = {}, []
    kept_cases, kept = {}, {}
    if only:
        with open(os.path.join(HERE, "corpus_grads.json")) as f:
            kept_cases = {c["name"]: c for c in json.load(f)}
        kept = read_safetensors(os.path.join(HERE, "corpus_grads.safetensors"))
    for d in DIRS:
        with open(os.path.join(DATA, d, "MANIFEST.json")) as f:
            entries = json.load(f)["files"]
        for entry in entries:
            name, full = entry["name"], entry["input"]
            if "-" + name in only:
                continue
            if only and name not in only and name in kept_cases:
                listed.append(kept_cases[name])
                out.update({k: t for k, t in kept.items() if k.startswith(name + ".")})
                continue
            case = {"name": name, "dir": d, "model": entry["model"], "input": [2] + full[1:]}
            CHOICE[0] = LOSS_OUTPUT.get(name)
            if CHOICE[0] is not None:
                case["loss_output"] = CHOICE[0]
            try:
                module = gen_reference.load_file(os.path.join(DATA, d, name + ".py"), name)
                torch.manual_seed(0)
                model = eval(entry["model"], vars(module))
            except Exception as e:  # noqa: BLE001  (PyTorch's own refusal, recorded)
                case["pytorch_error"] = f"{type(e).__name__}: {e}"
                listed.append(case)
                print(name, "PyTorch fails:", case["pytorch_error"])
                continue
            ran = None
            gen_reference.fill_state(model)
            filled = {k: v.detach().clone() for k, v in full_state(model).items()}
            ill, conditioned = None, True
            for size in [s for s in SIZES if s <= full[2]] + [full[2]] + [None]:
                if size is None:  # no size conditions every normalisation: the smallest that runs
                    if ill is None:
                        break
                    size, conditioned = ill, False
                with torch.no_grad():
                    for k, v in full_state(model).items():
                        v.copy_(filled[k])
                model.train()
                model.zero_grad(set_to_none=True)
                try:
                    ran = (size,) + run(model, size, full[1], conditioned)
                    if not conditioned:
                        case["ill_conditioned"] = True
                    break
                except IllConditioned:
                    if ill is None and runs(model, filled, size, full[1]):
                        ill = size
                except NotATensor as e:
                    last = str(e)
                    break
                except Exception as e:  # noqa: BLE001
                    last = f"{type(e).__name__}: {e}"
            if ran is None:
                case["pytorch_error"] = last
                listed.append(case)
                print(name, "PyTorch fails:", last)
                continue
            size, x, y, loss_name, loss = ran
            case.update({"input": [2, full[1], size, size], "output": list(y.shape), "loss": loss_name,
                         "parameters": sum(p.numel() for p in model.parameters())})
            float32, rec32 = one_pass(model, filled, size, full[1], conditioned, torch.float32, "record")
            # PyTorch float32's own distance from float64: the largest over this pass and passes
            # whose weights are perturbed by one part in 2^23 (each against float64 with the same
            # perturbed weights). One float32 pass is one draw of its rounding: a value within
            # rounding of a ReLU's kink lands on either side, and which side decides whether the
            # gradient behind it is that element's or 0.
            others, pairs = [], []
            try:
                for seed in range(PERTURBED_PASSES):
                    weights = perturbed(filled, seed)
                    a, ra = one_pass(model, weights, size, full[1], conditioned, torch.float32, "record")
                    b, rb = one_pass(model, weights, size, full[1], conditioned, torch.float64, "record")
                    others.append((a, b))
                    pairs.append((ra, rb))
                # The same pass in float64: the weights, input and target of the float32 pass,
                # cast; and the same with the decisions reversed at each group of ReLU inputs
                # within PyTorch float32's rounding of a kink.
                found = []

                def groups(rec64, grads64):
                    found.extend(near_kinks(rec64, grads64, [(rec32, rec64)] + pairs))
                    return found
                float64, rec64, variants = one_pass(model, filled, size, full[1], conditioned, torch.float64, "record", groups)
            except Exception as e:  # noqa: BLE001
                print(name, "has no float64 reference:", f"{type(e).__name__}: {e}")
                continue
            loss64 = float64["loss"]
            relative = lambda a, b: abs(float(a) - float(b)) / max(1.0, abs(float(b)))  # noqa: E731
            out[f"{name}.loss"] = torch.tensor([float(loss64), max([relative(float32["loss"], loss64)]
                                                                   + [relative(a["loss"], b["loss"]) for a, b in others])])
            digested = digests(float64, float32, others)
            for key, dg in digested.items():
                out[f"{name}.{key}"] = dg
            # A reversed decision is kept when it moves some tensor beyond what the test allows
            # (KINK_FACTOR times PyTorch float32's distance, at least 1e-4 of the scale): the
            # other legitimate answer there.
            scale = layer_scales(float64)
            case["near_kinks"] = len(found)
            case["kink_flips"] = []
            decisive = 0
            for group, grads in variants:
                moved = 0.0
                for key, t in grads.items():
                    dkey = "grad.input" if key == "input" else key
                    sc = scale[owner(key[5:])] if key.startswith("grad.") else 0.0
                    far = float(digested[dkey][-1])
                    moved = max(moved, distance(t, digested[dkey][:-1].double(), sc) / max(1e-4, KINK_FACTOR * far))
                if moved <= 1.0:
                    continue
                decisive += 1
                if len(case["kink_flips"]) >= KINK_FLIPS:
                    continue
                r, call, at, value, err, idx = group
                v = len(case["kink_flips"])
                case["kink_flips"].append({"call": call, "indices": idx, "kink": at, "value": value, "float32_error": err,
                                           "moves": moved})
                for key, t in grads.items():
                    out[f"{name}.flip{v}.{'grad.input' if key == 'input' else key}"] = torch.cat(
                        [digest_of(t), torch.zeros(1, dtype=torch.float64)]).float()
            case["decisive_kinks"] = decisive
            case["float32_passes"] = 1 + PERTURBED_PASSES
            case["pytorch_float32_distance"] = max(float(t[-1]) for k, t in out.items() if k.startswith(name + "."))
            listed.append(case)
            print(name, size, loss_name, float(loss), case["parameters"], "near kinks", len(found), "decisive", decisive, flush=True)
    write_safetensors(os.path.join(HERE, "corpus_grads.safetensors"), out)
    with open(os.path.join(HERE, "corpus_grads.json"), "w") as f:
        json.dump(listed, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
