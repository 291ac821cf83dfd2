#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

// Element-wise activations: the output has the input's shape.
class ElementwiseLayer : public Layer {
public:
    ShapeResult outputShape(const Shape& in) const override { return {in, {}}; }
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    // Applies the function to n contiguous values.
    virtual void apply(const float* x, float* y, int64_t n) const = 0;
};

struct ReLUOptions {
    bool inplace = false;
};

class ReLU final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "ReLU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const ReLUOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    ReLUOptions m_opt;
};

struct LeakyReLUOptions {
    double negativeSlope = 0.01;
    bool inplace = false;
};

class LeakyReLU final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "LeakyReLU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const LeakyReLUOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    LeakyReLUOptions m_opt;
};

struct GELUOptions {
    bool tanhApproximation = false; // approximate='tanh'
};

class GELU final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "GELU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const GELUOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    GELUOptions m_opt;
};

struct SiLUOptions {
    bool inplace = false;
};

class SiLU final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "SiLU";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const SiLUOptions& options() const { return m_opt; }
    std::string extraRepr() const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    void apply(const float* x, float* y, int64_t n) const override;

private:
    SiLUOptions m_opt;
};

class Sigmoid final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "Sigmoid";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>&) override { return std::nullopt; }
    void apply(const float* x, float* y, int64_t n) const override;
};

class Tanh final : public ElementwiseLayer {
public:
    static constexpr std::string_view kTypeName = "Tanh";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>&) override { return std::nullopt; }
    void apply(const float* x, float* y, int64_t n) const override;
};

struct SoftmaxOptions {
    std::optional<int64_t> dim; // None: PyTorch's legacy choice (0 for 0D, 1D and 3D inputs, else 1)
};

// nn.Softmax and nn.LogSoftmax: normalised along one dimension.
class SoftmaxBase : public Layer {
public:
    const SoftmaxOptions& options() const { return m_opt; }
    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    // The dimension used for an input of this rank (after None and negative resolution).
    int resolvedDim(int rank) const;

protected:
    static std::vector<ArgSpec> argSpecs();
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    virtual bool isLog() const = 0;

private:
    SoftmaxOptions m_opt;
};

class Softmax final : public SoftmaxBase {
public:
    static constexpr std::string_view kTypeName = "Softmax";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool isLog() const override { return false; }
};

class LogSoftmax final : public SoftmaxBase {
public:
    static constexpr std::string_view kTypeName = "LogSoftmax";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool isLog() const override { return true; }
};

} // namespace ml
