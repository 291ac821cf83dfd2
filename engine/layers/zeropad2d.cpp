#include "engine/layers/zeropad2d.h"

#include <algorithm>

namespace ml {

const LayerSchema& ZeroPad2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Reshape",
        {{"padding", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(1), {}, 4,
          "Zeros added on each side, or (left, right, top, bottom); negative values crop"}},
        layers::makeLayer<ZeroPad2d>,
    };
    return s;
}

std::optional<std::string> parsePad2d(const ArgValue& a, ZeroPad2dOptions& out)
{
    ZeroPad2dOptions o;
    if (a.type == ArgValue::Type::Tuple)
        o = {a.tuple[0], a.tuple[1], a.tuple[2], a.tuple[3]};
    else
        o = {a.i, a.i, a.i, a.i};
    for (int64_t v : {o.left, o.right, o.top, o.bottom})
        if (v > INT32_MAX || v < -INT32_MAX)
            return "padding " + a.repr() + " is too large";
    out = o;
    return std::nullopt;
}

std::string pad2dRepr(const ZeroPad2dOptions& o)
{
    return pythonTupleRepr({o.left, o.right, o.top, o.bottom});
}

std::optional<std::string> ZeroPad2d::configure(const std::vector<ArgValue>& a)
{
    return parsePad2d(a[0], m_opt);
}

std::string ZeroPad2d::extraRepr() const
{
    return pad2dRepr(m_opt);
}

ShapeResult ZeroPad2d::outputShape(const Shape& in) const
{
    const std::string me = "ZeroPad2d(" + extraRepr() + ")";
    if (in.rank() < 2)
        return ShapeResult::fail(me + " pads two dimensions, but the input " + in.toString()
                                 + " has fewer (PyTorch: Padding length too large)");
    Shape out = in;
    const int64_t h = in.at(-2) + m_opt.top + m_opt.bottom, w = in.at(-1) + m_opt.left + m_opt.right;
    if (h < 0 || w < 0)
        return ShapeResult::fail(me + " crops the " + std::to_string(in.at(-2)) + " x " + std::to_string(in.at(-1))
                                 + " input to nothing: use less negative padding");
    if (in.at(-2) > INT32_MAX || in.at(-1) > INT32_MAX)
        return ShapeResult::fail(me + " receives an input too large to process: " + in.toString());
    out[in.rank() - 2] = h;
    out[in.rank() - 1] = w;
    return {out, {}};
}

void ZeroPad2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int64_t h = s.at(-2), w = s.at(-1), oh = r.shape.at(-2), ow = r.shape.at(-1);
    const int64_t planes = s.product(0, s.rank() - 2);
    const float* x = in.data();
    float* y = out.data();
    std::fill_n(y, out.numel(), 0.0f);
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t oy = 0; oy < oh; ++oy) {
            const int64_t iy = oy - m_opt.top;
            if (iy < 0 || iy >= h)
                continue;
            for (int64_t ox = std::max<int64_t>(0, m_opt.left); ox < std::min(ow, w + m_opt.left); ++ox)
                y[(p * oh + oy) * ow + ox] = x[(p * h + iy) * w + ox - m_opt.left];
        }
}

} // namespace ml
