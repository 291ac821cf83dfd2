#pragma once

#include "engine/layers/conv.h"

namespace ml {

struct Conv1dOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t kernelSize = 1;
    int64_t stride = 1;
    int64_t padding = 0;      // explicit padding (zero for 'same' and 'valid')
    bool samePadding = false; // padding='same'
    int64_t dilation = 1;
    int64_t groups = 1;
    bool bias = true;
    PaddingMode paddingMode = PaddingMode::Zeros;
};

// nn.Conv1d over [N, C, L] (or [C, L]); computed as a Conv2d of height 1.
class Conv1d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Conv1d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const Conv1dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    int64_t multAdds(const Shape& in, const Shape& out) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    // The arguments of the equivalent Conv2d with kernel (1, k).
    std::vector<LayerArgument> conv2dArguments() const;
    Conv1dOptions m_opt;
};

} // namespace ml
