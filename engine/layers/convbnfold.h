#pragma once

// An eval-mode BatchNorm folded into the convolution before it: the normalisation's per-channel
// scale and shift are multiplied into a folded copy of the convolution's weight and bias, so
// conv -> BatchNorm (-> activation) (-> + residual (-> activation)) is one convolution whose
// output step applies the rest.
// The folded copy is made again when any of the tensors it comes from changes
// (Tensor::version: the convolution's weight and bias, the BatchNorm's weight, bias and running
// statistics) or when a different BatchNorm follows. It costs one folded weight and its packed
// copy beside the convolution's own, for convolutions that run fused.

#include "engine/layers/convkernel.h"

#include <mutex>
#include <vector>

namespace ml {
class BatchNormBase;
}

namespace ml::layers {

class ConvBnFold {
public:
    ConvBnFold() = default;
    ConvBnFold(const ConvBnFold&) {}            // copies nothing: the copy folds on first use
    ConvBnFold& operator=(const ConvBnFold&);   // likewise

    // Whether bn can be folded: eval-mode statistics (track_running_stats) over `channels`.
    static bool foldable(const BatchNormBase& bn, int64_t channels);

    // out = epilogue(bn(conv(in))) with bn's running statistics: the convolution of geometry g
    // with `weight` and `bias` (may be null), bn folded in. Thread-safe.
    void forward(const ConvGeometry& g, const Tensor& weight, const Tensor* bias, const BatchNormBase& bn, const float* in,
                 float* out, ConvEpilogue epilogue) const;

    // How often the folded weight has been computed (once per version of its sources).
    int64_t folds() const;
    // How many passes added a residual in the output step.
    int64_t residualPasses() const;

private:
    mutable std::mutex m_mutex;
    mutable Tensor m_weight;            // the folded weight
    mutable std::vector<float> m_bias;  // the folded bias
    mutable std::vector<uint64_t> m_key; // versions of the sources and the BatchNorm's identity
    mutable int64_t m_folds = 0;
    mutable int64_t m_residualPasses = 0;
    mutable bool m_finite = true;       // no NaN or infinity in the folded weight and bias
    ConvKernel m_kernel;                // packs the folded weight once per fold
};

} // namespace ml::layers
