#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct MaxPool2dOptions {
    layers::Pair kernelSize{1, 1};
    layers::Pair stride{1, 1}; // kernel_size when None
    layers::Pair padding{0, 0};
    layers::Pair dilation{1, 1};
    bool ceilMode = false;
};

class MaxPool2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "MaxPool2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const MaxPool2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    MaxPool2dOptions m_opt;
};

struct AvgPool2dOptions {
    layers::Pair kernelSize{1, 1};
    layers::Pair stride{1, 1}; // kernel_size when None
    layers::Pair padding{0, 0};
    bool ceilMode = false;
    bool countIncludePad = true;
    std::optional<int64_t> divisorOverride;
};

class AvgPool2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "AvgPool2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const AvgPool2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    AvgPool2dOptions m_opt;
};

struct AdaptiveAvgPool2dOptions {
    layers::Pair outputSize{1, 1};
};

class AdaptiveAvgPool2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "AdaptiveAvgPool2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const AdaptiveAvgPool2dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    AdaptiveAvgPool2dOptions m_opt;
};

} // namespace ml
