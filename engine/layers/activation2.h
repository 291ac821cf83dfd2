#pragma once

// More torch.nn activations: ReLU6, ELU, SELU, Hardswish, Hardsigmoid, Softplus, Mish (element
// by element) and PReLU (a learnable slope per channel).

#include "engine/layers/activation.h"

namespace ml {

// Activations whose only argument is `inplace`; whether repr shows it differs per class.
class InplaceActivation : public ElementwiseLayer {
public:
    bool inplace() const { return m_inplace; }
    std::string extraRepr() const override;

protected:
    static std::vector<ArgSpec> argSpecs();
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    virtual bool reprShowsInplace() const { return true; }

private:
    bool m_inplace = false;
};

class ReLU6 final : public InplaceActivation {
public:
    static constexpr std::string_view kTypeName = "ReLU6";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    void apply(const float* x, float* y, int64_t n) const override;
};

class SELU final : public InplaceActivation {
public:
    static constexpr std::string_view kTypeName = "SELU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    void apply(const float* x, float* y, int64_t n) const override;
};

class Hardswish final : public InplaceActivation {
public:
    static constexpr std::string_view kTypeName = "Hardswish";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool reprShowsInplace() const override { return false; } // PyTorch prints "Hardswish()"
    void apply(const float* x, float* y, int64_t n) const override;
};

class Hardsigmoid final : public InplaceActivation {
public:
    static constexpr std::string_view kTypeName = "Hardsigmoid";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool reprShowsInplace() const override { return false; }
    void apply(const float* x, float* y, int64_t n) const override;
};

class Mish final : public InplaceActivation {
public:
    static constexpr std::string_view kTypeName = "Mish";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    void apply(const float* x, float* y, int64_t n) const override;
};

struct ELUOptions {
    double alpha = 1.0;
    bool inplace = false;
};

class ELU final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "ELU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const ELUOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    ELUOptions m_opt;
};

struct SoftplusOptions {
    double beta = 1.0;
    double threshold = 20.0;
};

class Softplus final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "Softplus";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const SoftplusOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    SoftplusOptions m_opt;
};

struct PReLUOptions {
    int64_t numParameters = 1;
    double init = 0.25;
};

class PReLU final : public Layer {
public:
    static constexpr std::string_view kTypeName = "PReLU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const PReLUOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    PReLUOptions m_opt;
};

} // namespace ml
