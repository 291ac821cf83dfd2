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
    void trainForward(const Tensor& in, Tensor& out) const override { drop(in, out, nullptr); }
    // Training mode: zeroes each element (Dropout2d: each channel of each sample) with
    // probability p and scales the rest by 1 / (1 - p). The factor applied to every element
    // (0 or the scale) goes to `factors` when given, for the backward pass.
    void drop(const Tensor& in, Tensor& out, std::vector<float>* factors) const;

protected:
    static std::vector<ArgSpec> argSpecs();
    virtual bool channelwise() const { return false; }
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

protected:
    bool channelwise() const override { return true; }
};

// The generator of training-mode dropout masks (one per thread). ModuleLab's own: for a seed
// the masks are reproducible but differ from PyTorch's.
void seedDropout(uint64_t seed);

} // namespace ml
