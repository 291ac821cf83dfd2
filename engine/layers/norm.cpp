#include "engine/layers/norm.h"

#include "engine/layers/lanesum.h"

#include <cmath>
#include <vector>

namespace ml {

// ---- BatchNorm -------------------------------------------------------------------------

std::vector<ArgSpec> BatchNormBase::argSpecs()
{
    return {
        {"num_features", kAcceptInt, {}, true, ArgValue::ofInt(32), {}, 0, "Number of channels C of the input"},
        {"eps", kAcceptFloat, ArgValue::ofFloat(1e-5), false, {}, {}, 0, "Added to the variance for numerical stability"},
        {"momentum", kAcceptFloat | kAcceptNone, ArgValue::ofFloat(0.1), false, {}, {}, 0,
         "Weight of the new batch in the running statistics (None: cumulative average)"},
        {"affine", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Learnable per-channel scale and shift"},
        {"track_running_stats", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0,
         "Keep running mean and variance for evaluation"},
    };
}

const LayerSchema& BatchNorm1d::staticSchema()
{
    static const LayerSchema s{kTypeName, "Normalization", argSpecs(), layers::makeLayer<BatchNorm1d>};
    return s;
}

const LayerSchema& BatchNorm2d::staticSchema()
{
    static const LayerSchema s{kTypeName, "Normalization", argSpecs(), layers::makeLayer<BatchNorm2d>};
    return s;
}

std::optional<std::string> BatchNormBase::configure(const std::vector<ArgValue>& a)
{
    BatchNormOptions o;
    o.numFeatures = a[0].i;
    o.eps = a[1].number();
    o.momentum = a[2].isNone() ? std::nullopt : std::optional<double>(a[2].number());
    o.affine = a[3].b;
    o.trackRunningStats = a[4].b;
    if (o.numFeatures <= 0)
        return "num_features must be a positive integer, got " + std::to_string(o.numFeatures);
    if (!(o.eps >= 0.0) || std::isinf(o.eps))
        return "eps must be a small non-negative number, got " + a[1].repr();
    m_opt = o;
    return std::nullopt;
}

std::string BatchNormBase::extraRepr() const
{
    return std::to_string(m_opt.numFeatures) + ", eps=" + arg("eps").str() + ", momentum=" + arg("momentum").str()
        + ", affine=" + (m_opt.affine ? "True" : "False") + ", track_running_stats=" + (m_opt.trackRunningStats ? "True" : "False");
}

std::vector<TensorSpec> BatchNormBase::tensorSpecs() const
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

ShapeResult BatchNormBase::outputShape(const Shape& in) const
{
    const std::string name(schema().typeName);
    const std::string me = name + "(" + std::to_string(m_opt.numFeatures) + ")";
    if (!acceptsRank(in.rank())) {
        std::string fix;
        if (in.rank() == 4)
            fix = ": use BatchNorm2d for images";
        else if (acceptsRank(4) && (in.rank() == 2 || in.rank() == 3))
            fix = ": use BatchNorm1d for [N, C] or [N, C, L] inputs";
        return ShapeResult::fail(me + " expects a " + expectedRankText() + " input, but got " + std::to_string(in.rank()) + "D input "
                                 + in.toString() + fix + " (PyTorch: expected " + expectedRankText() + " input (got "
                                 + std::to_string(in.rank()) + "D input))");
    }
    const int64_t c = in[1];
    if (c != m_opt.numFeatures && (m_opt.trackRunningStats || m_opt.affine)) {
        const char* what = m_opt.trackRunningStats ? "running_mean" : "weight";
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels: use " + name + "(" + std::to_string(c)
                                 + ") (PyTorch: " + what + " should contain " + std::to_string(c) + " elements not "
                                 + std::to_string(m_opt.numFeatures) + ")");
    }
    if (!m_opt.trackRunningStats) {
        // PyTorch normalises with batch statistics even in eval mode here.
        int64_t values = in[0];
        for (int i = 2; i < in.rank(); ++i)
            values *= in[i];
        if (values <= 1)
            return ShapeResult::fail(me + " with track_running_stats=False uses batch statistics, which need more than one value per channel; got input "
                                     + in.toString() + ": use a larger batch (PyTorch: Expected more than 1 value per channel when training, got input size torch.Size("
                                     + in.toString() + "))");
    }
    return {in, {}};
}

void BatchNormBase::initTensors(TorchGenerator&)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs()) {
        const bool ones = s.name == "weight" || s.name == "running_var";
        tensors().push_back(Tensor::filled(s.shape, ones ? 1.0f : 0.0f));
    }
}

void BatchNormBase::forward(const Tensor& in, Tensor& out) const
{
    normalize(in, out, !m_opt.trackRunningStats);
}

void BatchNormBase::trainForward(const Tensor& in, Tensor& out) const
{
    normalize(in, out, true);
}

void BatchNormBase::normalize(const Tensor& in, Tensor& out, bool batchStats, double* meanOut, double* varOut) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int64_t n = s[0], c = s[1];
    const int64_t inner = s.product(2, s.rank());
    const float* w = m_opt.affine ? tensors()[0].data() : nullptr;
    const float* b = m_opt.affine ? tensors()[1].data() : nullptr;
    const float* runMean = !batchStats ? tensors()[m_opt.affine ? 2 : 0].data() : nullptr;
    const float* runVar = !batchStats ? tensors()[m_opt.affine ? 3 : 1].data() : nullptr;
    const float* x = in.data();
    float* y = out.data();

    // Per channel y = x * scale + shift; then one pass over the planes in memory order.
    std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
#pragma omp parallel for schedule(static) if (!runMean && n * c * inner > 32768)
    for (int64_t ch = 0; ch < c; ++ch) {
        double mean, var;
        if (runMean) {
            mean = runMean[ch];
            var = runVar[ch];
        } else {
            // Double sums, as PyTorch's CPU kernel accumulates: float sums along a large plane
            // lose digits that a channel whose mean is large against its spread amplifies.
            double sum = 0.0;
            for (int64_t i = 0; i < n; ++i) {
                const float* xp = x + (i * c + ch) * inner;
#pragma omp simd reduction(+ : sum)
                for (int64_t j = 0; j < inner; ++j)
                    sum += xp[j];
            }
            mean = sum / static_cast<double>(n * inner);
            double sq = 0.0;
            for (int64_t i = 0; i < n; ++i) {
                const float* xp = x + (i * c + ch) * inner;
#pragma omp simd reduction(+ : sq)
                for (int64_t j = 0; j < inner; ++j)
                    sq += (xp[j] - mean) * (xp[j] - mean);
            }
            var = sq / static_cast<double>(n * inner);
            if (meanOut)
                meanOut[ch] = mean;
            if (varOut)
                varOut[ch] = var;
        }
        const double invStd = 1.0 / std::sqrt(var + m_opt.eps);
        scale[static_cast<size_t>(ch)] = static_cast<float>(invStd * (w ? w[ch] : 1.0f));
        shift[static_cast<size_t>(ch)] = static_cast<float>((b ? b[ch] : 0.0f) - mean * invStd * (w ? w[ch] : 1.0f));
    }
#pragma omp parallel for schedule(static) if (n * c * inner > 32768)
    for (int64_t plane = 0; plane < n * c; ++plane) {
        const float sc = scale[static_cast<size_t>(plane % c)], sh = shift[static_cast<size_t>(plane % c)];
        const float* xp = x + plane * inner;
        float* yp = y + plane * inner;
        for (int64_t j = 0; j < inner; ++j)
            yp[j] = xp[j] * sc + sh;
    }
}

// ---- LayerNorm -------------------------------------------------------------------------

const LayerSchema& LayerNorm::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Normalization",
        {
            {"normalized_shape", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(64), {}, 0,
             "Trailing dimensions to normalise over, e.g. 64 or (4, 64)"},
            {"eps", kAcceptFloat, ArgValue::ofFloat(1e-5), false, {}, {}, 0, "Added to the variance for numerical stability"},
            {"elementwise_affine", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Learnable per-element scale (and shift)"},
            {"bias", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Learnable shift (with elementwise_affine)"},
        },
        layers::makeLayer<LayerNorm>,
    };
    return s;
}

std::optional<std::string> LayerNorm::configure(const std::vector<ArgValue>& a)
{
    LayerNormOptions o;
    o.normalizedShape = a[0].type == ArgValue::Type::Tuple ? a[0].tuple : std::vector<int64_t>{a[0].i};
    o.eps = a[1].number();
    o.elementwiseAffine = a[2].b;
    o.bias = a[3].b;
    if (o.normalizedShape.empty())
        return std::string("normalized_shape must name at least one dimension, got ()");
    for (int64_t d : o.normalizedShape)
        if (d <= 0)
            return "normalized_shape must contain positive sizes, got " + a[0].repr();
    if (!Shape(o.normalizedShape).numel())
        return "normalized_shape " + a[0].repr() + " has more elements than fit in a 64-bit integer";
    if (!(o.eps >= 0.0) || std::isinf(o.eps))
        return "eps must be a small non-negative number, got " + a[1].repr();
    m_opt = o;
    return std::nullopt;
}

std::string LayerNorm::extraRepr() const
{
    return pythonTupleRepr(m_opt.normalizedShape) + ", eps=" + arg("eps").str()
        + ", elementwise_affine=" + (m_opt.elementwiseAffine ? "True" : "False");
}

std::vector<TensorSpec> LayerNorm::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    if (m_opt.elementwiseAffine) {
        specs.push_back({"weight", Shape(m_opt.normalizedShape)});
        if (m_opt.bias)
            specs.push_back({"bias", Shape(m_opt.normalizedShape)});
    }
    return specs;
}

ShapeResult LayerNorm::outputShape(const Shape& in) const
{
    const std::vector<int64_t>& ns = m_opt.normalizedShape;
    const int k = static_cast<int>(ns.size());
    bool ok = in.rank() >= k;
    for (int i = 0; ok && i < k; ++i)
        ok = in[in.rank() - k + i] == ns[static_cast<size_t>(i)];
    if (ok)
        return {in, {}};
    const std::string nsList = Shape(ns).toString();
    std::string star = "[*";
    for (int64_t d : ns)
        star += ", " + std::to_string(d);
    star += "]";
    std::string fix;
    if (in.rank() >= k) {
        std::vector<int64_t> tail(in.dims().end() - k, in.dims().end());
        fix = ": use LayerNorm(" + (k == 1 ? std::to_string(tail[0]) : pythonTupleRepr(tail)) + ")";
    } else {
        fix = ": the input has fewer dimensions than normalized_shape";
    }
    return ShapeResult::fail("LayerNorm(" + pythonTupleRepr(ns) + ") expects input ending in " + Shape(ns).toString()
                             + ", but got " + in.toString() + fix + " (PyTorch: Given normalized_shape=" + nsList
                             + ", expected input with shape " + star + ", but got input of size" + in.toString() + ")");
}

void LayerNorm::initTensors(TorchGenerator&)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::filled(s.shape, s.name == "weight" ? 1.0f : 0.0f));
}

void LayerNorm::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const int64_t inner = Shape(m_opt.normalizedShape).product(0, static_cast<int>(m_opt.normalizedShape.size()));
    const int64_t rows = inner ? in.numel() / inner : 0;
    const float* w = m_opt.elementwiseAffine ? tensors()[0].data() : nullptr;
    const float* b = m_opt.elementwiseAffine && m_opt.bias ? tensors()[1].data() : nullptr;
    const float* x = in.data();
    float* y = out.data();
#pragma omp parallel for schedule(static) if (in.numel() > 32768)
    for (int64_t row = 0; row < rows; ++row) {
        const float* xp = x + row * inner;
        float* yp = y + row * inner;
        const double mean = layers::laneSumDouble(xp, inner) / static_cast<double>(inner);
        const double var = layers::laneSquaredDeviation(xp, inner, mean) / static_cast<double>(inner);
        const float invStd = static_cast<float>(1.0 / std::sqrt(var + m_opt.eps));
        const float m = static_cast<float>(mean);
        if (w && b) {
            for (int64_t j = 0; j < inner; ++j)
                yp[j] = (xp[j] - m) * invStd * w[j] + b[j];
        } else if (w) {
            for (int64_t j = 0; j < inner; ++j)
                yp[j] = (xp[j] - m) * invStd * w[j];
        } else {
            for (int64_t j = 0; j < inner; ++j)
                yp[j] = (xp[j] - m) * invStd;
        }
    }
}

} // namespace ml
