"""PyTorch's answers for every entry of ModuleLab's table of forward ops (tests/engine/tst_forwardops.cpp).

The table comes from `modulelab-cli subset --format json`: for each op and each of its spellings the
test writes a tiny call (the op's example on x of shape [2, 3, 4, 4]) and compares ModuleLab's result
with PyTorch's: the output shape, its values and the gradient of sum(output * g) with respect to x
(the first tensor of a tuple). Run with PyTorch 1.13:

    /usr/bin/python3 tests/data/forwardops/gen_forwardops.py build/cli/modulelab-cli > tests/data/forwardops/reference.json

Beyond the table: division as PyTorch's CPU kernel computes it, bit for bit ("exact": each output
element's float32 bits, where dividing and multiplying by the reciprocal differ), and the error
texts of ops PyTorch refuses ("errors").
"""
import json
import math
import struct
import subprocess
import sys

import torch
import torch.nn.functional as F

SHAPE = [2, 3, 4, 4]


def inner(example):
    assert example.startswith("(") and example.endswith(")"), example
    return example[1:-1]


def expressions(op):
    """Each spelling's call, written as tst_forwardops.cpp writes it."""
    name, on, example = op["name"], op["on"], op["example"]
    out = []
    for s in op["spellings"]:
        if s.startswith("x.") and s.endswith("()"):
            out.append((s, f"{on}.{name}{example}"))
        elif s.startswith("x.") or s.startswith("x["):
            out.append((s, f"{on}{example}" if s.startswith("x[") else f"{on}.{name}"))
        elif s.startswith("torch.") or s.startswith("F."):
            ns = "torch" if s.startswith("torch.") else "F"
            if op["receiver"]:
                args = inner(example)
                out.append((s, f"{ns}.{name}({on}{', ' + args if args else ''})"))
            else:
                out.append((s, f"{ns}.{name}{example}"))
        else:  # x OP y
            symbol = s.split(" ")[1]
            out.append((s, f"{on} {symbol} {inner(example)}"))
    return out


def input_tensor():
    n = math.prod(SHAPE)
    return torch.tensor([math.sin(0.37 * i + 0.1) for i in range(n)], dtype=torch.float32).reshape(SHAPE)


def run(expr, x):
    # ModuleLab runs a model on the CPU: .cuda() is the identity there
    return eval(expr.replace(".cuda()", ".cpu()"), {"torch": torch, "F": F, "x": x})


# x / 3.3 and x / 7 differ from x * (1 / 3.3) and x * (1 / 7) in some elements; 6 / x is
# Python's __rtruediv__, x.reciprocal() * 6.
EXACT = [
    "x / 3.3",
    "x / 7",
    "(x + 3).div(6.0)",
    "6 / x",
    "6.3 / (x + 2)",
    "x / (x[:, :1] + 3)",
    "torch.div(x[:1, :, :1], x[:, :1] - 2)",
    "x.reciprocal()",
    # pow's special cases (x * x, x * x * x, sqrt, 1 / sqrt, 1 / x, 1 / (x * x), ones, a copy)
    "x ** 2",
    "x.pow(3)",
    "torch.pow(x + 3, 0.5)",
    "(x + 3) ** -0.5",
    "(x + 3).pow(-1)",
    "x ** -2",
    "x ** 0",
    "x.pow(1)",
    "(x + 3).sqrt()",
    "torch.rsqrt(x + 3)",
]

# Matrix products of every rank pairing (dot, mv, vector times matrix, mm, folded, batched and
# broadcast batches): values and the gradient through both operands.
PRODUCTS = [
    "x[0, 0, 0] @ x[0, 0, 1]",
    "x[0, 0] @ x[0, 0, 1]",
    "x[0, 0, 1] @ x[0, 0]",
    "x[0, 0] @ x[0, 1]",
    "x @ x[0, 0]",
    "x @ x[0, 0, 2]",
    "x[0, 0] @ x",
    "x[0, 0, 2] @ x",
    "x @ x.transpose(2, 3)",
    "x[:, :1] @ x",
    "x @ x[1]",
    "x[1].transpose(1, 2) @ x",
    "torch.bmm(x[0], x[1])",
    "x[0, 0].mm(x[1, 2])",
]

ERRORS = [
    "x[:, :, :1, :1].expand(3, 4)",
    "x[:, :, :1, :1].expand(2, 5, 4, 4)",
    "x[:, :, :1, :1].expand(-1, 2, 3, 1, 1)",
    "x[:, :, :1, :1].expand_as(x[:, :2])",
    "x / x[:, :2]",
    # matmul's messages are those of the kernel it calls for the ranks: dot, mv, mm or bmm
    "x @ x[0, 0, :3]",
    "x @ x[0, :3, :3]",
    "x[0, 0, :, :3] @ x",
    "x[0, 0, 0, :3] @ x",
    "x @ x[0, 0, 0, :3]",
    "x[0, 0, 0, :3] @ x[0, 0]",
    "x[0, 0] @ x[0, 0, 0, :3]",
    "x[0, 0, 0] @ x[0, 0, 0, :3]",
    "x[:, :2] @ x",
    "torch.matmul(x[0, 0], x[0, 0, :3])",
    "torch.mm(x[0], x[0])",
    "torch.mm(x[0, 0], x[0, 0, 0])",
    "x[0, 0].mm(x[0, 0, :3])",
    "torch.bmm(x, x)",
    "torch.bmm(x[0], x[0, :, :, 0])",
    "torch.bmm(x[0], x[1, :2])",
    "torch.bmm(x[0], x[1, :, :3])",
    "x @ 2",
    "torch.matmul(x, 2)",
    "x.matmul(2)",
]


def bits(t):
    return [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in t.detach().reshape(-1)]


def gradient(x0, y):
    g = torch.tensor([math.cos(0.11 * i) for i in range(y.numel())], dtype=torch.float32).reshape(y.shape)
    (y * g).sum().backward()
    return [round(float(v), 7) for v in x0.grad.reshape(-1)]


def exact_cases():
    out = []
    for expr in EXACT:
        x0 = input_tensor().requires_grad_(True)
        y = run(expr, x0 * 1)
        out.append({"expr": expr, "shape": list(y.shape), "bits": bits(y), "grad": gradient(x0, y)})
    return out


def product_cases():
    out = []
    for expr in PRODUCTS:
        x0 = input_tensor().requires_grad_(True)
        y = run(expr, x0 * 1)
        out.append({"expr": expr, "shape": list(y.shape), "values": [round(float(v), 7) for v in y.detach().reshape(-1)],
                    "grad": gradient(x0, y)})
    return out


def error_cases():
    out = []
    for expr in ERRORS:
        try:
            run(expr, input_tensor())
            raise SystemExit(expr + " runs in PyTorch")
        except (RuntimeError, TypeError) as e:
            out.append({"expr": expr, "error": type(e).__name__ + ": " + str(e)})
    return out


def main():
    table = json.loads(subprocess.run([sys.argv[1], "subset", "--format", "json"], check=True, capture_output=True, text=True).stdout)
    cases = []
    for op in table:
        for spelling, expr in expressions(op):
            x0 = input_tensor().requires_grad_(True)
            x = x0 * 1  # not a leaf: in-place ops (add_) are allowed on it
            y = run(expr, x)
            if isinstance(y, tuple):
                y = y[0]
            case = {"op": op["name"], "spelling": spelling, "expr": expr}
            if isinstance(y, torch.Tensor):
                case["shape"] = list(y.shape)
                if op["data"]:
                    case["values"] = [round(float(v), 7) for v in y.detach().reshape(-1)]
                    g = torch.tensor([math.cos(0.11 * i) for i in range(y.numel())], dtype=torch.float32).reshape(y.shape)
                    if y.requires_grad:
                        (y * g).sum().backward()
                        grad = x0.grad
                    else:
                        grad = torch.zeros(SHAPE)
                    case["grad"] = [round(float(v), 7) for v in grad.reshape(-1)]
            cases.append(case)
    json.dump({"torch": torch.__version__, "input_shape": SHAPE, "cases": cases, "exact": exact_cases(), "products": product_cases(),
               "errors": error_cases()},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
