#include "engine/layers/dropout.h"

#include <algorithm>

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

} // namespace ml
