#pragma once

#include "engine/analysis/value.h"

#include <optional>
#include <string>
#include <vector>

namespace ml::detail {

// Tensor operations of forward programs that are not layers. Each checks shapes exactly as
// PyTorch does (the error text is PyTorch's) and computes data when the input carries data.
struct OpResult {
    Value value;
    std::string error; // PyTorch's message
    bool ok() const { return error.empty(); }
};

// Normalises a possibly negative dim for a tensor of `rank`; nullopt if out of range.
std::optional<int> wrapDim(int64_t dim, int rank);
std::string dimOutOfRange(int64_t dim, int rank);

// The shape two operands broadcast to (aligned from the last dimension, dims of 1 repeating), or
// nullopt with PyTorch's message in `error`.
std::optional<Shape> broadcastShapes(const Shape& a, const Shape& b, std::string& error);

// For every element of `out` in row-major order, the row-major index of the element of `operand`
// it reads when `operand` broadcasts to `out` (aligned to out's last dims, dims of 1 repeating).
std::vector<int64_t> broadcastIndex(const Shape& out, const Shape& operand);

OpResult reshapeOp(const Value& x, const std::vector<int64_t>& spec);
OpResult flattenOp(const Value& x, int64_t startDim, int64_t endDim);
OpResult binaryOp(char op, const Value& a, const Value& b); // '+', '-', '*', '/'
OpResult catOp(const std::vector<Value>& tensors, int64_t dim);
OpResult meanOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim);
// F.pad(x, pad, mode, value): pad holds (before, after) pairs from the last dimension backwards;
// mode "constant" (negative padding crops), "reflect", "replicate" or "circular". `source`, when
// given, receives per output element the input element it copies (-1 for the constant border).
OpResult padOp(const Value& x, const std::vector<int64_t>& pad, const std::string& mode, double value,
               std::vector<int64_t>* source = nullptr);
OpResult sumOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim);
// max/min over dims (every dim for an empty list). `picked` receives, per output element, the
// input elements holding the extremum: the first only (`firstOnly`, as max(dim) indexes it) or
// all ties (amax, max() share the gradient among them); `indices` the positions along the dim.
OpResult extremumOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim, bool smallest, bool firstOnly,
                    std::vector<std::vector<int64_t>>* picked, Value* indices);

} // namespace ml::detail
