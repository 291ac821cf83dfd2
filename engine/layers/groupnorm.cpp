#include "engine/layers/groupnorm.h"

#include "engine/layers/lanesum.h"

#include <cmath>

namespace ml {

namespace {

// Mean and 1 / sqrt(biased variance + eps) of n values, in double.
struct Moments {
    double mean = 0.0, invStd = 0.0;
};
Moments moments(const float* x, int64_t n, double eps)
{
    const double mean = layers::laneSumDouble(x, n) / static_cast<double>(n);
    const double var = layers::laneSquaredDeviation(x, n, mean) / static_cast<double>(n);
    return {mean, 1.0 / std::sqrt(var + eps)};
}

// y = x_hat * scale + shift over n values with the given moments.
void apply(const float* x, float* y, int64_t n, const Moments& mo, float scale, float shift)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = static_cast<float>((x[i] - mo.mean) * mo.invStd) * scale + shift;
}

// Normalises n values (biased variance, in double) and applies y = x_hat * scale + shift.
void normalise(const float* x, float* y, int64_t n, double eps, float scale, float shift)
{
    apply(x, y, n, moments(x, n, eps), scale, shift);
}

void fillNormTensors(Layer& l)
{
    l.tensors().clear();
    for (const TensorSpec& s : l.tensorSpecs()) {
        const bool ones = s.name == "weight" || s.name == "running_var";
        l.tensors().push_back(Tensor::filled(s.shape, ones ? 1.0f : 0.0f));
    }
}

ArgSpec epsArg()
{
    return {"eps", kAcceptFloat, ArgValue::ofFloat(1e-5), false, {}, {}, 0, "Added to the variance for numerical stability"};
}

} // namespace

// ---- GroupNorm -----------------------------------------------------------------------------

const LayerSchema& GroupNorm::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Normalization",
        {
            {"num_groups", kAcceptInt, {}, true, ArgValue::ofInt(8), {}, 0, "Groups the channels are split into"},
            {"num_channels", kAcceptInt, {}, true, ArgValue::ofInt(32), {}, 0, "Channels of the input (C of [N, C, ...])"},
            epsArg(),
            {"affine", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Learnable per-channel scale and shift"},
        },
        layers::makeLayer<GroupNorm>,
    };
    return s;
}

std::optional<std::string> GroupNorm::configure(const std::vector<ArgValue>& a)
{
    if (a[0].i == 0)
        return std::string("num_groups must not be 0 (PyTorch: integer modulo by zero)");
    if (a[0].i < 0)
        return "num_groups must be a positive integer, got " + std::to_string(a[0].i);
    if (a[1].i % a[0].i != 0)
        return std::string("num_channels must be divisible by num_groups");
    if (a[0].i < 0 || a[1].i <= 0)
        return "num_groups and num_channels must be positive integers, got " + std::to_string(a[0].i) + " and " + std::to_string(a[1].i);
    if (!(a[2].number() >= 0.0) || !std::isfinite(a[2].number()))
        return "eps must be a non-negative number, got " + a[2].repr();
    m_opt = {.numGroups = a[0].i, .numChannels = a[1].i, .eps = a[2].number(), .affine = a[3].b};
    return std::nullopt;
}

std::string GroupNorm::extraRepr() const
{
    return std::to_string(m_opt.numGroups) + ", " + std::to_string(m_opt.numChannels) + ", eps=" + arg("eps").repr()
        + ", affine=" + (m_opt.affine ? "True" : "False");
}

std::vector<TensorSpec> GroupNorm::tensorSpecs() const
{
    if (!m_opt.affine)
        return {};
    return {{"weight", Shape{m_opt.numChannels}}, {"bias", Shape{m_opt.numChannels}}};
}

ShapeResult GroupNorm::outputShape(const Shape& in) const
{
    const std::string me = "GroupNorm(" + std::to_string(m_opt.numGroups) + ", " + std::to_string(m_opt.numChannels) + ")";
    if (in.rank() < 2)
        return ShapeResult::fail(me + " expects an input [N, C, ...], but got " + in.toString()
                                 + " (PyTorch: Dimension out of range (expected to be in range of [" + std::to_string(-std::max(in.rank(), 1))
                                 + ", " + std::to_string(std::max(in.rank(), 1) - 1) + "], but got 1))");
    const int64_t c = in[1];
    if (c % m_opt.numGroups != 0)
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels, not a multiple of " + std::to_string(m_opt.numGroups)
                                 + " groups: use GroupNorm(" + std::to_string(m_opt.numGroups) + ", " + std::to_string(c)
                                 + ") if that is the right count (PyTorch: Expected number of channels in input to be divisible by "
                                   "num_groups, but got input of shape " + in.toString() + " and num_groups="
                                 + std::to_string(m_opt.numGroups) + ")");
    if (c != m_opt.numChannels && m_opt.affine)
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels: use GroupNorm(" + std::to_string(m_opt.numGroups)
                                 + ", " + std::to_string(c) + ") (PyTorch: Expected weight to be a vector of size equal to the number of "
                                   "channels in input, but got weight of shape [" + std::to_string(m_opt.numChannels)
                                 + "] and input of shape " + in.toString() + ")");
    return {in, {}};
}

void GroupNorm::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int64_t n = s[0], c = s[1], inner = s.product(2, s.rank());
    const int64_t perGroup = c / m_opt.numGroups;
    const float* w = m_opt.affine ? tensors()[0].data() : nullptr;
    const float* b = m_opt.affine ? tensors()[1].data() : nullptr;
#pragma omp parallel for schedule(static) if (in.numel() > 65536)
    for (int64_t t = 0; t < n * m_opt.numGroups; ++t) {
        const float* x = in.data() + t * perGroup * inner;
        float* y = out.data() + t * perGroup * inner;
        // Statistics over the whole group, then each channel's affine in the same pass.
        const Moments mo = moments(x, perGroup * inner, m_opt.eps);
        const int64_t c0 = (t % m_opt.numGroups) * perGroup;
        for (int64_t k = 0; k < perGroup; ++k)
            apply(x + k * inner, y + k * inner, inner, mo, w ? w[c0 + k] : 1.0f, w ? b[c0 + k] : 0.0f);
    }
}

void GroupNorm::initTensors(TorchGenerator&) { fillNormTensors(*this); }

// ---- InstanceNorm2d ------------------------------------------------------------------------

const LayerSchema& InstanceNorm2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Normalization",
        {
            {"num_features", kAcceptInt, {}, true, ArgValue::ofInt(32), {}, 0, "Channels of the input (C of [N, C, H, W])"},
            epsArg(),
            {"momentum", kAcceptFloat | kAcceptNone, ArgValue::ofFloat(0.1), false, {}, {}, 0,
             "Weight of the newest batch in the running statistics"},
            {"affine", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0, "Learnable per-channel scale and shift"},
            {"track_running_stats", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
             "Keep running statistics and use them in eval mode"},
        },
        layers::makeLayer<InstanceNorm2d>,
    };
    return s;
}

std::optional<std::string> InstanceNorm2d::configure(const std::vector<ArgValue>& a)
{
    if (a[0].i <= 0)
        return "num_features must be a positive integer, got " + std::to_string(a[0].i);
    if (!(a[1].number() >= 0.0) || !std::isfinite(a[1].number()))
        return "eps must be a non-negative number, got " + a[1].repr();
    InstanceNormOptions o{.numFeatures = a[0].i, .eps = a[1].number(), .momentum = std::nullopt, .affine = a[3].b,
                          .trackRunningStats = a[4].b};
    if (!a[2].isNone())
        o.momentum = a[2].number();
    m_opt = o;
    return std::nullopt;
}

std::string InstanceNorm2d::extraRepr() const
{
    return std::to_string(m_opt.numFeatures) + ", eps=" + arg("eps").repr() + ", momentum=" + arg("momentum").repr()
        + ", affine=" + (m_opt.affine ? "True" : "False") + ", track_running_stats=" + (m_opt.trackRunningStats ? "True" : "False");
}

std::vector<TensorSpec> InstanceNorm2d::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    const Shape c{m_opt.numFeatures};
    if (m_opt.affine) {
        specs.push_back({"weight", c});
        specs.push_back({"bias", c});
    }
    if (m_opt.trackRunningStats) {
        specs.push_back({"running_mean", c, true});
        specs.push_back({"running_var", c, true});
        specs.push_back({"num_batches_tracked", Shape{}, true, true});
    }
    return specs;
}

ShapeResult InstanceNorm2d::outputShape(const Shape& in) const
{
    const std::string me = "InstanceNorm2d(" + std::to_string(m_opt.numFeatures) + ")";
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString() + " (PyTorch: expected 3D or 4D input (got " + std::to_string(in.rank())
                                 + "D input))");
    const int64_t n = in.rank() == 4 ? in[0] : 1, c = in.at(-3);
    if (c != m_opt.numFeatures && (m_opt.affine || m_opt.trackRunningStats)) {
        const std::string what = m_opt.affine ? "weight" : "running_mean";
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels: use InstanceNorm2d(" + std::to_string(c)
                                 + ") (PyTorch: " + what + " should contain " + std::to_string(n * c) + " elements not "
                                 + std::to_string(n * m_opt.numFeatures) + ")");
    }
    return {in, {}};
}

void InstanceNorm2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int64_t c = s.at(-3), inner = s.at(-2) * s.at(-1);
    const int64_t planes = in.numel() / std::max<int64_t>(inner, 1);
    const float* w = m_opt.affine ? tensors()[0].data() : nullptr;
    const float* b = m_opt.affine ? tensors()[1].data() : nullptr;
    const float* runMean = m_opt.trackRunningStats ? tensors()[m_opt.affine ? 2 : 0].data() : nullptr;
    const float* runVar = m_opt.trackRunningStats ? tensors()[m_opt.affine ? 3 : 1].data() : nullptr;
#pragma omp parallel for schedule(static) if (in.numel() > 65536)
    for (int64_t p = 0; p < planes; ++p) {
        const int64_t ch = p % c;
        const float scale = w ? w[ch] : 1.0f, shift = b ? b[ch] : 0.0f;
        const float* x = in.data() + p * inner;
        float* y = out.data() + p * inner;
        if (runMean) { // eval mode with running statistics, as BatchNorm
            const float inv = static_cast<float>(1.0 / std::sqrt(static_cast<double>(runVar[ch]) + m_opt.eps));
            for (int64_t i = 0; i < inner; ++i)
                y[i] = (x[i] - runMean[ch]) * inv * scale + shift;
        } else {
            normalise(x, y, inner, m_opt.eps, scale, shift);
        }
    }
}

void InstanceNorm2d::initTensors(TorchGenerator&) { fillNormTensors(*this); }

} // namespace ml
