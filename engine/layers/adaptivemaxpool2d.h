#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct AdaptiveMaxPool2dOptions {
    layers::Pair outputSize{1, 1}; // kTupleNone keeps the input's size
};

// nn.AdaptiveMaxPool2d: the maximum over windows that divide the input into output_size cells.
class AdaptiveMaxPool2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "AdaptiveMaxPool2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const AdaptiveMaxPool2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    AdaptiveMaxPool2dOptions m_opt;
};

} // namespace ml
