#pragma once

// Pooling over [N, C, L] sequences: nn.MaxPool1d and nn.AvgPool1d, computed as the 2D pools
// over a height of 1.

#include "engine/layers/layerutil.h"

namespace ml {

struct Pool1dOptions {
    int64_t kernelSize = 1;
    int64_t stride = 1; // kernel_size when None
    int64_t padding = 0;
    int64_t dilation = 1;
    bool ceilMode = false;
    bool countIncludePad = true;
};

class MaxPool1d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "MaxPool1d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const Pool1dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    Pool1dOptions m_opt;
};

class AvgPool1d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "AvgPool1d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const Pool1dOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    Pool1dOptions m_opt;
};

} // namespace ml
