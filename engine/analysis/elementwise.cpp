#include "engine/analysis/elementwise.h"

#include <cmath>

namespace ml::detail {

float powScalar(float x, double e)
{
    if (e == 0.0)
        return 1.0f;
    if (e == 1.0)
        return x;
    if (e == 0.5)
        return std::sqrt(x);
    if (e == -0.5)
        return 1.0f / std::sqrt(x);
    if (e == -1.0)
        return 1.0f / x;
    if (e == 2.0)
        return x * x;
    if (e == 3.0)
        return x * x * x;
    if (e == -2.0)
        return 1.0f / (x * x);
    return static_cast<float>(std::pow(static_cast<double>(x), e));
}

float elementwise(Elementwise f, float x, double exponent)
{
    switch (f) {
    case Elementwise::Pow: return powScalar(x, exponent);
    case Elementwise::Sqrt: return std::sqrt(x);
    case Elementwise::Rsqrt: return 1.0f / std::sqrt(x);
    case Elementwise::Exp: return std::exp(x);
    case Elementwise::Log: return std::log(x);
    }
    return x;
}

OpResult elementwiseOp(Elementwise f, const Value& x, double exponent)
{
    Value v = Value::ofTensor(x.shape, nullptr);
    if (x.data) {
        auto t = std::make_shared<Tensor>(x.shape);
        const float* in = x.data->data();
        float* out = t->data();
        for (int64_t k = 0; k < t->numel(); ++k)
            out[k] = elementwise(f, in[k], exponent);
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

} // namespace ml::detail
