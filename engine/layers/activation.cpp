#include "engine/layers/activation.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ml {

namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

ArgSpec inplaceSpec()
{
    return {"inplace", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
            "Overwrite the input (saves memory; no effect on the result)"};
}

constexpr int64_t kChunk = 16384;

} // namespace

void ElementwiseLayer::forward(const Tensor& in, Tensor& out) const
{
    layers::prepareOutput(out, in.shape());
    const int64_t n = in.numel();
    const float* x = in.data();
    float* y = out.data();
#pragma omp parallel for schedule(static) if (n > 4 * kChunk)
    for (int64_t i = 0; i < n; i += kChunk)
        apply(x + i, y + i, std::min(kChunk, n - i));
}

// ---- ReLU ------------------------------------------------------------------------------

const LayerSchema& ReLU::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", {inplaceSpec()}, layers::makeLayer<ReLU>};
    return s;
}

std::optional<std::string> ReLU::configure(const std::vector<ArgValue>& a)
{
    m_opt = {.inplace = a[0].b};
    return std::nullopt;
}

std::string ReLU::extraRepr() const { return m_opt.inplace ? "inplace=True" : ""; }

void ReLU::apply(const float* x, float* y, int64_t n) const
{
    ArrayMap(y, n) = ConstArrayMap(x, n).max(0.0f);
}

// ---- LeakyReLU -------------------------------------------------------------------------

const LayerSchema& LeakyReLU::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Activation",
        {{"negative_slope", kAcceptFloat, ArgValue::ofFloat(0.01), false, {}, {}, 0, "Slope for negative inputs"}, inplaceSpec()},
        layers::makeLayer<LeakyReLU>,
    };
    return s;
}

std::optional<std::string> LeakyReLU::configure(const std::vector<ArgValue>& a)
{
    if (!std::isfinite(a[0].number()))
        return "negative_slope must be a finite number, got " + a[0].repr();
    m_opt = {.negativeSlope = a[0].number(), .inplace = a[1].b};
    return std::nullopt;
}

std::string LeakyReLU::extraRepr() const
{
    return "negative_slope=" + arg("negative_slope").str() + (m_opt.inplace ? ", inplace=True" : "");
}

void LeakyReLU::apply(const float* x, float* y, int64_t n) const
{
    const float slope = static_cast<float>(m_opt.negativeSlope);
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

// ---- GELU ------------------------------------------------------------------------------

const LayerSchema& GELU::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Activation",
        {{"approximate", kAcceptStr, ArgValue::ofStr("none"), false, {}, {"none", "tanh"}, 0,
          "'none': exact x*Phi(x) with erf; 'tanh': the tanh approximation"}},
        layers::makeLayer<GELU>,
    };
    return s;
}

std::optional<std::string> GELU::configure(const std::vector<ArgValue>& a)
{
    if (a[0].s != "none" && a[0].s != "tanh")
        return std::string("approximate argument must be either none or tanh.");
    m_opt = {.tanhApproximation = a[0].s == "tanh"};
    return std::nullopt;
}

std::string GELU::extraRepr() const { return "approximate=" + arg("approximate").repr(); }

void GELU::apply(const float* x, float* y, int64_t n) const
{
    if (m_opt.tanhApproximation) {
        const float kBeta = static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5); // sqrt(2/pi)
        const float kKappa = 0.044715f;
        ConstArrayMap xv(x, n);
        ArrayMap(y, n) = 0.5f * xv * (1.0f + (kBeta * (xv + kKappa * xv.cube())).tanh());
        return;
    }
    const float kAlpha = static_cast<float>(M_SQRT1_2);
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * 0.5f * (1.0f + std::erf(x[i] * kAlpha));
}

// ---- SiLU, Sigmoid, Tanh ---------------------------------------------------------------

const LayerSchema& SiLU::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", {inplaceSpec()}, layers::makeLayer<SiLU>};
    return s;
}

std::optional<std::string> SiLU::configure(const std::vector<ArgValue>& a)
{
    m_opt = {.inplace = a[0].b};
    return std::nullopt;
}

std::string SiLU::extraRepr() const { return m_opt.inplace ? "inplace=True" : ""; }

void SiLU::apply(const float* x, float* y, int64_t n) const
{
    ConstArrayMap xv(x, n);
    ArrayMap(y, n) = xv / (1.0f + (-xv).exp());
}

const LayerSchema& Sigmoid::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", {}, layers::makeLayer<Sigmoid>};
    return s;
}

void Sigmoid::apply(const float* x, float* y, int64_t n) const
{
    ArrayMap(y, n) = ConstArrayMap(x, n).logistic();
}

const LayerSchema& Tanh::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", {}, layers::makeLayer<Tanh>};
    return s;
}

void Tanh::apply(const float* x, float* y, int64_t n) const
{
    ArrayMap(y, n) = ConstArrayMap(x, n).tanh();
}

// ---- Softmax, LogSoftmax ---------------------------------------------------------------

std::vector<ArgSpec> SoftmaxBase::argSpecs()
{
    return {{"dim", kAcceptInt | kAcceptNone, ArgValue::none(), false, {}, {}, 0,
             "Dimension along which the values sum to 1 (usually 1 or -1)"}};
}

const LayerSchema& Softmax::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<Softmax>};
    return s;
}

const LayerSchema& LogSoftmax::staticSchema()
{
    static const LayerSchema s{kTypeName, "Activation", argSpecs(), layers::makeLayer<LogSoftmax>};
    return s;
}

std::optional<std::string> SoftmaxBase::configure(const std::vector<ArgValue>& a)
{
    m_opt.dim = a[0].isNone() ? std::nullopt : std::optional<int64_t>(a[0].i);
    return std::nullopt;
}

std::string SoftmaxBase::extraRepr() const { return "dim=" + arg("dim").repr(); }

int SoftmaxBase::resolvedDim(int rank) const
{
    if (!m_opt.dim)
        return rank == 0 || rank == 1 || rank == 3 ? 0 : 1; // torch.nn.functional._get_softmax_dim
    int d = 0;
    std::string err;
    return layers::wrapDim(*m_opt.dim, rank, d, err) ? d : -1;
}

ShapeResult SoftmaxBase::outputShape(const Shape& in) const
{
    const int64_t dim = m_opt.dim ? *m_opt.dim : resolvedDim(in.rank());
    int d = 0;
    std::string err;
    if (!layers::wrapDim(dim, in.rank(), d, err)) {
        const int r = std::max(in.rank(), 1);
        return ShapeResult::fail(std::string(schema().typeName) + "(dim=" + std::to_string(dim) + ") receives a "
                                 + std::to_string(in.rank()) + "D input " + in.toString() + ": use a dim between "
                                 + std::to_string(-r) + " and " + std::to_string(r - 1) + " (PyTorch: " + err + ")");
    }
    return {in, {}};
}

void SoftmaxBase::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int d = resolvedDim(s.rank());
    const int64_t len = s.rank() == 0 ? 1 : s[d];
    const int64_t outer = s.rank() == 0 ? 1 : s.product(0, d);
    const int64_t inner = s.rank() == 0 ? 1 : s.product(d + 1, s.rank());
    const bool log = isLog();
    const float* x = in.data();
    float* y = out.data();
#pragma omp parallel for collapse(2) schedule(static) if (in.numel() > 32768)
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const float* xp = x + o * len * inner + i;
            float* yp = y + o * len * inner + i;
            float mx = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < len; ++k)
                mx = std::max(mx, xp[k * inner]);
            double sum = 0.0;
            for (int64_t k = 0; k < len; ++k)
                sum += std::exp(static_cast<double>(xp[k * inner] - mx));
            if (log) {
                const float lse = static_cast<float>(std::log(sum));
                for (int64_t k = 0; k < len; ++k)
                    yp[k * inner] = xp[k * inner] - mx - lse;
            } else {
                const double inv = 1.0 / sum;
                for (int64_t k = 0; k < len; ++k)
                    yp[k * inner] = static_cast<float>(std::exp(static_cast<double>(xp[k * inner] - mx)) * inv);
            }
        }
    }
}

} // namespace ml
