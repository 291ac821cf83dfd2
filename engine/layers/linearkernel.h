#pragma once

// The matrix product of Linear layers at larger batches: y[m x n] = x[m x k] * W^T + b with
// W [n x k] read in place (oneDNN's inner product; no second copy of the weight).
// oneDNN stays inside linearkernel.cpp.

#include "engine/tensor.h"

#include <cstdint>
#include <memory>
#include <mutex>

namespace ml::layers {

class LinearKernel {
public:
    LinearKernel();
    ~LinearKernel();
    LinearKernel(const LinearKernel&);            // copies nothing: the copy packs on first use
    LinearKernel& operator=(const LinearKernel&); // likewise

    // `bias` may be null. Thread-safe; uses up to threadCount() threads.
    void forward(int64_t m, int64_t n, int64_t k, const Tensor& weight, const float* bias, const float* x, float* y) const;

    struct Impl;

private:
    mutable std::mutex m_mutex;
    mutable std::unique_ptr<Impl> m_impl;
};

} // namespace ml::layers
