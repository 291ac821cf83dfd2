#pragma once

// The convolution kernel shared by the convolution layers (and their gradients): a 2-D
// convolution over NCHW float tensors on oneDNN, compiled once per geometry and thread count,
// with the weight packed into the kernel's layout once per weight version (Tensor::version):
// one extra copy of the weight per layer while the layer lives.
// oneDNN stays inside convkernel.cpp.

#include "engine/tensor.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace ml::layers {

struct ConvGeometry {
    int64_t n = 1, c = 1, h = 1, w = 1;  // input [n, c, h, w]
    int64_t oc = 1, oh = 1, ow = 1;      // output [n, oc, oh, ow]
    int64_t kh = 1, kw = 1;              // kernel; weight [oc, c / groups, kh, kw]
    int64_t sh = 1, sw = 1, dh = 1, dw = 1;
    int64_t padTop = 0, padBottom = 0, padLeft = 0, padRight = 0; // zero padding
    int64_t groups = 1;
    bool operator==(const ConvGeometry&) const = default;
};

// An elementwise function applied in the convolution's output step (a oneDNN eltwise post-op).
struct ConvActivation {
    enum class Kind { None, Relu, Clip, Swish, Hardswish, GeluErf, GeluTanh };
    Kind kind = Kind::None;
    float alpha = 0.0f, beta = 0.0f; // Relu: slope below 0; Clip: lower and upper bound; Swish: 1
    bool operator==(const ConvActivation&) const = default;
};

// oneDNN's ReLU (slope 0) and clip map NaN to 0 where PyTorch keeps NaN: with such an
// activation the fused pass is exact only for finite inputs (see ConvBnFold::forward).
bool dropsNaN(const ConvActivation& act);
// act applied in place to n floats with PyTorch's NaN semantics (the slow path).
void applyActivation(const ConvActivation& act, float* data, int64_t n);
// Whether none of the n floats is NaN or infinite (at memory speed).
bool allFinite(const float* data, int64_t n);

// Applied to the output in the same pass (no extra sweep over memory):
// out = after(act(conv(in) + bias) + residual), residual (dense NCHW, the output's shape) when
// not null; `residual` may be `out` itself. The fusion plans `act` or a residual, not both:
// oneDNN's AVX2 kernels cannot apply an activation before the sum and would fall back to its
// reference implementation, a hundred times slower.
struct ConvEpilogue {
    ConvActivation act;
    const float* residual = nullptr;
    ConvActivation after; // only with a residual
};

class ConvKernel {
public:
    ConvKernel();
    ~ConvKernel();
    ConvKernel(const ConvKernel&);            // copies nothing: the copy packs on first use
    ConvKernel& operator=(const ConvKernel&); // likewise

    // out = epilogue(conv(in, weight) + bias). `bias` may be null. `in` and `out` are dense NCHW.
    // Thread-safe; uses up to threadCount() threads, one for small work (see singleThreaded).
    // Where a user may cancel (a CancelScope with a flag is set on this thread), a convolution of
    // more than kBandMultAdds is computed image by image and in bands of output rows, each a
    // convolution of its own, and stops between them once the flag is set (the rest of `out` is
    // left unwritten: the pass is abandoned).
    void forward(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                 ConvEpilogue epilogue = {}) const;
    static constexpr int64_t kBandMultAdds = 1'000'000'000; // a tenth of a second or so

    // The gradient with respect to the input: gradIn [n, c, h, w] from gradOut [n, oc, oh, ow]
    // (overwritten). This is also the forward pass of the transposed convolution whose weight is
    // `weight` (ConvTranspose2d with in = oc, out = c).
    void backwardData(const ConvGeometry& g, const Tensor& weight, const float* gradOut, float* gradIn) const;
    // The gradients with respect to the weight [oc, c / groups, kh, kw] and, when gradBias is not
    // null, the bias [oc]; both overwritten.
    void backwardWeights(const ConvGeometry& g, const float* in, const float* gradOut, float* gradWeight, float* gradBias) const;

    // How often the weight has been packed into the kernel's layout (once per weight version
    // and layout; 0 while the kernel reads the weight in place).
    int64_t packings() const;

    // Whether a convolution of geometry g is small enough to run on the calling thread alone:
    // below about 2 million multiply-adds (tens of microseconds), where waking a second thread
    // costs more than it saves and, on a loaded machine, waits for a busy core.
    static bool singleThreaded(const ConvGeometry& g);

    struct Impl;

private:
    void forwardWhole(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                      ConvEpilogue epilogue) const;
    // One image (g.n == 1) in bands of output rows; false when a band would lie in the padding alone.
    bool forwardBands(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                      const ConvEpilogue& epilogue, const std::atomic<bool>* cancel) const;

    mutable std::mutex m_mutex;
    mutable std::unique_ptr<Impl> m_impl;
};

} // namespace ml::layers
