#pragma once

#include "engine/train/layerbackward.h"

namespace ml {

// Backward passes with PyTorch's formulas, entries of the one backward table (layerbackward.cpp).
namespace backward {
void convTranspose2d(const Layer& l, const BackwardPass& p);
void conv1d(const Layer& l, const BackwardPass& p);
void groupNorm(const Layer& l, const BackwardPass& p);
void instanceNorm2d(const Layer& l, const BackwardPass& p);
void prelu(const Layer& l, const BackwardPass& p);
void copyPad2d(const Layer& l, const BackwardPass& p); // ReflectionPad2d, ReplicationPad2d
void maxPool1d(const Layer& l, const BackwardPass& p);
void avgPool1d(const Layer& l, const BackwardPass& p);
void adaptiveMaxPool2d(const Layer& l, const BackwardPass& p);
void upsample(const Layer& l, const BackwardPass& p);
void pixelShuffle(const Layer& l, const BackwardPass& p);
void zeroPad2d(const Layer& l, const BackwardPass& p);
void relu6(const Layer& l, const BackwardPass& p);
void elu(const Layer& l, const BackwardPass& p);
void selu(const Layer& l, const BackwardPass& p);
void hardswish(const Layer& l, const BackwardPass& p);
void hardsigmoid(const Layer& l, const BackwardPass& p);
void softplus(const Layer& l, const BackwardPass& p);
void mish(const Layer& l, const BackwardPass& p);
} // namespace backward

// Training-mode forward of InstanceNorm2d with running statistics: normalises with each
// instance's statistics and updates running_mean and running_var (unbiased) as PyTorch does.
// False when the layer needs nothing special.
bool extraLayerForward(Layer& layer, const Tensor& in, Tensor& out);

} // namespace ml
