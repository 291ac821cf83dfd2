#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct DropoutOptions {
    double p = 0.5;
    bool inplace = false;
};

// nn.Dropout and nn.Dropout2d: identities in eval mode.
class DropoutBase : public Layer {
public:
    const DropoutOptions& options() const { return m_opt; }
    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override { return {in, {}}; }
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    static std::vector<ArgSpec> argSpecs();
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    DropoutOptions m_opt;
};

class Dropout final : public DropoutBase {
public:
    static constexpr std::string_view kTypeName = "Dropout";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
};

class Dropout2d final : public DropoutBase {
public:
    static constexpr std::string_view kTypeName = "Dropout2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
};

} // namespace ml
