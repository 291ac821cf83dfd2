#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct FlattenOptions {
    int64_t startDim = 1;
    int64_t endDim = -1;
};

class Flatten final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Flatten";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const FlattenOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    FlattenOptions m_opt;
};

class Identity final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Identity";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

    ShapeResult outputShape(const Shape& in) const override { return {in, {}}; }
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>&) override { return std::nullopt; }
};

} // namespace ml
