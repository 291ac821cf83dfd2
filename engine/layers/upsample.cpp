#include "engine/layers/upsample.h"

#include <algorithm>
#include <cmath>

namespace ml {

// ---- Upsample ------------------------------------------------------------------------------

const LayerSchema& Upsample::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Reshape",
        {
            {"size", kAcceptInt | kAcceptTuple | kAcceptNone, ArgValue::none(), false, {}, {}, 0, "Output size (H, W); or give scale_factor"},
            {"scale_factor", kAcceptFloat | kAcceptTuple | kAcceptNone, ArgValue::none(), false, ArgValue::ofInt(2), {}, 0,
             "Multiplier for the spatial size; or give size"},
            {"mode", kAcceptStr, ArgValue::ofStr("nearest"), false, {}, {}, 0, "'nearest' or 'bilinear'"},
            {"align_corners", kAcceptBool | kAcceptNone, ArgValue::none(), false, {}, {}, 0,
             "bilinear only: align the corner pixels of input and output"},
            {"recompute_scale_factor", kAcceptBool | kAcceptNone, ArgValue::none(), false, {}, {}, 0,
             "True: interpolate with the scale recomputed from the output size"},
        },
        layers::makeLayer<Upsample>,
    };
    return s;
}

std::optional<std::string> Upsample::configure(const std::vector<ArgValue>& a)
{
    UpsampleOptions o;
    if (a[0].type == ArgValue::Type::Int)
        o.size = {a[0].i};
    else if (a[0].type == ArgValue::Type::Tuple)
        o.size = a[0].tuple;
    for (int64_t v : o.size)
        if (v <= 0)
            return "size must be positive, got " + a[0].repr();
    if (a[1].type == ArgValue::Type::Tuple) {
        for (int64_t v : a[1].tuple)
            o.scaleFactor.push_back(static_cast<double>(v));
    } else if (!a[1].isNone() && a[1].number() != 0.0) { // PyTorch: float(scale_factor) if scale_factor else None
        o.scaleFactor = {a[1].number()};
    }
    for (double v : o.scaleFactor)
        if (!std::isfinite(v) || v <= 0.0)
            return "scale_factor must be a positive number, got " + a[1].repr();
    if (a[2].s == "nearest")
        o.mode = UpsampleMode::Nearest;
    else if (a[2].s == "bilinear")
        o.mode = UpsampleMode::Bilinear;
    else
        return "mode='" + a[2].s + "' is not supported by ModuleLab yet: use 'nearest' or 'bilinear'";
    if (!a[3].isNone())
        o.alignCorners = a[3].b;
    if (!a[4].isNone() && a[4].b)
        return std::string("recompute_scale_factor=True is not supported by ModuleLab yet");
    m_opt = o;
    return std::nullopt;
}

namespace {

std::string floatTupleRepr(const std::vector<double>& v)
{
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + pythonFloatRepr(v[i]);
    return s + (v.size() == 1 ? ",)" : ")");
}

} // namespace

std::string Upsample::extraRepr() const
{
    std::string s;
    if (!m_opt.scaleFactor.empty())
        s = "scale_factor=" + (arg("scale_factor").type == ArgValue::Type::Tuple ? floatTupleRepr(m_opt.scaleFactor)
                                                                                 : pythonFloatRepr(m_opt.scaleFactor[0]));
    else
        s = "size=" + arg("size").repr();
    return s + ", mode=" + arg("mode").s;
}

double Upsample::givenScale(size_t d, size_t dims) const
{
    if (m_opt.scaleFactor.empty())
        return 0.0;
    return m_opt.scaleFactor.size() == 1 ? m_opt.scaleFactor[0] : (d < dims ? m_opt.scaleFactor[d] : 0.0);
}

ShapeResult Upsample::outputShape(const Shape& in) const
{
    const std::string me = "Upsample(" + extraRepr() + ")";
    const std::string modes = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";
    if (m_opt.size.empty() && m_opt.scaleFactor.empty())
        return ShapeResult::fail(me + ": give size or scale_factor (PyTorch: either size or scale_factor should be defined)");
    if (!m_opt.size.empty() && !m_opt.scaleFactor.empty())
        return ShapeResult::fail(me + ": give size or scale_factor, not both (PyTorch: only one of size or scale_factor should be defined)");
    if (m_opt.alignCorners && m_opt.mode == UpsampleMode::Nearest)
        return ShapeResult::fail(me + ": align_corners needs mode='bilinear' (PyTorch: align_corners option can only be set with the "
                                      "interpolating modes: linear | bilinear | bicubic | trilinear)");
    if (in.rank() < 3 || in.rank() > 5)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W], but got a " + std::to_string(in.rank()) + "D input "
                                 + in.toString() + " (PyTorch: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                 + std::to_string(in.rank()) + "D) for the modes: " + modes + " (got " + arg("mode").s + "))");
    const size_t dims = static_cast<size_t>(in.rank() - 2);
    if (m_opt.mode == UpsampleMode::Bilinear && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W], but got " + in.toString() + " (PyTorch: Got "
                                 + std::to_string(in.rank()) + "D input, but bilinear mode needs 4D input)");
    if (in.rank() == 5)
        return ShapeResult::fail(me + ": 5D (volumetric) inputs are not supported by ModuleLab yet");
    const auto spatialText = [&](const std::vector<int64_t>& d) {
        std::string s = "[";
        for (size_t i = 0; i < d.size(); ++i)
            s += (i ? ", " : "") + std::to_string(d[i]);
        return s + "]";
    };
    std::vector<int64_t> inSpatial(in.dims().begin() + 2, in.dims().end());
    if (m_opt.size.size() > 1 && m_opt.size.size() != dims)
        return ShapeResult::fail(me + " gives " + std::to_string(m_opt.size.size()) + " output sizes for " + std::to_string(dims)
                                 + " spatial dimensions (PyTorch: Input and output must have the same number of spatial dimensions, "
                                   "but got input with spatial dimensions of " + spatialText(inSpatial) + " and output size of "
                                 + arg("size").repr() + ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                                   "size in (o1, o2, ...,oK) format.)");
    if (m_opt.scaleFactor.size() > 1 && m_opt.scaleFactor.size() != dims)
        return ShapeResult::fail(me + " gives " + std::to_string(m_opt.scaleFactor.size()) + " scale factors for " + std::to_string(dims)
                                 + " spatial dimensions (PyTorch: Input and scale_factor must have the same number of spatial "
                                   "dimensions, but got input with spatial dimensions of " + spatialText(inSpatial)
                                 + " and scale_factor of shape " + floatTupleRepr(m_opt.scaleFactor)
                                 + ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.)");
    Shape out = in;
    for (size_t d = 0; d < dims; ++d) {
        const double v = m_opt.size.empty() ? std::floor(static_cast<double>(inSpatial[d]) * givenScale(d, dims))
                                            : static_cast<double>(m_opt.size[m_opt.size.size() == 1 ? 0 : d]);
        if (v > INT32_MAX || inSpatial[d] > INT32_MAX)
            return ShapeResult::fail(me + ": the output would be too large");
        out[static_cast<int>(d) + 2] = static_cast<int64_t>(v);
    }
    bool empty = false;
    for (int d = 2; d < in.rank(); ++d)
        empty = empty || in[d] <= 0 || out[d] <= 0;
    if (empty) {
        const std::string torchMsg = dims == 2
            ? "Input and output sizes should be greater than 0, but got input (H: " + std::to_string(in[2]) + ", W: "
                + std::to_string(in[3]) + ") output (H: " + std::to_string(out[2]) + ", W: " + std::to_string(out[3]) + ")"
            : "Input and output sizes should be greater than 0, but got input (W: " + std::to_string(in[2]) + ") and output (W: "
                + std::to_string(out[2]) + ")";
        return ShapeResult::fail(me + " turns " + in.toString() + " into " + out.toString() + ": use a larger scale_factor or size (PyTorch: "
                                 + torchMsg + ")");
    }
    if (!out.numel())
        return ShapeResult::fail(me + ": the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

namespace upsample {


// ATen's compute_scales_value / area_pixel_compute_scale, in float as for float32 tensors.
float sourceScale(int64_t in, int64_t out, double given, bool alignCorners)
{
    if (alignCorners)
        return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
    return given > 0.0 ? static_cast<float>(1.0 / given) : static_cast<float>(in) / static_cast<float>(out);
}

int64_t nearestIndex(int64_t o, int64_t in, int64_t out, float scale)
{
    if (out == in)
        return o;
    if (out == 2 * in)
        return o >> 1;
    return std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)), in - 1);
}

std::vector<LinearTap> linearTaps(int64_t in, int64_t out, float scale, bool alignCorners)
{
    std::vector<LinearTap> taps(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o) {
        float src = alignCorners ? scale * static_cast<float>(o) : scale * (static_cast<float>(o) + 0.5f) - 0.5f;
        if (!alignCorners && src < 0.0f)
            src = 0.0f;
        const int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
        const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
        const float l1 = std::min(std::max(src - static_cast<float>(i0), 0.0f), 1.0f);
        taps[static_cast<size_t>(o)] = {i0, i1, 1.0f - l1, l1};
    }
    return taps;
}

} // namespace upsample

void Upsample::forward(const Tensor& in, Tensor& out) const
{
    using namespace upsample;
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const bool twoD = s.rank() == 4;
    const int64_t planes = s[0] * s[1];
    const int64_t ih = twoD ? s[2] : 1, iw = s.at(-1);
    const int64_t oh = twoD ? r.shape[2] : 1, ow = r.shape.at(-1);
    const size_t dims = twoD ? 2 : 1;
    const bool align = m_opt.alignCorners.value_or(false);
    const float scaleH = twoD ? sourceScale(ih, oh, givenScale(0, dims), align) : 1.0f;
    const float scaleW = sourceScale(iw, ow, givenScale(dims - 1, dims), align);
    const float* x = in.data();
    float* y = out.data();
    if (m_opt.mode == UpsampleMode::Nearest) {
        std::vector<int64_t> cols(static_cast<size_t>(ow));
        for (int64_t o = 0; o < ow; ++o)
            cols[static_cast<size_t>(o)] = nearestIndex(o, iw, ow, scaleW);
#pragma omp parallel for schedule(static) if (planes * oh * ow > 65536)
        for (int64_t p = 0; p < planes; ++p)
            for (int64_t oy = 0; oy < oh; ++oy) {
                const float* src = x + (p * ih + (twoD ? nearestIndex(oy, ih, oh, scaleH) : 0)) * iw;
                float* dst = y + (p * oh + oy) * ow;
                for (int64_t ox = 0; ox < ow; ++ox)
                    dst[ox] = src[cols[static_cast<size_t>(ox)]];
            }
        return;
    }
    const std::vector<LinearTap> rows = linearTaps(ih, oh, scaleH, align);
    const std::vector<LinearTap> cols = linearTaps(iw, ow, scaleW, align);
#pragma omp parallel for schedule(static) if (planes * oh * ow > 65536)
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t oy = 0; oy < oh; ++oy) {
            const LinearTap& ry = rows[static_cast<size_t>(oy)];
            const float* r0 = x + (p * ih + ry.i0) * iw;
            const float* r1 = x + (p * ih + ry.i1) * iw;
            float* dst = y + (p * oh + oy) * ow;
            for (int64_t ox = 0; ox < ow; ++ox) {
                const LinearTap& cx = cols[static_cast<size_t>(ox)];
                dst[ox] = ry.w0 * (cx.w0 * r0[cx.i0] + cx.w1 * r0[cx.i1]) + ry.w1 * (cx.w0 * r1[cx.i0] + cx.w1 * r1[cx.i1]);
            }
        }
}

// ---- PixelShuffle --------------------------------------------------------------------------

const LayerSchema& PixelShuffle::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Reshape",
        {{"upscale_factor", kAcceptInt, {}, true, ArgValue::ofInt(2), {}, 0,
          "r: [N, C*r*r, H, W] becomes [N, C, H*r, W*r]"}},
        layers::makeLayer<PixelShuffle>,
    };
    return s;
}

std::optional<std::string> PixelShuffle::configure(const std::vector<ArgValue>& a)
{
    if (a[0].i > 65536)
        return "upscale_factor " + std::to_string(a[0].i) + " is too large";
    m_opt = {.upscaleFactor = a[0].i};
    return std::nullopt;
}

std::string PixelShuffle::extraRepr() const { return "upscale_factor=" + std::to_string(m_opt.upscaleFactor); }

ShapeResult PixelShuffle::outputShape(const Shape& in) const
{
    const int64_t f = m_opt.upscaleFactor;
    const std::string me = "PixelShuffle(" + std::to_string(f) + ")";
    if (in.rank() < 3)
        return ShapeResult::fail(me + " expects an input [N, C, H, W], but got " + in.toString()
                                 + " (PyTorch: pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                                 + std::to_string(in.rank()) + " dimension(s))");
    if (f <= 0)
        return ShapeResult::fail(me + ": use a positive upscale_factor (PyTorch: pixel_shuffle expects a positive upscale_factor, but got "
                                 + std::to_string(f) + ")");
    const int64_t c = in.at(-3);
    if (c % (f * f) != 0)
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels, which is not a multiple of " + std::to_string(f * f)
                                 + " (PyTorch: pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                                   "upscale_factor, but input.size(-3)=" + std::to_string(c) + " is not divisible by "
                                 + std::to_string(f * f) + ")");
    Shape out = in;
    out[in.rank() - 3] = c / (f * f);
    if (in.at(-2) > INT64_MAX / f || in.at(-1) > INT64_MAX / f)
        return ShapeResult::fail(me + ": the output would be too large");
    out[in.rank() - 2] = in.at(-2) * f;
    out[in.rank() - 1] = in.at(-1) * f;
    return {out, {}};
}

void PixelShuffle::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const int64_t f = m_opt.upscaleFactor;
    const Shape& s = in.shape();
    const int64_t h = s.at(-2), w = s.at(-1), oc = r.shape.at(-3);
    const int64_t batches = s.product(0, s.rank() - 3);
    const float* x = in.data();
    float* y = out.data();
    for (int64_t b = 0; b < batches; ++b)
        for (int64_t c = 0; c < oc; ++c)
            for (int64_t i = 0; i < f; ++i)
                for (int64_t j = 0; j < f; ++j) {
                    const float* src = x + ((b * oc + c) * f * f + i * f + j) * h * w;
                    for (int64_t yy = 0; yy < h; ++yy)
                        for (int64_t xx = 0; xx < w; ++xx)
                            y[((b * oc + c) * h * f + yy * f + i) * w * f + xx * f + j] = src[yy * w + xx];
                }
}

} // namespace ml
