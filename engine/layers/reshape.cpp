#include "engine/layers/reshape.h"

#include <algorithm>

namespace ml {

const LayerSchema& Flatten::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Reshape",
        {
            {"start_dim", kAcceptInt, ArgValue::ofInt(1), false, {}, {}, 0, "First dimension to flatten (1 keeps the batch)"},
            {"end_dim", kAcceptInt, ArgValue::ofInt(-1), false, {}, {}, 0, "Last dimension to flatten (-1: the last)"},
        },
        layers::makeLayer<Flatten>,
    };
    return s;
}

std::optional<std::string> Flatten::configure(const std::vector<ArgValue>& a)
{
    m_opt = {.startDim = a[0].i, .endDim = a[1].i};
    return std::nullopt;
}

std::string Flatten::extraRepr() const
{
    return "start_dim=" + std::to_string(m_opt.startDim) + ", end_dim=" + std::to_string(m_opt.endDim);
}

ShapeResult Flatten::outputShape(const Shape& in) const
{
    const std::string me = "Flatten(start_dim=" + std::to_string(m_opt.startDim) + ", end_dim=" + std::to_string(m_opt.endDim) + ")";
    int s = 0, e = 0;
    std::string err;
    for (auto [dim, out] : {std::pair{m_opt.startDim, &s}, std::pair{m_opt.endDim, &e}})
        if (!layers::wrapDim(dim, in.rank(), *out, err))
            return ShapeResult::fail(me + " receives a " + std::to_string(in.rank()) + "D input " + in.toString() + ", which has no dimension "
                                     + std::to_string(dim) + ": use start_dim/end_dim between " + std::to_string(-std::max(in.rank(), 1))
                                     + " and " + std::to_string(std::max(in.rank(), 1) - 1) + " (PyTorch: " + err + ")");
    if (s > e)
        return ShapeResult::fail(me + " on a " + std::to_string(in.rank()) + "D input " + in.toString() + " would start at dimension "
                                 + std::to_string(s) + " after its end " + std::to_string(e)
                                 + ": swap start_dim and end_dim (PyTorch: flatten() has invalid args: start_dim cannot come after end_dim)");
    if (in.rank() == 0)
        return {Shape{1}, {}};
    std::vector<int64_t> dims(in.dims().begin(), in.dims().begin() + s);
    dims.push_back(in.product(s, e + 1));
    dims.insert(dims.end(), in.dims().begin() + e + 1, in.dims().end());
    return {Shape(std::move(dims)), {}};
}

void Flatten::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    std::copy_n(in.data(), in.numel(), out.data());
}

const LayerSchema& Identity::staticSchema()
{
    static const LayerSchema s{kTypeName, "Reshape", {}, layers::makeLayer<Identity>};
    return s;
}

void Identity::forward(const Tensor& in, Tensor& out) const
{
    layers::prepareOutput(out, in.shape());
    std::copy_n(in.data(), in.numel(), out.data());
}

} // namespace ml
