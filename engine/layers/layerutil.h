#pragma once

// Helpers shared by the layer families: argument decoding, PyTorch-style formatting.

#include "engine/layer.h"

#include <memory>
#include <string>
#include <vector>

namespace ml::layers {

// An int or a 2-tuple argument as (height, width), like PyTorch's _pair().
struct Pair {
    int64_t h = 0;
    int64_t w = 0;
    friend bool operator==(const Pair&, const Pair&) = default;
};
Pair pairOf(const ArgValue& v);
std::string pairRepr(Pair p); // "(3, 3)"

// "2x2x2" as PyTorch prints sizes in pooling messages.
std::string joinX(const std::vector<int64_t>& dims, const char* sep = "x");

// Python-style dimension wrapping: returns false when dim is out of range and fills the
// PyTorch message "Dimension out of range (expected to be in range of [-3, 2], but got 3)".
bool wrapDim(int64_t dim, int rank, int& out, std::string& error);

// Pooling output size along one dimension (ATen's pooling_output_shape).
int64_t poolOutputSize(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation, bool ceilMode);

template <typename T>
std::unique_ptr<Layer> makeLayer()
{
    return std::make_unique<T>();
}

// Ensures out has the given shape (reallocating only when needed).
void prepareOutput(Tensor& out, const Shape& shape);

// Default initialisers shared by conv and linear (torch.nn.init, bit-exact).
void kaimingUniformA5(Tensor& weight, int64_t fanIn, TorchGenerator& gen);
void uniformFill(Tensor& t, double bound, TorchGenerator& gen);

} // namespace ml::layers
