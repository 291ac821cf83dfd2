#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct ConvTranspose2dOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    layers::Pair kernelSize{1, 1};
    layers::Pair stride{1, 1};
    layers::Pair padding{0, 0};
    layers::Pair outputPadding{0, 0};
    int64_t groups = 1;
    bool bias = true;
    layers::Pair dilation{1, 1};
};

// nn.ConvTranspose2d: the gradient of Conv2d with respect to its input, used to upsample.
class ConvTranspose2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "ConvTranspose2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const ConvTranspose2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    int64_t multAdds(const Shape& in, const Shape& out) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    ConvTranspose2dOptions m_opt;
};

// torchinfo's count for convolutions: parameters x N x the output's spatial elements.
int64_t convMultAdds(int64_t params, const Shape& out, int spatialDims);

} // namespace ml
