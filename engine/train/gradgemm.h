#pragma once

// Matrix products of the backward passes (Eigen stays inside gradgemm.cpp). Row-major operands.

#include <cstdint>

namespace ml::train {

// C[m x n] = beta * C + op(A) op(B), op(A) [m x k], op(B) [k x n]; with transA, A is stored
// [k x m] (lda its row stride), with transB, B is stored [n x k]. Runs on the calling thread.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float* c, int64_t ldc, float beta);

} // namespace ml::train
