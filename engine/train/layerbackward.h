#pragma once

#include "engine/train/tape.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ml {

class Layer;

// What a layer's training forward keeps for its backward pass.
struct LayerSaved {
    bool batchStats = false;  // BatchNorm normalised with the batch's statistics
    std::vector<float> mean;  // BatchNorm: per-channel batch mean
    std::vector<float> invStd; // BatchNorm: per-channel 1 / sqrt(var + eps)
    std::vector<float> factors; // Dropout in training mode: 0 or 1 / (1 - p) per element
    std::vector<int32_t> argmax; // MaxPool2d: the input element (within its plane) of each output
};

// What one layer's backward pass reads and where it writes: d(loss)/d(in) into gIn when given
// (same element count as in, overwritten), parameter gradients accumulated into grads.
struct BackwardPass {
    const Tensor& in;
    const Tensor& out;
    const Tensor& gOut;
    Tensor* gIn;
    ParamGrads& grads;
    const LayerSaved& saved;
};

// One layer's forward in its own mode. In training mode BatchNorm normalises with the batch's
// statistics and updates its running mean, running variance (unbiased) and num_batches_tracked;
// Dropout draws a mask. Returns PyTorch's error where it would fail.
std::optional<std::string> layerForward(Layer& layer, const Tensor& in, Tensor& out, LayerSaved& saved);

// d(loss)/d(in) into gradIn (when given, same element count as in, overwritten) and the layer's
// parameter gradients accumulated into grads, from d(loss)/d(out). PyTorch's formulas.
void layerBackward(const Layer& layer, const Tensor& in, const Tensor& out, const Tensor& gradOut, Tensor* gradIn,
                   ParamGrads& grads, const LayerSaved& saved);

// Whether the backward table has the layer type; the message says what is not supported otherwise.
std::optional<std::string> backwardSupport(const Layer& layer);

} // namespace ml
