#pragma once

// Single-precision matrix products for the layer kernels (Eigen stays inside gemm.cpp).
// All matrices are dense row-major with the given leading dimensions (row strides).

#include <cstdint>

namespace ml::layers {

// C[m x n] = A[m x k] * B[k x n] on the calling thread (callers parallelise over blocks).
void gemm(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m, int64_t n, int64_t k);

// C[m x n] = A[m x k] * W^T where W is [n x k] (a Linear weight), contiguous. With `parallel`,
// blocks of W's rows (columns of C) are shared among the OpenMP threads.
void gemmTransB(const float* a, const float* w, float* c, int64_t m, int64_t n, int64_t k, bool parallel);

} // namespace ml::layers
