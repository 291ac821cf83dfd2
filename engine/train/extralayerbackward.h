#pragma once

#include "engine/train/layerbackward.h"

namespace ml {

// Gradients of ConvTranspose2d, Conv1d, MaxPool1d, AvgPool1d, AdaptiveMaxPool2d, GroupNorm,
// InstanceNorm2d, ReLU6, ELU, SELU, PReLU, Hardswish, Hardsigmoid, Softplus, Mish, Upsample,
// PixelShuffle, ZeroPad2d, ReflectionPad2d and ReplicationPad2d with PyTorch's formulas (layerBackward dispatches here).
// False when the layer is none of them.
bool extraLayerBackward(const Layer& layer, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor* gIn,
                        ParamGrads& grads);

// Training-mode forward of InstanceNorm2d with running statistics: normalises with each
// instance's statistics and updates running_mean and running_var (unbiased) as PyTorch does.
// False when the layer needs nothing special.
bool extraLayerForward(Layer& layer, const Tensor& in, Tensor& out);

} // namespace ml
