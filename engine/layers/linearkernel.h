#pragma once

// The matrix product of Linear layers at larger batches: y[m x n] = x[m x k] * W^T + b on
// oneDNN's inner product. A weight version used a second time is packed into the layout the
// kernel prefers (12-25% faster than reading W [n x k] in place) and kept while it is current:
// one extra copy of the weight per Linear that runs batched inference. A version used once
// (training) is read in place.
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

    // `bias` may be null. Thread-safe; uses up to threadCount() threads (one below
    // 64 x kParallelGrain multiply-adds).
    void forward(int64_t m, int64_t n, int64_t k, const Tensor& weight, const float* bias, const float* x, float* y) const;

    // How often the weight has been packed (once per weight version that runs twice).
    int64_t packings() const;

    struct Impl;

private:
    mutable std::mutex m_mutex;
    mutable std::unique_ptr<Impl> m_impl;
};

} // namespace ml::layers
