#pragma once

#include "engine/analysis/forwardrecorder.h"

namespace ml {

// The input gradients of recorded matrix products and element-wise functions, added to accA /
// accB (nullptr: that input needs none), with PyTorch's derivative formulas.
void matmulBack(const detail::RecordedOp& op, const Tensor& gOut, Tensor* accA, Tensor* accB);
void elementwiseBack(const detail::RecordedOp& op, const Tensor& gOut, Tensor& acc);

} // namespace ml
