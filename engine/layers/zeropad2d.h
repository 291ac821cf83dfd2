#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct ZeroPad2dOptions {
    int64_t left = 0, right = 0, top = 0, bottom = 0; // negative values crop
};

// The padding argument of the 2-d padding layers: an int for all four sides or a 4-tuple
// (left, right, top, bottom). Returns an error message or nullopt; repr as PyTorch prints it.
std::optional<std::string> parsePad2d(const ArgValue& padding, ZeroPad2dOptions& out);
std::string pad2dRepr(const ZeroPad2dOptions& o);

// nn.ZeroPad2d: zeros around the last two dimensions.
class ZeroPad2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "ZeroPad2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const ZeroPad2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    ZeroPad2dOptions m_opt;
};

} // namespace ml
