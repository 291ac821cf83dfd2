#pragma once

#include "engine/analysis/tensorops.h"

namespace ml::detail {

// Element-wise functions of one tensor, as PyTorch 1.13's CPU kernels compute them in float32.
enum class Elementwise { Pow, Sqrt, Rsqrt, Exp, Log };

// x.pow(e) for a number e, with PyTorch's special cases: e = 0 gives ones, 1 a copy, 0.5 sqrt,
// -0.5 1 / sqrt, -1 1 / x, 2 x * x, 3 x * x * x, -2 1 / (x * x); otherwise pow in double.
float powScalar(float x, double e);
// f(x) element by element; `exponent` for Pow.
OpResult elementwiseOp(Elementwise f, const Value& x, double exponent = 0.0);
float elementwise(Elementwise f, float x, double exponent = 0.0);

} // namespace ml::detail
