#pragma once

#include "engine/layers/layerutil.h"

namespace ml {

struct BatchNormOptions {
    int64_t numFeatures = 0;
    double eps = 1e-5;
    std::optional<double> momentum = 0.1; // None: cumulative moving average
    bool affine = true;
    bool trackRunningStats = true;
};

// nn.BatchNorm1d and nn.BatchNorm2d: the same options, different accepted input ranks.
class BatchNormBase : public Layer {
public:
    const BatchNormOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void trainForward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;
    // Normalises with the batch's statistics or the running ones. With batch statistics the
    // per-channel mean and biased variance are stored in mean and var (numFeatures each) if given.
    void normalize(const Tensor& in, Tensor& out, bool batchStats, double* mean = nullptr, double* var = nullptr) const;

protected:
    static std::vector<ArgSpec> argSpecs();
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;
    virtual bool acceptsRank(int rank) const = 0;
    virtual std::string expectedRankText() const = 0; // "4D", "2D or 3D"

private:
    BatchNormOptions m_opt;
};

class BatchNorm1d final : public BatchNormBase {
public:
    static constexpr std::string_view kTypeName = "BatchNorm1d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool acceptsRank(int rank) const override { return rank == 2 || rank == 3; }
    std::string expectedRankText() const override { return "2D or 3D"; }
};

class BatchNorm2d final : public BatchNormBase {
public:
    static constexpr std::string_view kTypeName = "BatchNorm2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }

protected:
    bool acceptsRank(int rank) const override { return rank == 4; }
    std::string expectedRankText() const override { return "4D"; }
};

struct LayerNormOptions {
    std::vector<int64_t> normalizedShape;
    double eps = 1e-5;
    bool elementwiseAffine = true;
    bool bias = true;
};

class LayerNorm final : public Layer {
public:
    static constexpr std::string_view kTypeName = "LayerNorm";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const LayerNormOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    LayerNormOptions m_opt;
};

} // namespace ml
