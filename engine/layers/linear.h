#pragma once

#include "engine/layers/layerutil.h"
#include "engine/layers/linearkernel.h"

namespace ml {

struct LinearOptions {
    int64_t inFeatures = 0;
    int64_t outFeatures = 0;
    bool bias = true;
};

class Linear final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Linear";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const LinearOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    std::vector<TensorSpec> tensorSpecs() const override;
    ShapeResult outputShape(const Shape& in) const override;
    int64_t multAdds(const Shape& in, const Shape& out) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    void initTensors(TorchGenerator& gen) override;
    const layers::LinearKernel& kernel() const { return m_kernel; }

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    LinearOptions m_opt;
    layers::LinearKernel m_kernel; // batched inputs: the weight packed for the machine's kernel
};

} // namespace ml
