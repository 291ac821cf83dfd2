"""Reference data for the normalisation and pooling kernels in tests/engine/tst_kernels.cpp,
computed with PyTorch: odd sizes (rows and planes not a multiple of the vector width, 1x1
images, batch 1 and 7, borders, ceil mode, overlapping adaptive windows) and NaN inputs.

Run with /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 tests/data/kernels/gen_kernels.py
Writes kernels.json next to this script. NaN is written as null.
"""
import json
import math
import os

import torch
import torch.nn as nn

torch.set_num_threads(1)


def enc(v):
    if v is None:
        return ["none", None]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", v]
    if isinstance(v, float):
        return ["float", v]
    if isinstance(v, (tuple, list)):
        return ["tuple", list(v)]
    raise TypeError(v)


def flat(t):
    return [None if math.isnan(x) else float("%.9g" % x) for x in t.detach().reshape(-1).tolist()]


# (type, positional args, keyword args, input shape, flat indices of the input set to NaN)
CASES = [
    ("LayerNorm", (333,), {}, [7, 333], []),
    ("LayerNorm", ((5, 19),), {"eps": 1e-3}, [3, 5, 19], []),
    ("LayerNorm", (17,), {"elementwise_affine": False}, [2, 17], [20]),
    ("LayerNorm", (1,), {}, [4, 1], []),
    ("GroupNorm", (3, 33), {}, [7, 33, 5, 3], []),
    ("GroupNorm", (1, 20), {"affine": False}, [1, 20, 1, 1], []),
    ("GroupNorm", (4, 8), {"eps": 0.1}, [2, 8, 17], [3]),
    ("GroupNorm", (16, 16), {}, [1, 16, 9, 9], []),
    ("AvgPool2d", (2,), {}, [7, 3, 13, 11], []),
    ("AvgPool2d", (3, 1, 1), {}, [2, 5, 9, 17], []),
    ("AvgPool2d", (3, 2, 1, True, False), {}, [1, 3, 10, 11], []),
    ("AvgPool2d", ((2, 3),), {"stride": (1, 2), "padding": (1, 1), "divisor_override": 5}, [2, 2, 7, 9], []),
    ("AvgPool2d", (2,), {}, [1, 1, 4, 4], [5]),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True}, [1, 2, 1, 1], []),
    ("AvgPool2d", (2,), {}, [3, 40, 40], []),
    ("AdaptiveAvgPool2d", (1,), {}, [7, 13, 7, 7], []),
    ("AdaptiveAvgPool2d", ((3, 5),), {}, [2, 3, 13, 11], []),
    ("AdaptiveAvgPool2d", ((7, 7),), {}, [1, 2, 7, 7], []),
    ("AdaptiveAvgPool2d", (1,), {}, [1, 1, 1, 1], []),
    ("AdaptiveAvgPool2d", ((5, 4),), {}, [1, 2, 3, 3], []),
    ("AdaptiveAvgPool2d", (1,), {}, [1, 3, 4, 4], [17]),
]


def case(index, type_name, args, kwargs, shape, nans):
    torch.manual_seed(index)
    m = getattr(nn, type_name)(*args, **kwargs).eval()
    with torch.no_grad():
        for _, p in m.named_parameters():
            p.copy_(torch.randn(p.shape) * 0.5 + 1.0)
        x = torch.randn(shape) * 2.0 + 0.5
        for i in nans:
            x.view(-1)[i] = float("nan")
        y = m(x)
    return {"call": {"type": type_name,
                     "args": [["", *enc(a)] for a in args] + [[k, *enc(v)] for k, v in kwargs.items()]},
            "input_shape": shape, "input": flat(x), "state": [flat(t) for t in m.state_dict().values()],
            "output_shape": list(y.shape), "output": flat(y)}


def main():
    out = {"torch": torch.__version__, "cases": [case(i, *c) for i, c in enumerate(CASES)]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
