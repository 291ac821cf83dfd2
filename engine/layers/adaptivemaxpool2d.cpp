#include "engine/layers/adaptivemaxpool2d.h"

#include "engine/layers/adaptivewindow.h"

#include <cmath>
#include <limits>

namespace ml {

using layers::Pair;

const LayerSchema& AdaptiveMaxPool2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {{"output_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofTuple({1, 1}), {}, 2,
          "Target output size H x W, whatever the input size (None keeps that dimension)"},
         {"return_indices", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
          "Also return the argmax indices (not supported in a model graph)"}},
        layers::makeLayer<AdaptiveMaxPool2d>,
    };
    return s;
}

std::optional<std::string> AdaptiveMaxPool2d::configure(const std::vector<ArgValue>& a)
{
    const Pair p = layers::pairOf(a[0]);
    if (a[1].b)
        return std::string("AdaptiveMaxPool2d: return_indices=True makes the layer return a tuple (output, indices), which a model graph cannot pass on: use return_indices=False");
    const bool noneOk = a[0].type == ArgValue::Type::Tuple;
    if ((p.h < 0 && !(noneOk && p.h == kTupleNone)) || (p.w < 0 && !(noneOk && p.w == kTupleNone)))
        return "AdaptiveMaxPool2d: output_size must not be negative, got " + a[0].repr()
            + " (PyTorch: Trying to create tensor with negative dimension " + std::to_string(p.h < 0 ? p.h : p.w) + ")";
    if (p.h > INT32_MAX || p.w > INT32_MAX)
        return "AdaptiveMaxPool2d: output_size " + a[0].repr() + " is too large";
    m_opt.outputSize = p;
    return std::nullopt;
}

std::string AdaptiveMaxPool2d::extraRepr() const { return "output_size=" + arg("output_size").repr(); }

ShapeResult AdaptiveMaxPool2d::outputShape(const Shape& in) const
{
    const std::string me = "AdaptiveMaxPool2d(" + arg("output_size").repr() + ")";
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString() + " (PyTorch: adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                                 + in.toString() + ")");
    const int r = in.rank();
    for (int d = 1; d < r; ++d)
        if (in[d] <= 0)
            return ShapeResult::fail(me + " receives an empty input " + in.toString()
                                     + ": check the layers before it (PyTorch: adaptive_max_pool2d(): Expected input to have non-zero size for "
                                       "non-batch dimensions, but input has sizes " + in.toString() + " with dimension "
                                     + std::to_string(d) + " being empty)");
    Shape out = in;
    out[r - 2] = m_opt.outputSize.h == kTupleNone ? in[r - 2] : m_opt.outputSize.h;
    out[r - 1] = m_opt.outputSize.w == kTupleNone ? in[r - 1] : m_opt.outputSize.w;
    if (!out.numel())
        return ShapeResult::fail(me + ": the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

void AdaptiveMaxPool2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = r.shape[rank - 2], ow = r.shape[rank - 1];
    layers::adaptivePool2d(in.data(), out.data(), s.product(0, rank - 2), h, w, oh, ow,
                           [](const float* x, int64_t stride, const layers::AdaptiveWindow& rows, const layers::AdaptiveWindow& cols) {
                               float best = -std::numeric_limits<float>::infinity();
                               for (int64_t iy = rows.begin; iy < rows.end; ++iy)
                                   for (int64_t ix = cols.begin; ix < cols.end; ++ix) {
                                       const float v = x[iy * stride + ix];
                                       if (v > best || std::isnan(v))
                                           best = v;
                                   }
                               return best;
                           });
}

} // namespace ml
