"""PyTorch's gradients of the layers beyond the first twenty, for tests/engine/tst_train.cpp
(same format as layers.json + layers.safetensors of make_train_reference.py). Run with PyTorch
1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_layer_grads_more.py

Writes layers_more.json and layers_more.safetensors next to this script: for each case the
layer's initial state_dict, the input, output, a random output gradient, the input's and the
parameters' gradients and the buffers after the pass.
"""
import json
import os

import torch
import torch.nn as nn

from make_train_reference import HERE, write_safetensors

LAYER_CASES = [
    # name, type, kwargs, input shape, training mode
    ("convt", "ConvTranspose2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1,
                                  "output_padding": 1}, [2, 3, 4, 5], True),
    ("convt_groups", "ConvTranspose2d", {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3], "stride": [1, 2],
                                         "groups": 2, "bias": False, "dilation": 2}, [1, 4, 5, 4], True),
    ("convt_unbatched", "ConvTranspose2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 2}, [2, 3, 3], True),
    ("conv1d", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1}, [2, 3, 10], True),
    ("conv1d_strided", "Conv1d", {"in_channels": 4, "out_channels": 2, "kernel_size": 2, "stride": 2, "dilation": 2,
                                  "groups": 2, "bias": False}, [2, 4, 11], True),
    ("conv1d_same", "Conv1d", {"in_channels": 2, "out_channels": 2, "kernel_size": 4, "padding": "same"}, [1, 2, 7], True),
    ("conv1d_unbatched", "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, [2, 6], True),
    ("maxpool1d", "MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, [2, 3, 9], True),
    ("maxpool1d_ceil", "MaxPool1d", {"kernel_size": 2, "stride": 2, "dilation": 2, "ceil_mode": True}, [1, 2, 10], True),
    ("avgpool1d", "AvgPool1d", {"kernel_size": 2}, [2, 2, 6], True),
    ("avgpool1d_pad", "AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                    "count_include_pad": False}, [2, 3, 8], True),
    ("adaptivemax", "AdaptiveMaxPool2d", {"output_size": [3, 2]}, [2, 2, 7, 5], True),
    ("adaptivemax_up", "AdaptiveMaxPool2d", {"output_size": 4}, [1, 2, 3, 3], True),
    ("groupnorm", "GroupNorm", {"num_groups": 2, "num_channels": 4}, [2, 4, 3, 3], True),
    ("groupnorm_noaffine", "GroupNorm", {"num_groups": 3, "num_channels": 3, "affine": False, "eps": 1e-3}, [2, 3, 5], True),
    ("instancenorm", "InstanceNorm2d", {"num_features": 3}, [2, 3, 4, 4], True),
    ("instancenorm_affine", "InstanceNorm2d", {"num_features": 2, "affine": True, "track_running_stats": True},
     [3, 2, 3, 4], True),
    ("instancenorm_eval", "InstanceNorm2d", {"num_features": 2, "affine": True, "track_running_stats": True},
     [2, 2, 3, 3], False),
    ("relu6", "ReLU6", {}, [3, 8], True),
    ("elu", "ELU", {"alpha": 0.7}, [3, 8], True),
    ("selu", "SELU", {}, [3, 8], True),
    ("prelu", "PReLU", {}, [3, 8], True),
    ("prelu_channels", "PReLU", {"num_parameters": 3}, [2, 3, 4], True),
    ("hardswish", "Hardswish", {}, [4, 8], True),
    ("hardsigmoid", "Hardsigmoid", {}, [4, 8], True),
    ("softplus", "Softplus", {}, [3, 8], True),
    ("softplus_beta", "Softplus", {"beta": 2.0, "threshold": 1.5}, [3, 8], True),
    ("mish", "Mish", {}, [3, 8], True),
    ("upsample_nearest", "Upsample", {"scale_factor": 2, "mode": "nearest"}, [1, 2, 3, 3], True),
    ("upsample_nearest_size", "Upsample", {"size": [5, 7], "mode": "nearest"}, [1, 2, 3, 4], True),
    ("upsample_bilinear", "Upsample", {"scale_factor": 2, "mode": "bilinear"}, [1, 2, 3, 4], True),
    ("upsample_bilinear_align", "Upsample", {"size": [5, 6], "mode": "bilinear", "align_corners": True}, [2, 1, 3, 4], True),
    ("pixelshuffle", "PixelShuffle", {"upscale_factor": 2}, [2, 8, 3, 2], True),
    ("zeropad", "ZeroPad2d", {"padding": [1, 2, 0, 1]}, [1, 2, 3, 3], True),
    ("zeropad_int", "ZeroPad2d", {"padding": 1}, [2, 1, 2, 3], True),
    ("reflectpad", "ReflectionPad2d", {"padding": [2, 1, 1, 2]}, [1, 2, 3, 4], True),
    ("reflectpad_crop", "ReflectionPad2d", {"padding": [-1, 2, 1, -1]}, [2, 1, 4, 3], True),
    ("replicatepad", "ReplicationPad2d", {"padding": 3}, [1, 2, 2, 3], True),
    ("replicatepad_unbatched", "ReplicationPad2d", {"padding": [0, 2, -1, 1]}, [2, 3, 3], True),
    ("dropout1d_eval", "Dropout1d", {"p": 0.4}, [2, 3, 5], False),
    ("dropout1d_p0", "Dropout1d", {"p": 0.0}, [2, 3, 5], True),
]

NORM_TYPES = ("GroupNorm", "InstanceNorm2d")
# Wider inputs where the interesting points lie far out (ReLU6's 6, Hardswish's +-3, thresholds).
INPUT_SCALE = {"relu6": 5.0, "hardswish": 3.0, "hardsigmoid": 3.0, "softplus_beta": 3.0, "elu": 3.0}


def main():
    out, cases = {}, []
    for k, (name, kind, kwargs, shape, training) in enumerate(LAYER_CASES):
        torch.manual_seed(200 + k)
        args = {key: tuple(v) if isinstance(v, list) else v for key, v in kwargs.items()}
        layer = getattr(nn, kind)(**args)
        with torch.no_grad():
            for pname, p in layer.named_parameters():
                if kind in NORM_TYPES and pname == "weight":
                    p.uniform_(0.5, 1.5)
                else:
                    p.uniform_(-1.0, 1.0)
            for bname, b in layer.named_buffers():
                if bname == "running_mean":
                    b.uniform_(-0.5, 0.5)
                elif bname == "running_var":
                    b.uniform_(0.5, 2.0)
        for key, v in layer.state_dict().items():
            out[f"{name}.init.{key}"] = v.clone()
        layer.train(training)
        x = (torch.randn(*shape) * INPUT_SCALE.get(name, 2.5)).requires_grad_()
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
    write_safetensors(os.path.join(HERE, "layers_more.safetensors"), out)
    with open(os.path.join(HERE, "layers_more.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
