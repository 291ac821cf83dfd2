#include "engine/layers/dropout.h"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <random>

namespace ml {

std::vector<ArgSpec> DropoutBase::argSpecs()
{
    return {
        {"p", kAcceptFloat, ArgValue::ofFloat(0.5), false, {}, {}, 0, "Probability of zeroing an element while training"},
        {"inplace", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0, "Overwrite the input"},
    };
}

const LayerSchema& Dropout::staticSchema()
{
    static const LayerSchema s{kTypeName, "Regularization", argSpecs(), layers::makeLayer<Dropout>};
    return s;
}

const LayerSchema& Dropout2d::staticSchema()
{
    static const LayerSchema s{kTypeName, "Regularization", argSpecs(), layers::makeLayer<Dropout2d>};
    return s;
}

std::optional<std::string> DropoutBase::configure(const std::vector<ArgValue>& a)
{
    const double p = a[0].number();
    if (!(p >= 0.0 && p <= 1.0))
        return "dropout probability has to be between 0 and 1, but got " + a[0].str();
    m_opt = {.p = p, .inplace = a[1].b};
    return std::nullopt;
}

std::string DropoutBase::extraRepr() const
{
    return "p=" + arg("p").str() + ", inplace=" + (m_opt.inplace ? "True" : "False");
}

void DropoutBase::forward(const Tensor& in, Tensor& out) const
{
    layers::prepareOutput(out, in.shape());
    std::copy_n(in.data(), in.numel(), out.data());
}

namespace {
// Each thread draws from its own stream. A thread nobody seeded starts a stream no other thread
// has used (the first one seed 0, the next seed 1, ...), so two runs on fresh threads drop
// different elements, as two calls in one PyTorch process do; seedDropout makes a thread's
// draws reproducible.
std::mt19937_64& dropoutGenerator()
{
    static std::atomic<uint64_t> nextStream{0};
    thread_local std::mt19937_64 gen(nextStream.fetch_add(1, std::memory_order_relaxed));
    return gen;
}
} // namespace

void seedDropout(uint64_t seed)
{
    dropoutGenerator().seed(seed);
}

void DropoutBase::drop(const Tensor& in, Tensor& out, std::vector<float>* factors) const
{
    layers::prepareOutput(out, in.shape());
    const Shape& s = in.shape();
    const int64_t n = in.numel();
    // Dropout2d zeroes whole planes: every element of a (sample, channel) pair shares a draw.
    const int64_t group = channelwise() && s.rank() >= 3 ? s.product(s.rank() >= 4 ? 2 : 1, s.rank()) : 1;
    const float scale = m_opt.p < 1.0 ? static_cast<float>(1.0 / (1.0 - m_opt.p)) : 0.0f;
    std::mt19937_64& gen = dropoutGenerator();
    // A draw below p * 2^64 drops; p = 1 drops everything without drawing.
    const uint64_t threshold = m_opt.p < 1.0 ? static_cast<uint64_t>(std::ldexp(m_opt.p, 64)) : 0;
    if (factors)
        factors->resize(static_cast<size_t>(n));
    const float* x = in.data();
    float* y = out.data();
    for (int64_t g = 0; g < (group ? n / group : 0); ++g) {
        const bool keep = m_opt.p <= 0.0 || (m_opt.p < 1.0 && gen() >= threshold);
        const float f = keep ? scale : 0.0f;
        for (int64_t j = g * group; j < (g + 1) * group; ++j) {
            y[j] = x[j] * f;
            if (factors)
                (*factors)[static_cast<size_t>(j)] = f;
        }
    }
}

} // namespace ml
