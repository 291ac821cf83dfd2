#pragma once

// Normalisation over groups of channels (nn.GroupNorm) and per image and channel
// (nn.InstanceNorm2d).

#include "engine/layers/layerutil.h"

namespace ml {

struct GroupNormOptions {
    int64_t numGroups = 1;
    int64_t numChannels = 0;
    double eps = 1e-5;
    bool affine = true;
};

class GroupNorm final : public Layer {
public:
    static constexpr std::string_view kTypeName = "GroupNorm";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const GroupNormOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    GroupNormOptions m_opt;
};

struct InstanceNormOptions {
    int64_t numFeatures = 0;
    double eps = 1e-5;
    std::optional<double> momentum = 0.1;
    bool affine = false;
    bool trackRunningStats = false;
};

class InstanceNorm2d final : public Layer {
public:
    static constexpr std::string_view kTypeName = "InstanceNorm2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const InstanceNormOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    InstanceNormOptions m_opt;
};

} // namespace ml
