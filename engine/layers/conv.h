#pragma once

#include "engine/layers/convbnfold.h"
#include "engine/layers/convkernel.h"
#include "engine/layers/layerutil.h"
#include "engine/layers/padding.h"

namespace ml {

struct Conv2dOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    layers::Pair kernelSize{1, 1};
    layers::Pair stride{1, 1};
    layers::Pair padding{0, 0}; // explicit padding (zero for 'same' and 'valid')
    bool samePadding = false;   // padding='same'
    layers::Pair dilation{1, 1};
    int64_t groups = 1;
    bool bias = true;
    PaddingMode paddingMode = PaddingMode::Zeros;
};

class Conv2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Conv2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const Conv2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    int64_t multAdds(const Shape& in, const Shape& out) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    // The convolution followed by the eval-mode BatchNorm `bn` (folded into the weight and
    // bias: layers::ConvBnFold::foldable must hold) and the epilogue, in one pass; the input is
    // batched (4-D). The same values as forward(), bn.forward() and ReLU one after another, up
    // to float rounding.
    void forwardFused(const Tensor& in, Tensor& out, const BatchNormBase& bn, layers::ConvEpilogue epilogue) const;
    void initTensors(TorchGenerator& gen) override;

    // Padding actually applied before/after the input along H and W ('same' splits the total,
    // the extra element going after, as PyTorch does).
    struct Pads {
        int64_t top, bottom, left, right;
    };
    Pads pads() const;

    // The kernel's description of a call on input shape `in` (which passed outputShape()), with
    // zero padding; for the other padding modes forward() pads the input first. The kernel also
    // serves the gradients (ConvKernel::backwardData/backwardWeights).
    layers::ConvGeometry geometry(const Shape& in) const;
    const layers::ConvKernel& kernel() const { return m_kernel; }
    const layers::ConvBnFold& fold() const { return m_fold; }

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    Conv2dOptions m_opt;
    layers::ConvKernel m_kernel; // weights packed for the machine's kernel
    layers::ConvBnFold m_fold;   // the weights with a following BatchNorm folded in

    void run(const Tensor& in, Tensor& out, const BatchNormBase* bn, layers::ConvEpilogue epilogue) const;
};

} // namespace ml
