#pragma once

#include "engine/analysis/value.h"

#include <memory>
#include <vector>

namespace ml {
class Layer;
}

namespace ml::detail {

// A tensor operation of a forward program that is not a layer call. Reshapes (view, reshape,
// flatten, contiguous, squeeze, unsqueeze) share their input's data and need no record.
struct RecordedOp {
    // Gather: a strided copy (permute, transpose, indexing and slicing, chunk, split).
    // Max: max/min/amax/amin, the gradient going to `picked` input elements.
    // Div: a / b, either of them may be a number (1 / b: x.reciprocal()).
    // MatMul: torch.matmul(a, b) (mm, bmm, a @ b). Pow: x ** e, the exponent e a number in inputs[1].
    // Sqrt, Rsqrt, Exp, Log: element-wise functions of inputs[0].
    // Pick: each output element copies the input element `source` names (F.pad).
    enum class Kind { Add, Sub, Mul, Div, Cat, Mean, Sum, Gather, Max, MatMul, Pow, Sqrt, Rsqrt, Exp, Log, Pick };
    Kind kind = Kind::Add;
    std::vector<Value> inputs; // tensors, or numbers for the scalar operand of + - * /
    Value output;
    int64_t dim = 0;           // Cat
    std::vector<int64_t> dims; // Mean, Sum: reduced dims (empty: all). Gather: the output's dims
    bool keepdim = false;      // Mean, Sum
    std::vector<int64_t> strides; // Gather: input elements per step of each output dim
    int64_t base = 0;             // Gather: the input element of output element 0
    // Max: per output element, the input elements it came from (ties share the gradient evenly)
    std::vector<std::vector<int64_t>> picked;
    // Pick: per output element, the input element it copies (-1: none, a constant border)
    std::vector<int64_t> source;
};

// Receives every layer call and tensor op of a training forward pass, in execution order, so
// that gradients can flow back through them. The interpreter calls it only when one is set.
class ForwardRecorder {
public:
    virtual ~ForwardRecorder() = default;
    // Computes layer(in) into out in the layer's own mode and records what backward needs.
    // `inTree` is false for a layer made for one functional call (F.relu): it dies after the call.
    virtual void layerCall(const Layer& layer, bool inTree, const std::shared_ptr<const Tensor>& in, const Shape& inShape,
                           const std::shared_ptr<Tensor>& out) = 0;
    virtual void op(RecordedOp op) = 0;
    // forward read a parameter: `copy` holds its values, and what reaches `copy` is its gradient
    // (a leaf of the recorded graph, as an nn.Parameter is in PyTorch's).
    virtual void parameterRead(const Tensor& parameter, const std::shared_ptr<const Tensor>& copy) = 0;
    // The value forward returned.
    virtual void result(const Value& out) = 0;
};

} // namespace ml::detail
