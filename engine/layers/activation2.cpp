#include "engine/layers/activation2.h"

#include <algorithm>
#include <cmath>

namespace ml {

namespace {

ArgSpec inplaceArg()
{
    return {"inplace", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
            "Overwrite the input (saves memory; no effect on the result)"};
}

ArgSpec floatArg(std::string_view name, ArgValue def, std::string_view help)
{
    return {name, kAcceptFloat, std::move(def), false, {}, {}, 0, help};
}

} // namespace

// ---- the inplace-only family ---------------------------------------------------------------

std::vector<ArgSpec> InplaceActivation::argSpecs() { return {inplaceArg()}; }

std::optional<std::string> InplaceActivation::configure(const std::vector<ArgValue>& a)
{
    m_inplace = a[0].b;
    return std::nullopt;
}

std::string InplaceActivation::extraRepr() const { return m_inplace && reprShowsInplace() ? "inplace=True" : ""; }

const LayerSchema& ReLU6::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<ReLU6>};
    return s;
}

void ReLU6::apply(const float* x, float* y, int64_t n) const
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = std::isnan(x[i]) ? x[i] : std::min(std::max(x[i], 0.0f), 6.0f);
}

const LayerSchema& SELU::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<SELU>};
    return s;
}

void SELU::apply(const float* x, float* y, int64_t n) const
{
    const float alpha = 1.6732632423543772848170429916717f;
    const float scale = 1.0507009873554804934193349852946f;
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? scale * x[i] : scale * alpha * std::expm1(x[i]);
}

const LayerSchema& Hardswish::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<Hardswish>};
    return s;
}

void Hardswish::apply(const float* x, float* y, int64_t n) const
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
}

const LayerSchema& Hardsigmoid::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<Hardsigmoid>};
    return s;
}

void Hardsigmoid::apply(const float* x, float* y, int64_t n) const
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
}

const LayerSchema& Mish::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<Mish>};
    return s;
}

void Mish::apply(const float* x, float* y, int64_t n) const
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * std::tanh(std::log1p(std::exp(x[i])));
}

// ---- ELU -----------------------------------------------------------------------------------

const LayerSchema& ELU::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Activation",
        {floatArg("alpha", ArgValue::ofFloat(1.0), "Value approached for large negative inputs (times -1)"), inplaceArg()},
        layers::makeLayer<ELU>,
    };
    return s;
}

std::optional<std::string> ELU::configure(const std::vector<ArgValue>& a)
{
    if (!std::isfinite(a[0].number()))
        return "alpha must be a finite number, got " + a[0].repr();
    m_opt = {.alpha = a[0].number(), .inplace = a[1].b};
    return std::nullopt;
}

std::string ELU::extraRepr() const { return "alpha=" + arg("alpha").str() + (m_opt.inplace ? ", inplace=True" : ""); }

void ELU::apply(const float* x, float* y, int64_t n) const
{
    const float alpha = static_cast<float>(m_opt.alpha);
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? x[i] : alpha * std::expm1(x[i]);
}

// ---- Softplus ------------------------------------------------------------------------------

const LayerSchema& Softplus::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Activation",
        {floatArg("beta", ArgValue::ofInt(1), "Sharpness: log(1 + exp(beta * x)) / beta"),
         floatArg("threshold", ArgValue::ofInt(20), "Above beta * x > threshold the output is x")},
        layers::makeLayer<Softplus>,
    };
    return s;
}

std::optional<std::string> Softplus::configure(const std::vector<ArgValue>& a)
{
    if (!std::isfinite(a[0].number()) || !std::isfinite(a[1].number()))
        return "beta and threshold must be finite numbers, got " + a[0].repr() + " and " + a[1].repr();
    m_opt = {.beta = a[0].number(), .threshold = a[1].number()};
    return std::nullopt;
}

std::string Softplus::extraRepr() const
{
    return "beta=" + arg("beta").str() + ", threshold=" + arg("threshold").str();
}

void Softplus::apply(const float* x, float* y, int64_t n) const
{
    const float beta = static_cast<float>(m_opt.beta);
    const float threshold = static_cast<float>(m_opt.threshold);
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * beta > threshold ? x[i] : std::log1p(std::exp(x[i] * beta)) / beta;
}

// ---- PReLU ---------------------------------------------------------------------------------

const LayerSchema& PReLU::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Activation",
        {{"num_parameters", kAcceptInt, ArgValue::ofInt(1), false, {}, {}, 0,
          "1: one learnable slope for all channels; or the number of input channels"},
         floatArg("init", ArgValue::ofFloat(0.25), "Initial slope for negative inputs")},
        layers::makeLayer<PReLU>,
    };
    return s;
}

std::optional<std::string> PReLU::configure(const std::vector<ArgValue>& a)
{
    if (a[0].i <= 0)
        return "num_parameters must be a positive integer, got " + std::to_string(a[0].i);
    if (!std::isfinite(a[1].number()))
        return "init must be a finite number, got " + a[1].repr();
    m_opt = {.numParameters = a[0].i, .init = a[1].number()};
    return std::nullopt;
}

std::string PReLU::extraRepr() const { return "num_parameters=" + std::to_string(m_opt.numParameters); }

std::vector<TensorSpec> PReLU::tensorSpecs() const { return {{"weight", Shape{m_opt.numParameters}}}; }

ShapeResult PReLU::outputShape(const Shape& in) const
{
    if (m_opt.numParameters == 1)
        return {in, {}};
    const std::string me = "PReLU(num_parameters=" + std::to_string(m_opt.numParameters) + ")";
    if (in.rank() == 0)
        return ShapeResult::fail(me + " receives a scalar: it needs a channel dimension"
                                 " (PyTorch: Not allow zero-dim input tensor.)");
    const int64_t channels = in.rank() >= 2 ? in[1] : 1;
    if (channels != m_opt.numParameters)
        return ShapeResult::fail(me + " receives " + std::to_string(channels) + " channels: use PReLU("
                                 + std::to_string(channels) + ") or PReLU() (PyTorch: Mismatch of parameter numbers and input channel size. "
                                 "Found parameter numbers = " + std::to_string(m_opt.numParameters) + " and channel size = "
                                 + std::to_string(channels) + ".)");
    return {in, {}};
}

void PReLU::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int64_t channels = m_opt.numParameters == 1 ? 1 : (s.rank() >= 2 ? s[1] : s[0]);
    const int64_t inner = m_opt.numParameters == 1 || s.rank() < 2 ? 1 : s.product(2, s.rank());
    const float* w = tensors()[0].data();
    const float* x = in.data();
    float* y = out.data();
    const int64_t n = in.numel();
    for (int64_t i = 0; i < n; ++i) {
        const float slope = m_opt.numParameters == 1 ? w[0] : w[(i / inner) % channels];
        y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    }
}

void PReLU::initTensors(TorchGenerator&)
{
    tensors().clear();
    tensors().push_back(Tensor::filled(Shape{m_opt.numParameters}, static_cast<float>(m_opt.init)));
}

} // namespace ml
