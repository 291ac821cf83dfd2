#include "engine/layers/convbnfold.h"

#include "engine/layers/norm.h"

#include <cmath>
#include <cstring>

namespace ml::layers {

ConvBnFold& ConvBnFold::operator=(const ConvBnFold&)
{
    std::lock_guard lock(m_mutex);
    m_weight = Tensor();
    m_bias.clear();
    m_key.clear();
    return *this;
}

bool ConvBnFold::foldable(const BatchNormBase& bn, int64_t channels)
{
    const BatchNormOptions& o = bn.options();
    return o.trackRunningStats && o.numFeatures == channels && bn.hasTensors();
}

int64_t ConvBnFold::folds() const
{
    std::lock_guard lock(m_mutex);
    return m_folds;
}

int64_t ConvBnFold::residualPasses() const
{
    std::lock_guard lock(m_mutex);
    return m_residualPasses;
}

void ConvBnFold::forward(const ConvGeometry& g, const Tensor& weight, const Tensor* bias, const BatchNormBase& bn, const float* in,
                         float* out, ConvEpilogue epilogue) const
{
    const BatchNormOptions& o = bn.options();
    const std::vector<Tensor>& t = bn.tensors();
    const int first = o.affine ? 2 : 0; // running_mean, running_var after weight and bias
    double eps = o.eps;
    uint64_t epsBits = 0;
    std::memcpy(&epsBits, &eps, sizeof eps);
    std::vector<uint64_t> key{weight.version(), bias ? bias->version() : 0, t[first].version(), t[first + 1].version(),
                              o.affine ? t[0].version() : 0, o.affine ? t[1].version() : 0, reinterpret_cast<uintptr_t>(&bn), epsBits};

    std::lock_guard lock(m_mutex);
    if (key != m_key) {
        const float* mean = t[first].data();
        const float* var = t[first + 1].data();
        const float* gamma = o.affine ? t[0].data() : nullptr;
        const float* beta = o.affine ? t[1].data() : nullptr;
        const int64_t per = weight.numel() / g.oc;
        Tensor folded(weight.shape());
        m_bias.assign(static_cast<size_t>(g.oc), 0.0f);
        for (int64_t c = 0; c < g.oc; ++c) {
            // The scale and shift BatchNorm's eval forward applies (BatchNormBase::normalize).
            const double invStd = 1.0 / std::sqrt(double(var[c]) + eps);
            const double scale = invStd * (gamma ? gamma[c] : 1.0f);
            const double shift = (beta ? beta[c] : 0.0f) - double(mean[c]) * scale;
            const float* src = weight.data() + c * per;
            float* dst = folded.data() + c * per;
            for (int64_t i = 0; i < per; ++i)
                dst[i] = static_cast<float>(src[i] * scale);
            m_bias[static_cast<size_t>(c)] = static_cast<float>((bias ? (*bias)[c] : 0.0f) * scale + shift);
        }
        m_finite = allFinite(folded.data(), folded.numel()) && allFinite(m_bias.data(), g.oc);
        m_weight = std::move(folded);
        m_key = std::move(key);
        ++m_folds;
    }
    if (epilogue.residual)
        ++m_residualPasses;
    // oneDNN's ReLU and clip turn NaN into 0. Where one of them is asked for and a NaN or an
    // infinity could reach it (from the input, the residual or the folded weights: a finite
    // convolution of finite values cannot make NaN), the steps run one after another instead.
    const int64_t outCount = g.n * g.oc * g.oh * g.ow;
    const bool exact = !(dropsNaN(epilogue.act) || (epilogue.residual && dropsNaN(epilogue.after)))
                       || (m_finite && allFinite(in, g.n * g.c * g.h * g.w) && (!epilogue.residual || allFinite(epilogue.residual, outCount)));
    if (exact) {
        m_kernel.forward(g, m_weight, m_bias.data(), in, out, epilogue);
        return;
    }
    m_kernel.forward(g, m_weight, m_bias.data(), in, out, {});
    applyActivation(epilogue.act, out, outCount);
    if (epilogue.residual) {
        for (int64_t i = 0; i < outCount; ++i)
            out[i] += epilogue.residual[i];
        applyActivation(epilogue.after, out, outCount);
    }
}

} // namespace ml::layers
