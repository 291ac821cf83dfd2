#pragma once

#include "engine/analysis/tensorops.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ml::detail {

// torch.matmul(a, b) as batches of matrix products: a's matrix [n, m] by b's [m, p] for every
// element of the broadcast batch. A vector a is one row (n = 1), a vector b one column (p = 1);
// neither of those dims appears in the output.
struct MatmulPlan {
    Shape out;
    int64_t n = 1, m = 1, p = 1;
    // Per output batch element, the offsets of its a and b matrices in their tensors' data.
    std::vector<int64_t> offsetA, offsetB;
};

// The plan of torch.matmul, or PyTorch 1.13's message for the shapes it refuses (the message of
// the kernel it would call: dot, mv, mm or bmm).
std::optional<MatmulPlan> planMatmul(const Shape& a, const Shape& b, std::string& error);
// torch.mm (two matrices) and torch.bmm (two batches of matrices of one batch size).
std::optional<MatmulPlan> planMm(const Shape& a, const Shape& b, std::string& error);
std::optional<MatmulPlan> planBmm(const Shape& a, const Shape& b, std::string& error);

// The products of the plan on a's and b's data (when both have data).
OpResult matmulOp(const MatmulPlan& plan, const Value& a, const Value& b);

// C[n, p] += A[n, m] * B[m, p] with optional transposes of A and B (row-major, float32 with
// float accumulation in m order).
void matrixProduct(const float* a, bool transA, const float* b, bool transB, float* c, int64_t n, int64_t m, int64_t p);

} // namespace ml::detail
