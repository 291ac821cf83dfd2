#include "engine/layers/linear.h"

#include "engine/layers/gemm.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <omp.h>

namespace ml {

namespace {
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
} // namespace

const LayerSchema& Linear::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Linear",
        {
            {"in_features", kAcceptInt, {}, true, ArgValue::ofInt(128), {}, 0, "Size of each input sample (the last dimension)"},
            {"out_features", kAcceptInt, {}, true, ArgValue::ofInt(10), {}, 0, "Size of each output sample"},
            {"bias", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Adds a learnable bias"},
        },
        layers::makeLayer<Linear>,
    };
    return s;
}

std::optional<std::string> Linear::configure(const std::vector<ArgValue>& a)
{
    LinearOptions o{.inFeatures = a[0].i, .outFeatures = a[1].i, .bias = a[2].b};
    if (o.inFeatures <= 0)
        return "in_features must be a positive integer, got " + std::to_string(o.inFeatures);
    if (o.outFeatures <= 0)
        return "out_features must be a positive integer, got " + std::to_string(o.outFeatures);
    int64_t n = 0;
    if (!checkedMul(o.inFeatures, o.outFeatures, n) || (o.bias && !checkedAdd(n, o.outFeatures, n)))
        return "Linear(" + std::to_string(o.inFeatures) + ", " + std::to_string(o.outFeatures)
            + ") would have more parameters than fit in a 64-bit integer";
    m_opt = o;
    return std::nullopt;
}

std::string Linear::extraRepr() const
{
    return "in_features=" + std::to_string(m_opt.inFeatures) + ", out_features=" + std::to_string(m_opt.outFeatures)
        + ", bias=" + (m_opt.bias ? "True" : "False");
}

std::vector<TensorSpec> Linear::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    specs.push_back({"weight", Shape{m_opt.outFeatures, m_opt.inFeatures}});
    if (m_opt.bias)
        specs.push_back({"bias", Shape{m_opt.outFeatures}});
    return specs;
}

ShapeResult Linear::outputShape(const Shape& in) const
{
    const std::string in_ = std::to_string(m_opt.inFeatures), out_ = std::to_string(m_opt.outFeatures);
    if (in.rank() == 0)
        return ShapeResult::fail("Linear(in_features=" + in_ + ") receives a scalar (0D input): it needs at least one dimension of "
                                 + in_ + " features (PyTorch: both arguments to matmul need to be at least 1D, but they are 0D and 2D)");
    const int64_t f = in.at(-1);
    if (f != m_opt.inFeatures) {
        int64_t rows = 1;
        for (int i = 0; i + 1 < in.rank(); ++i)
            if (!checkedMul(rows, in[i], rows))
                rows = INT64_MAX;
        return ShapeResult::fail("Linear(in_features=" + in_ + ") receives " + std::to_string(f) + " features: use Linear("
                                 + std::to_string(f) + ", " + out_ + ")" + (in.rank() > 2 ? " or flatten the input first" : "")
                                 + " (PyTorch: mat1 and mat2 shapes cannot be multiplied (" + std::to_string(rows) + "x"
                                 + std::to_string(f) + " and " + in_ + "x" + out_ + "))");
    }
    Shape out = in;
    out[in.rank() - 1] = m_opt.outFeatures;
    if (!out.numel())
        return ShapeResult::fail("Linear: the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

int64_t Linear::multAdds(const Shape&, const Shape& out) const
{
    int64_t v = m_opt.inFeatures * m_opt.outFeatures; // checked in configure
    if (m_opt.bias)
        v += m_opt.outFeatures;
    for (int i = 0; i + 1 < out.rank(); ++i)
        if (!checkedMul(v, out[i], v))
            return INT64_MAX;
    return v;
}

void Linear::initTensors(TorchGenerator& gen)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::zeros(s.shape));
    layers::kaimingUniformA5(tensors()[0], m_opt.inFeatures, gen);
    if (m_opt.bias)
        layers::uniformFill(tensors()[1], 1.0 / std::sqrt(static_cast<double>(m_opt.inFeatures)), gen);
}

void Linear::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const int64_t k = m_opt.inFeatures, n = m_opt.outFeatures;
    const int64_t m = k ? in.numel() / k : 0;
    const float* w = tensors()[0].data();
    const float* b = m_opt.bias ? tensors()[1].data() : nullptr;
    if (m <= 8) {
        // Few rows: bound by reading the weight once. Threads take blocks of output features;
        // each block of the weight is reused by every row while it is in cache.
        constexpr int64_t kRows = 16, kCols = 4096;
        const float* x = in.data();
        float* y = out.data();
#pragma omp parallel for schedule(static) if (n * k > 65536)
        for (int64_t j0 = 0; j0 < n; j0 += kRows) {
            const int64_t len = std::min(kRows, n - j0);
            for (int64_t row = 0; row < m; ++row)
                Eigen::Map<Vector>(y + row * n + j0, len).setZero();
            for (int64_t c0 = 0; c0 < k; c0 += kCols) {
                const int64_t width = std::min(kCols, k - c0);
                Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>> wb(w + j0 * k + c0, len, width, Eigen::OuterStride<>(k));
                for (int64_t row = 0; row < m; ++row)
                    Eigen::Map<Vector>(y + row * n + j0, len).noalias() += wb * Eigen::Map<const Vector>(x + row * k + c0, width);
            }
            if (b)
                for (int64_t row = 0; row < m; ++row)
                    Eigen::Map<Vector>(y + row * n + j0, len) += Eigen::Map<const Vector>(b + j0, len);
        }
        return;
    }
    // Batches: a matrix product with the weight packed once (see linearkernel.h).
    m_kernel.forward(m, n, k, tensors()[0], b, in.data(), out.data());
}

} // namespace ml
