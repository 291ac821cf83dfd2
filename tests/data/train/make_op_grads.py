"""PyTorch's gradients through each tensor op a forward program runs, for
tests/engine/tst_train.cpp (opGradientsMatchPyTorch). Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_op_grads.py

Each case is a model whose forward() applies one op (or a short chain around it, as real models
write it) to its input. Writes op_grads.json (per case: name, the model's code, the input shape)
and op_grads.safetensors: per case the input (<name>.x), the output (<name>.y), a random output
gradient (<name>.gy) and the input gradient PyTorch's autograd computes from it (<name>.gx).
"""
import json
import os

import torch
import torch.nn as nn  # noqa: F401  (the cases' code uses it)
import torch.nn.functional as F  # noqa: F401

from make_train_reference import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))

# name, input shape, forward body (x is the input)
CASES = [
    ("permute", [2, 3, 4, 5], "return x.permute(0, 2, 3, 1)"),
    ("permute_negative", [2, 3, 4, 5], "return x.permute(-1, 0, -2, 1).contiguous().view(5, -1)"),
    ("transpose", [2, 3, 4, 5], "return x.transpose(1, 2).contiguous()"),
    ("transpose_negative", [2, 3, 4], "return x.transpose(-1, -2).reshape(2, -1)"),
    ("torch_transpose", [2, 6, 3, 3], "x = x.view(2, 2, 3, 3, 3)\n        x = torch.transpose(x, 1, 2).contiguous()\n"
                                      "        return x.view(2, -1, 3, 3)"),
    ("t", [3, 4], "return x.t() * 2"),
    ("channel_shuffle", [2, 6, 3, 3], "b, c, h, w = x.size()\n        x = x.view(b, 3, c // 3, h, w).permute(0, 2, 1, 3, 4)\n"
                                      "        return F.relu(x.reshape(b, c, h, w))"),
    ("permute_then_layer", [2, 3, 4, 5], "return F.relu(x.permute(0, 2, 1, 3)).transpose(1, 3)"),
    ("slice_channels", [2, 5, 3, 3], "return x[:, :2, :, :]"),
    ("slice_negative", [2, 5, 3, 4], "return x[:, -2:, 1:-1, :-1]"),
    ("slice_step", [2, 6, 5, 5], "return x[:, ::2, 1::2, 0:5:3]"),
    ("index_int", [2, 5, 3, 3], "return x[:, 1]"),
    ("index_negative_int", [2, 5, 3, 3], "return x[1, -1, :, -2]"),
    ("index_none", [2, 5, 3], "return x[:, None, 0] * 3"),
    ("slices_overlap", [2, 5, 3, 3], "return x[:, :3] * x[:, 2:] + x[:, 1:4]"),
    ("dual_path", [2, 6, 3, 3], "d = 4\n        y = F.relu(x)\n"
                                "        return torch.cat([x[:, :d] + y[:, :d], x[:, d:], y[:, d:]], 1)"),
    ("chunk", [2, 6, 3, 3], "a, b = x.chunk(2, dim=1)\n        return torch.cat([b, a * b], 1)"),
    ("chunk_uneven", [2, 5, 3], "a, b, c = torch.chunk(x, 3, 1)\n        return torch.cat([c, a - b], 1)"),
    ("chunk_last_dim", [2, 3, 6], "a, b = x.chunk(2, -1)\n        return a * F.relu(b)"),
    ("split", [2, 6, 3], "a, b, c = x.split(2, 1)\n        return torch.cat([c, a, b * 2], 1)"),
    ("split_sizes", [2, 4, 3], "a, b = torch.split(x, [1, 3], dim=1)\n        return b * a"),
    ("stack", [2, 3, 4], "return torch.stack([x, x * 2, -x], 1)"),
    ("stack_last", [2, 3, 4], "return torch.stack([x[:, 0], x[:, 2]], dim=-1)"),
    ("mean_dims", [2, 3, 4, 5], "return x.mean(dim=(2, 3))"),
    ("mean_keepdim", [2, 3, 4, 5], "return x - x.mean([1, 3], keepdim=True)"),
    ("mean_negative", [2, 3, 4], "return torch.mean(x, -1)"),
    ("sum_dim", [2, 3, 4, 5], "return x.sum(1)"),
    ("sum_keepdim", [2, 3, 4, 5], "return x * x.sum((2, 3), keepdim=True)"),
    ("sum_all", [2, 3, 4], "return x.sum() * x"),
    ("torch_sum", [2, 3, 4], "return torch.sum(x, dim=-1, keepdim=False)"),
    ("max_dim", [2, 3, 4, 5], "return x.max(1)[0]"),
    ("max_keepdim", [2, 3, 4, 5], "return x - torch.max(x, 2, keepdim=True)[0]"),
    ("min_dim", [2, 3, 4], "return x.min(dim=-1)[0]"),
    ("amax", [2, 3, 4, 5], "return x.amax((2, 3))"),
    ("max_all", [2, 3, 4], "return x * x.max()"),
    ("softmax_method", [2, 3, 4], "return x.softmax(dim=1)"),
    ("log_softmax_method", [2, 5], "return x.log_softmax(1)"),
    ("squeeze_unsqueeze", [2, 1, 4], "return x.squeeze(1).unsqueeze(-1) * x.squeeze()[:, None]"),
    ("torch_unsqueeze", [2, 3], "return torch.unsqueeze(x, 1) * torch.unsqueeze(x, 2)"),
    ("flatten_dims", [2, 3, 4, 5], "return torch.flatten(x, 1, 2) * 2 + x.flatten(2).transpose(1, 2).reshape(2, 12, 5)"),
    ("pad_constant", [2, 3, 4, 5], "return F.pad(x, (1, 2, 0, 1), value=0.5) * 2"),
    ("pad_constant_crop", [2, 3, 4, 5], "return F.pad(x, (-1, 1, 2, -2))"),
    ("pad_channels", [2, 4, 6, 6], "return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2), 'constant', 0)"),
    ("pad_reflect", [2, 3, 4, 5], "return F.pad(x, (2, 1, 3, 1), mode='reflect')"),
    ("pad_reflect_1d", [2, 3, 6], "return F.pad(x, [3, 2], 'reflect') * x.sum(-1, keepdim=True)"),
    ("pad_replicate", [2, 3, 4, 5], "return F.pad(x, (3, 0, 1, 2), mode='replicate')"),
    ("pad_circular", [2, 3, 4, 5], "return F.pad(x, (2, 1, 1, 3), mode='circular')"),
    ("pad_then_layer", [2, 3, 5, 5], "return F.relu(F.pad(F.relu(x), (1, 1, 1, 1), mode='reflect')).mean((2, 3))"),
]


def code_of(body):
    return ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            "class Op(nn.Module):\n    def forward(self, x):\n        " + body + "\n\n\nmodel = Op()\n")


def main():
    torch.manual_seed(0)
    out, listed = {}, []
    for name, shape, body in CASES:
        code = code_of(body)
        ns = {}
        exec(compile(code, name, "exec"), ns)
        x = torch.randn(*shape).requires_grad_()
        y = ns["model"](x)
        gy = torch.randn(y.shape)
        y.backward(gy)
        out[f"{name}.x"] = x.detach()
        out[f"{name}.y"] = y.detach()
        out[f"{name}.gy"] = gy
        out[f"{name}.gx"] = x.grad
        listed.append({"name": name, "input": shape, "code": code})
    write_safetensors(os.path.join(HERE, "op_grads.safetensors"), out)
    with open(os.path.join(HERE, "op_grads.json"), "w") as f:
        json.dump(listed, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
