"""Reference data for tests/engine/tst_layers.cpp, computed with PyTorch.

Run with /usr/bin/python3 (torch 1.13; leaf reprs, shapes and numerics match 2.x):
    /usr/bin/python3 tests/data/layers/gen_layers.py
Writes layers.json next to this script. Arguments are stored with their Python type so the
C++ side builds exactly the same call.
"""
import json
import math
import os
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
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
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, (tuple, list)):
        return ["tuple", list(v)]
    raise TypeError(v)


class Call:
    def __init__(self, type_name, *args, **kwargs):
        self.type = type_name
        self.args = args
        self.kwargs = kwargs

    def build(self):
        return getattr(nn, self.type)(*self.args, **self.kwargs)

    def json(self):
        out = [["", *enc(a)] for a in self.args]
        out += [[k, *enc(v)] for k, v in self.kwargs.items()]
        return {"type": self.type, "args": out}


def flat(t):
    # Seven significant digits keep the file small (PyTorch's outputs).
    return [float("%.7g" % x) for x in t.detach().reshape(-1).tolist()]


def rounded(t):
    # Inputs and weights are multiples of 1/8: exact in float32 and short in JSON.
    return torch.round(t * 8.0) / 8.0


def tensor_specs(m):
    specs = []
    for name, p in m.named_parameters(recurse=False):
        specs.append({"name": name, "shape": list(p.shape), "buffer": False})
    for name, b in m.named_buffers(recurse=False):
        specs.append({"name": name, "shape": list(b.shape), "buffer": True,
                      "integer": not b.dtype.is_floating_point})
    return specs


C = Call
REPR_CASES = [
    C("Conv2d", 1, 32, 3), C("Conv2d", 32, 64, 3, 1), C("Conv2d", 3, 8, (3, 5), stride=(2, 1), padding=(1, 2)),
    C("Conv2d", 4, 8, 3, padding="same", dilation=2), C("Conv2d", 4, 8, 3, padding="valid"),
    C("Conv2d", 4, 8, 3, 2, 1, 1, 2, False, "reflect"), C("Conv2d", 4, 8, 3, padding=0, dilation=(1, 1)),
    C("Conv2d", 4, 8, (1, 1), padding=(0, 1), padding_mode="circular"), C("Conv2d", 4, 4, 3, groups=4, bias=False),
    C("BatchNorm1d", 32), C("BatchNorm2d", 64, eps=1e-3, momentum=None), C("BatchNorm2d", 8, 1e-05, 0.1, False, False),
    C("BatchNorm1d", 16, eps=1, momentum=0), C("BatchNorm2d", 3, momentum=0.01),
    C("LayerNorm", 64), C("LayerNorm", (4, 64), eps=1e-6, elementwise_affine=False), C("LayerNorm", [10]),
    C("Linear", 50176, 1024), C("Linear", 3, 4, False), C("Linear", 10**7, 10**7),
    C("ReLU"), C("ReLU", True), C("LeakyReLU"), C("LeakyReLU", 0.2, True), C("LeakyReLU", 1), C("LeakyReLU", negative_slope=1e-7),
    C("GELU"), C("GELU", approximate="tanh"), C("SiLU"), C("SiLU", inplace=True), C("Sigmoid"), C("Tanh"),
    C("Softmax"), C("Softmax", dim=1), C("Softmax", -1), C("LogSoftmax", dim=1), C("LogSoftmax"),
    C("MaxPool2d", 2), C("MaxPool2d", (2, 2), stride=1, padding=(1, 0)), C("MaxPool2d", 3, 2, 1, 2, False, True),
    C("MaxPool2d", 2, None), C("AvgPool2d", 2), C("AvgPool2d", 3, 2, 1, True, False, 2), C("AvgPool2d", (2, 3), stride=(1, 2)),
    C("AdaptiveAvgPool2d", (7, 7)), C("AdaptiveAvgPool2d", 1), C("AdaptiveAvgPool2d", (1, 2)),
    C("Flatten"), C("Flatten", 0, 2), C("Flatten", start_dim=-3, end_dim=-2),
    C("Dropout"), C("Dropout", 0.25, True), C("Dropout", 1), C("Dropout", p=0.0), C("Dropout2d"), C("Dropout2d", 0.1),
    C("Identity"),
    # Layers real model code uses beyond the first twenty.
    C("ConvTranspose2d", 16, 8, 4, 2, 1), C("ConvTranspose2d", 16, 8, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False, dilation=2),
    C("ConvTranspose2d", 3, 6, (3, 5), stride=(2, 1)),
    C("Conv1d", 3, 8, 3), C("Conv1d", 4, 8, 3, padding="same", dilation=2, groups=2, bias=False, padding_mode="reflect"),
    C("Conv1d", 4, 8, (5,), stride=2, padding=(1,)), C("Conv1d", 2, 4, 3, padding="valid"),
    C("MaxPool1d", 2), C("MaxPool1d", 3, 2, 1, 2, False, True), C("MaxPool1d", (3,), stride=(1,)),
    C("AvgPool1d", 2), C("AvgPool1d", 3, 2, 1, True, False),
    C("AdaptiveMaxPool2d", (5, None)), C("AdaptiveMaxPool2d", 1), C("AdaptiveMaxPool2d", (2, 3)),
    C("AdaptiveAvgPool2d", (None, 7)), C("AdaptiveAvgPool2d", (4, None)),
    C("GroupNorm", 2, 4), C("GroupNorm", 1, 6, eps=1e-3, affine=False), C("GroupNorm", 32, 64),
    C("InstanceNorm2d", 8), C("InstanceNorm2d", 8, affine=True, track_running_stats=True, momentum=None),
    C("InstanceNorm2d", 3, 1e-3, 0.2, True),
    C("ReLU6"), C("ReLU6", True), C("ELU"), C("ELU", 0.5, True), C("ELU", alpha=1), C("SELU"), C("SELU", inplace=True),
    C("PReLU"), C("PReLU", 3, 0.1), C("Hardswish"), C("Hardswish", True), C("Hardsigmoid"), C("Hardsigmoid", inplace=True),
    C("Softplus"), C("Softplus", 2, 10), C("Softplus", beta=1.5), C("Mish"), C("Mish", True),
    C("Upsample", scale_factor=2), C("Upsample", size=(4, 5), mode="bilinear", align_corners=True), C("Upsample", size=7),
    C("Upsample", scale_factor=1.5, mode="bilinear"), C("Upsample", None, 2, "nearest"),
    C("PixelShuffle", 3), C("ZeroPad2d", 2), C("ZeroPad2d", (1, 0, 1, 0)), C("ZeroPad2d", (-1, 2, 0, 3)),
    C("ReflectionPad2d", 2), C("ReflectionPad2d", (1, 0, 2, 1)), C("ReplicationPad2d", 3), C("ReplicationPad2d", (-1, 2, 0, 1)),
    C("Dropout1d"), C("Dropout1d", 0.2), C("Dropout1d", 0.1, True),
]

CTOR_ERROR_CASES = [
    C("Conv2d", 3, 8, 3, groups=2), C("Conv2d", 4, 9, 3, groups=2), C("Conv2d", 4, 8, 3, stride=2, padding="same"),
    C("Conv2d", 4, 8, 3, groups=0), C("Dropout", 1.5), C("Dropout", -0.1), C("Dropout2d", 2),
    C("ConvTranspose2d", 16, 8, 3, padding_mode="reflect"), C("ConvTranspose2d", 16, 9, 3, groups=2),
    C("ConvTranspose2d", 15, 8, 3, groups=2), C("Conv1d", 3, 8, 3, groups=2), C("Conv1d", 4, 8, 3, stride=2, padding="same"),
    C("GroupNorm", 3, 4), C("Dropout1d", 2),
]

SHAPE_CASES = [
    (C("Conv2d", 1, 32, 3), [1, 1, 28, 28]), (C("Conv2d", 32, 64, 3), [64, 32, 26, 26]),
    (C("Conv2d", 3, 8, (3, 5), stride=(2, 3), padding=(1, 2), dilation=(2, 1)), [2, 3, 17, 19]),
    (C("Conv2d", 4, 8, 4, padding="same", dilation=3), [1, 4, 9, 10]), (C("Conv2d", 4, 8, 3), [4, 9, 9]),
    (C("Conv2d", 4, 8, 3, padding=2, padding_mode="reflect"), [1, 4, 3, 5]),
    (C("Conv2d", 4, 8, 3, padding=(0, 1), padding_mode="circular"), [1, 4, 3, 3]),
    (C("Conv2d", 32, 64, 3), [1, 64, 28, 28]), (C("Conv2d", 32, 64, 3), [64, 28, 28]),
    (C("Conv2d", 4, 8, 3, groups=2), [1, 6, 5, 5]), (C("Conv2d", 32, 64, 3), [1, 32, 2, 2]),
    (C("Conv2d", 4, 8, 3, padding=1, dilation=2), [1, 4, 2, 2]), (C("Conv2d", 32, 64, 3), [32, 5]),
    (C("Conv2d", 32, 64, 3), [1, 1, 32, 2, 2]), (C("Conv2d", 4, 8, 3, padding=2, padding_mode="reflect"), [1, 4, 2, 8]),
    (C("Conv2d", 4, 8, 3, padding=(1, 2), padding_mode="reflect"), [1, 4, 8, 2]),
    (C("Conv2d", 4, 8, 3, padding=2, padding_mode="circular"), [1, 4, 1, 1]),
    (C("Linear", 50176, 1024), [64, 50176]), (C("Linear", 10, 5), [2, 3, 10]), (C("Linear", 10, 5), [10]),
    (C("Linear", 25088, 1024), [1, 50176]), (C("Linear", 10, 5), [2, 3, 7]), (C("Linear", 10, 5), [7]), (C("Linear", 10, 5), []),
    (C("BatchNorm2d", 32), [2, 32, 4, 4]), (C("BatchNorm2d", 32), [2, 64, 4, 4]), (C("BatchNorm2d", 32), [2, 32, 4]),
    (C("BatchNorm1d", 32), [2, 32]), (C("BatchNorm1d", 32), [2, 32, 7]), (C("BatchNorm1d", 32), [2, 32, 4, 4]),
    (C("BatchNorm1d", 32), [2, 16]), (C("BatchNorm1d", 32, track_running_stats=False), [2, 16, 3]),
    (C("BatchNorm1d", 32, affine=False, track_running_stats=False), [2, 16, 3]),
    (C("BatchNorm1d", 16, track_running_stats=False), [1, 16]),
    (C("LayerNorm", 64), [2, 5, 64]), (C("LayerNorm", 64), [2, 32]), (C("LayerNorm", (4, 64)), [2, 5, 64]),
    (C("LayerNorm", (4, 64)), [64]), (C("LayerNorm", 5), []),
    (C("MaxPool2d", 2), [1, 32, 24, 24]), (C("MaxPool2d", 3, stride=2, ceil_mode=True), [1, 1, 6, 6]),
    (C("MaxPool2d", 2, stride=2, padding=1, ceil_mode=True), [1, 1, 5, 5]), (C("MaxPool2d", 3, 3, 1, ceil_mode=True), [1, 1, 7, 7]),
    (C("MaxPool2d", (2, 3), dilation=2), [2, 3, 3, 8]), (C("MaxPool2d", 2), [2, 8, 8]), (C("MaxPool2d", 3), [1, 2, 2, 2]),
    (C("MaxPool2d", 2), [8, 8]), (C("AvgPool2d", 3, stride=2, padding=1, ceil_mode=True), [1, 1, 1, 1]),
    (C("AvgPool2d", 3, 2, 1, True), [2, 3, 8, 9]), (C("AvgPool2d", 3), [1, 1, 2, 2]), (C("AvgPool2d", 2), [1, 1, 1, 8, 8]),
    (C("AdaptiveAvgPool2d", (7, 7)), [2, 512, 13, 13]), (C("AdaptiveAvgPool2d", 0), [1, 2, 8, 8]),
    (C("AdaptiveAvgPool2d", 2), [8, 8]), (C("AdaptiveAvgPool2d", 2), [1, 2, 0, 8]),
    (C("Flatten"), [64, 64, 12, 12]), (C("Flatten", 0, -2), [2, 3, 4]), (C("Flatten", -2, -1), [2, 3, 4]), (C("Flatten"), [3]),
    (C("Flatten", 0), []), (C("Flatten", 2, 1), [1, 2, 3]), (C("Flatten", 5), [1, 2, 3]), (C("Flatten", 0, -5), [1, 2, 3]),
    (C("Softmax", 1), [2, 10]), (C("Softmax", 3), [1, 2, 3]), (C("Softmax", -4), [1, 2, 3]), (C("LogSoftmax", -1), [4]),
    (C("Softmax"), [2, 3, 4, 5]),
    (C("ReLU"), [3, 4]), (C("GELU"), []), (C("Dropout"), [2, 7]), (C("Dropout2d"), [2, 3, 4, 4]), (C("Identity"), [5]),
    (C("ConvTranspose2d", 16, 8, 4, 2, 1), [1, 16, 8, 8]), (C("ConvTranspose2d", 16, 8, 3), [16, 5, 5]),
    (C("ConvTranspose2d", 16, 8, 3, stride=2, padding=1, output_padding=1), [2, 16, 7, 9]),
    (C("ConvTranspose2d", 16, 8, 3), [1, 32, 8, 8]), (C("ConvTranspose2d", 16, 8, 3, output_padding=1), [1, 16, 8, 8]),
    (C("ConvTranspose2d", 16, 8, 3), [16, 8]), (C("ConvTranspose2d", 16, 8, 3, padding=5), [1, 16, 2, 2]),
    (C("Conv1d", 3, 8, 3), [2, 3, 10]), (C("Conv1d", 3, 8, 3), [3, 10]), (C("Conv1d", 3, 8, 3), [1, 3, 4, 4]),
    (C("Conv1d", 3, 8, 3), [1, 4, 10]), (C("Conv1d", 3, 8, 3), [1, 3, 2]), (C("Conv1d", 3, 8, 3, padding=2, padding_mode="reflect"), [1, 3, 2]),
    (C("Conv1d", 4, 8, 4, padding="same", dilation=3), [1, 4, 9]), (C("Conv1d", 4, 8, 3, stride=2, padding=1), [2, 4, 11]),
    (C("MaxPool1d", 2), [1, 3, 9]), (C("MaxPool1d", 3), [1, 2, 2]), (C("MaxPool1d", 3), [1, 2, 2, 5]),
    (C("MaxPool1d", 3, 2, 1, ceil_mode=True), [2, 8]), (C("AvgPool1d", 3), [1, 2, 2]), (C("AvgPool1d", 3), [1, 2, 2, 5]),
    (C("AvgPool1d", 3, 2, 1, True), [2, 3, 10]),
    (C("AdaptiveMaxPool2d", (None, 3)), [1, 2, 7, 9]), (C("AdaptiveMaxPool2d", 3), [2, 9]), (C("AdaptiveMaxPool2d", 3), [1, 2, 0, 9]),
    (C("AdaptiveAvgPool2d", (None, 7)), [1, 2, 5, 9]), (C("AdaptiveAvgPool2d", (4, None)), [2, 5, 9]),
    (C("GroupNorm", 2, 4), [2, 4, 3, 3]), (C("GroupNorm", 2, 4), [2, 6, 3, 3]), (C("GroupNorm", 2, 4), [2, 5, 3, 3]),
    (C("GroupNorm", 2, 4), [2, 4]), (C("GroupNorm", 2, 4, affine=False), [2, 6, 3]),
    (C("InstanceNorm2d", 8), [2, 8, 4, 4]), (C("InstanceNorm2d", 8), [2, 8]), (C("InstanceNorm2d", 8, affine=True), [2, 6, 3, 3]),
    (C("InstanceNorm2d", 8), [2, 6, 3, 3]), (C("InstanceNorm2d", 8, track_running_stats=True), [6, 3, 3]),
    (C("PReLU", 3), [2, 4, 5]), (C("PReLU", 3), [3]), (C("PReLU", 3), [2, 3, 4, 4]), (C("PReLU"), [7]), (C("ReLU6"), [2, 3]),
    (C("Upsample", scale_factor=2), [1, 2, 3, 3]), (C("Upsample", scale_factor=2), [2, 3, 3]), (C("Upsample", scale_factor=2), [2, 3]),
    (C("Upsample"), [1, 2, 3, 3]), (C("Upsample", size=3, scale_factor=2), [1, 2, 3, 3]),
    (C("Upsample", scale_factor=2, align_corners=True), [1, 2, 3, 3]), (C("Upsample", scale_factor=2, mode="bilinear"), [2, 3, 3]),
    (C("Upsample", size=(2, 3, 4)), [1, 2, 3, 3]), (C("Upsample", scale_factor=1.5), [1, 2, 3, 5]),
    (C("Upsample", scale_factor=0.3), [1, 2, 3, 5]), (C("Upsample", size=(4, 6), mode="bilinear"), [1, 2, 3, 3]),
    (C("PixelShuffle", 2), [1, 8, 3, 3]), (C("PixelShuffle", 2), [1, 5, 3, 3]), (C("PixelShuffle", 2), [4, 3]),
    (C("PixelShuffle", 0), [1, 4, 3, 3]), (C("PixelShuffle", 3), [9, 2, 2]),
    (C("ZeroPad2d", 2), [1, 2, 3, 3]), (C("ZeroPad2d", (1, 0, 2, 3)), [3, 3]), (C("ZeroPad2d", 1), [1, 1, 3, 3, 3]),
    (C("ZeroPad2d", 1), [3]), (C("ZeroPad2d", (-1, 0, 0, -2)), [1, 2, 4, 4]),
    (C("ReflectionPad2d", 2), [1, 2, 3, 3]), (C("ReflectionPad2d", 2), [2, 3, 3]), (C("ReflectionPad2d", 2), [0, 1, 3, 3]),
    (C("ReflectionPad2d", 2), [3, 3]), (C("ReflectionPad2d", 1), [1, 1, 1, 3, 3]), (C("ReflectionPad2d", 1), [4]),
    (C("ReflectionPad2d", 2), [1, 1, 2, 2]), (C("ReflectionPad2d", (1, 0, 2, 3)), [1, 2, 3, 3]),
    (C("ReflectionPad2d", 1), [1, 1, 0, 3]), (C("ReflectionPad2d", 1), [0, 3, 3]), (C("ReflectionPad2d", -1), [1, 2, 3, 3]),
    (C("ReflectionPad2d", -1), [1, 1, 2, 2]), (C("ReplicationPad2d", 2), [1, 1, 2, 2]), (C("ReplicationPad2d", 1), [0, 3, 3]),
    (C("ReplicationPad2d", 1), [1, 0, 3, 3]), (C("ReplicationPad2d", 1), [0, 1, 3, 3]), (C("ReplicationPad2d", -2), [1, 1, 3, 3]),
    (C("ReplicationPad2d", (-1, 2, 0, 1)), [2, 3, 3]), (C("ReplicationPad2d", 1), [3, 3]),
    (C("Dropout1d"), [2, 3, 4]), (C("Dropout1d"), [3, 4]), (C("Dropout1d"), [1, 2, 3, 4]),
]


def shape_case(call, shape):
    m = call.build().eval()
    out = {"call": call.json(), "input": shape}
    try:
        y = m(torch.zeros(shape))
        out["output"] = list(y.shape)
    except Exception as e:  # PyTorch's own text
        out["error"] = str(e)
    return out


FORWARD_CASES = [
    (C("Conv2d", 3, 8, 3), [2, 3, 7, 9]),
    (C("Conv2d", 4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2), [2, 4, 9, 8]),
    (C("Conv2d", 2, 4, 3, padding="same", dilation=2, bias=False), [1, 2, 8, 7]),
    (C("Conv2d", 2, 3, 4, padding="same"), [2, 2, 6, 5]),
    (C("Conv2d", 3, 5, 3, stride=3, padding=2), [1, 3, 10, 11]),
    (C("Conv2d", 3, 4, 3, padding=(2, 1), padding_mode="reflect"), [2, 3, 5, 6]),
    (C("Conv2d", 3, 4, 3, padding=(2, 1), padding_mode="replicate"), [1, 3, 5, 6]),
    (C("Conv2d", 3, 4, 3, padding=(2, 1), padding_mode="circular", stride=2), [1, 3, 5, 6]),
    (C("Conv2d", 2, 3, 4, padding="same", padding_mode="reflect"), [1, 2, 6, 5]),
    (C("Conv2d", 6, 4, 1), [2, 6, 4, 5]),
    (C("Conv2d", 6, 6, 3, groups=6, padding=1), [2, 6, 5, 5]),
    (C("Conv2d", 3, 4, 3), [3, 6, 5]),
    (C("Conv2d", 16, 24, 3, padding=1), [2, 16, 9, 10]),
    # Large enough for the kernels to split one image over threads.
    (C("Conv2d", 16, 32, 3, padding=1), [1, 16, 16, 16]),
    (C("Conv2d", 16, 32, 3, padding=1, padding_mode="reflect"), [1, 16, 16, 16]),
    (C("Linear", 10, 5), [3, 10]), (C("Linear", 10, 5), [2, 3, 10]), (C("Linear", 10, 5), [10]),
    (C("Linear", 30, 7, bias=False), [6, 30]), (C("Linear", 40, 20), [2, 40]), (C("Linear", 64, 40), [3, 4, 64]),
    (C("BatchNorm1d", 6), [4, 6]), (C("BatchNorm1d", 6), [4, 6, 5]), (C("BatchNorm2d", 3), [2, 3, 4, 5]),
    (C("BatchNorm2d", 3, affine=False), [2, 3, 4, 5]), (C("BatchNorm2d", 3, track_running_stats=False), [2, 3, 4, 5]),
    (C("BatchNorm1d", 6, eps=0.1, affine=False, track_running_stats=False), [4, 6]),
    (C("LayerNorm", 8), [3, 8]), (C("LayerNorm", (4, 5)), [2, 4, 5]), (C("LayerNorm", 8, elementwise_affine=False), [2, 3, 8]),
    (C("LayerNorm", 8, eps=0.5), [3, 8]),
    (C("ReLU"), [2, 3, 4, 5]), (C("LeakyReLU", 0.2), [2, 3, 4, 5]), (C("GELU"), [2, 3, 4, 5]),
    (C("GELU", approximate="tanh"), [2, 3, 4, 5]), (C("SiLU"), [2, 3, 4, 5]), (C("Sigmoid"), [2, 3, 4, 5]),
    (C("Tanh"), [2, 3, 4, 5]), (C("Softmax", 1), [2, 3, 4, 5]), (C("Softmax", -1), [3, 7]), (C("Softmax"), [3, 4, 5]),
    (C("Softmax"), [2, 6]), (C("LogSoftmax", 1), [2, 10]), (C("LogSoftmax", 0), [3, 4, 2]),
    (C("MaxPool2d", 2), [2, 3, 6, 7]), (C("MaxPool2d", 3, 2, 1, ceil_mode=True), [1, 2, 8, 7]),
    (C("MaxPool2d", 2, stride=1, dilation=2), [1, 2, 6, 6]), (C("MaxPool2d", (2, 3), stride=(1, 2), padding=(1, 1)), [2, 5, 5]),
    (C("AvgPool2d", 2), [2, 3, 6, 7]), (C("AvgPool2d", 3, 2, 1, ceil_mode=True), [1, 2, 8, 7]),
    (C("AvgPool2d", 3, 2, 1, count_include_pad=False), [1, 2, 8, 7]), (C("AvgPool2d", 3, 2, 1, True, False), [1, 2, 8, 7]),
    (C("AvgPool2d", (2, 3), stride=1, padding=1, divisor_override=4), [1, 2, 5, 5]),
    (C("AdaptiveAvgPool2d", (3, 2)), [2, 3, 7, 5]), (C("AdaptiveAvgPool2d", 1), [2, 3, 4, 4]),
    (C("AdaptiveAvgPool2d", (5, 4)), [1, 2, 3, 3]), (C("AdaptiveAvgPool2d", 2), [3, 5, 5]),
    (C("Flatten"), [2, 3, 4]), (C("Dropout"), [2, 5]), (C("Dropout2d"), [2, 3, 4]), (C("Identity"), [4, 3]),
    (C("ConvTranspose2d", 4, 6, 3), [2, 4, 5, 6]), (C("ConvTranspose2d", 4, 6, 4, 2, 1), [1, 4, 5, 5]),
    (C("ConvTranspose2d", 4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2)), [2, 4, 4, 3]),
    (C("ConvTranspose2d", 3, 2, 3, bias=False), [3, 4, 4]),
    (C("Conv1d", 3, 5, 3), [2, 3, 9]), (C("Conv1d", 4, 6, 3, stride=2, padding=2, dilation=2, groups=2), [2, 4, 11]),
    (C("Conv1d", 2, 3, 4, padding="same", padding_mode="reflect"), [1, 2, 7]), (C("Conv1d", 2, 3, 3, padding=1, padding_mode="circular"), [1, 2, 6]),
    (C("MaxPool1d", 2), [2, 3, 7]), (C("MaxPool1d", 3, 2, 1, 2, ceil_mode=True), [1, 2, 11]), (C("MaxPool1d", 3, 1), [3, 5]),
    (C("AvgPool1d", 2), [2, 3, 7]), (C("AvgPool1d", 3, 2, 1, ceil_mode=True), [1, 2, 8]),
    (C("AvgPool1d", 3, 2, 1, count_include_pad=False), [1, 2, 8]),
    (C("AdaptiveMaxPool2d", (3, 2)), [2, 3, 7, 5]), (C("AdaptiveMaxPool2d", (5, None)), [1, 2, 3, 4]), (C("AdaptiveMaxPool2d", 1), [3, 4, 4]),
    (C("AdaptiveAvgPool2d", (None, 3)), [2, 2, 4, 7]),
    (C("GroupNorm", 2, 4), [2, 4, 3, 3]), (C("GroupNorm", 3, 6, affine=False), [2, 6, 5]), (C("GroupNorm", 1, 4, eps=0.5), [3, 4]),
    (C("InstanceNorm2d", 3), [2, 3, 4, 5]), (C("InstanceNorm2d", 3, affine=True), [2, 3, 4, 5]),
    (C("InstanceNorm2d", 3, affine=True, track_running_stats=True), [2, 3, 4, 5]), (C("InstanceNorm2d", 3), [3, 4, 4]),
    (C("ReLU6"), [2, 3, 4, 5]), (C("ELU"), [2, 3, 4, 5]), (C("ELU", 0.3), [2, 3, 4, 5]), (C("SELU"), [2, 3, 4, 5]),
    (C("PReLU"), [2, 3, 4, 5]), (C("PReLU", 3), [2, 3, 4, 5]), (C("PReLU", 3), [2, 3]), (C("Hardswish"), [2, 3, 4, 5]),
    (C("Hardsigmoid"), [2, 3, 4, 5]), (C("Softplus"), [2, 3, 4, 5]), (C("Softplus", 2, 1), [2, 3, 4, 5]), (C("Mish"), [2, 3, 4, 5]),
    (C("Upsample", scale_factor=2), [1, 2, 3, 4]), (C("Upsample", scale_factor=3), [2, 2, 3]), (C("Upsample", size=(5, 7)), [1, 2, 3, 4]),
    (C("Upsample", scale_factor=1.5), [1, 2, 4, 5]), (C("Upsample", scale_factor=2, mode="bilinear"), [1, 2, 3, 4]),
    (C("Upsample", scale_factor=2, mode="bilinear", align_corners=True), [1, 2, 3, 4]),
    (C("Upsample", size=(5, 7), mode="bilinear"), [2, 2, 3, 4]), (C("Upsample", size=(5, 7), mode="bilinear", align_corners=True), [2, 2, 3, 4]),
    (C("Upsample", size=(2, 3), mode="bilinear"), [1, 2, 5, 7]), (C("Upsample", scale_factor=0.5), [1, 1, 6, 7]),
    (C("PixelShuffle", 2), [2, 8, 3, 4]), (C("PixelShuffle", 3), [9, 2, 2]),
    (C("ZeroPad2d", 2), [1, 2, 3, 4]), (C("ZeroPad2d", (1, 0, 2, 3)), [2, 3, 3]), (C("ZeroPad2d", (-1, 2, 0, -2)), [1, 2, 4, 5]),
    (C("ReflectionPad2d", 2), [2, 2, 3, 4]), (C("ReflectionPad2d", (3, 0, 1, 2)), [2, 3, 5]),
    (C("ReflectionPad2d", (-1, 2, 1, -1)), [1, 2, 4, 5]), (C("ReplicationPad2d", 2), [2, 2, 3, 4]),
    (C("ReplicationPad2d", (4, 0, 1, -1)), [1, 3, 4]), (C("ReplicationPad2d", (1, 1, 2, 2)), [1, 1, 1, 1]),
    (C("Dropout1d"), [2, 3, 4]),
]


def forward_case(call, shape, seed):
    torch.manual_seed(seed)
    m = call.build().eval()
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(rounded(torch.randn(p.shape) * 0.5 + (1.0 if name == "weight" and "Norm" in call.type else 0.0)))
        for name, b in m.named_buffers():
            if name == "running_mean":
                b.copy_(rounded(torch.randn(b.shape) * 0.3))
            elif name == "running_var":
                b.copy_(rounded(torch.rand(b.shape) + 0.5))
        x = rounded(torch.randn(shape) * 2.0)
        y = m(x)
    state = {k: flat(v) for k, v in m.state_dict().items()}
    return {"call": call.json(), "input_shape": shape, "input": flat(x), "state": state,
            "output_shape": list(y.shape), "output": flat(y)}


INIT_CASES = [
    [C("Conv2d", 3, 8, 3)], [C("Conv2d", 4, 6, (3, 2), groups=2)], [C("Conv2d", 2, 3, 3, bias=False)],
    [C("Linear", 10, 5)], [C("Linear", 7, 3, bias=False)],
    [C("Conv2d", 1, 4, 3), C("BatchNorm2d", 4), C("LayerNorm", 6), C("Linear", 20, 3)],
    [C("ConvTranspose2d", 4, 6, 3)], [C("ConvTranspose2d", 4, 6, (3, 2), groups=2)], [C("Conv1d", 3, 5, 3)],
    [C("Conv1d", 4, 6, 3, groups=2, bias=False)],
    [C("ConvTranspose2d", 2, 3, 4, 2, 1), C("GroupNorm", 2, 4), C("InstanceNorm2d", 3, affine=True, track_running_stats=True),
     C("PReLU", 3, 0.1), C("Conv1d", 2, 2, 2)],
]


def init_case(calls, seed):
    torch.manual_seed(seed)
    modules = [c.build() for c in calls]
    # Initial values are compared bit for bit: keep every digit.
    return {"seed": seed, "calls": [c.json() for c in calls],
            "states": [{k: [float(x) for x in v.reshape(-1).tolist()] for k, v in m.state_dict().items()} for m in modules]}


def ctor_error(call):
    try:
        call.build()
        return {"call": call.json(), "error": None}
    except Exception as e:
        return {"call": call.json(), "error": str(e)}


def main():
    data = {
        "torch_version": torch.__version__,
        "repr": [],
        "ctor_errors": [ctor_error(c) for c in CTOR_ERROR_CASES],
        "shapes": [shape_case(c, s) for c, s in SHAPE_CASES],
        "forward": [forward_case(c, s, i) for i, (c, s) in enumerate(FORWARD_CASES)],
        "init": [init_case(cs, seed) for seed, cs in enumerate(INIT_CASES)],
    }
    for c in REPR_CASES:
        if c.type == "Linear" and c.args and c.args[0] >= 10**7:
            # Too large to allocate: repr and counts from the formula PyTorch uses.
            i, o = c.args[0], c.args[1]
            data["repr"].append({"call": c.json(), "repr": f"Linear(in_features={i}, out_features={o}, bias=True)",
                                 "specs": [{"name": "weight", "shape": [o, i], "buffer": False},
                                           {"name": "bias", "shape": [o], "buffer": False}],
                                 "params": i * o + o})
            continue
        m = c.build()
        data["repr"].append({"call": c.json(), "repr": repr(m), "specs": tensor_specs(m),
                             "params": sum(p.numel() for p in m.parameters())})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
