#include "engine/layers/pooling.h"

#include "engine/layers/adaptivewindow.h"
#include "engine/layers/lanesum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ml {

using layers::Pair;

namespace {

ArgSpec kernelSpec()
{
    return {"kernel_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(2), {}, 2, "Size of the pooling window"};
}
ArgSpec strideSpec()
{
    return {"stride", kAcceptInt | kAcceptTuple | kAcceptNone, ArgValue::none(), false, {}, {}, 2,
            "Step of the window (None: kernel_size)"};
}
ArgSpec paddingSpec()
{
    return {"padding", kAcceptInt | kAcceptTuple, ArgValue::ofInt(0), false, {}, {}, 2,
            "Implicit padding on both sides (at most half the kernel)"};
}
ArgSpec ceilSpec()
{
    return {"ceil_mode", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
            "Round the output size up instead of down"};
}

std::string withTorch(const std::string& layer, const std::string& plain, const std::string& torch)
{
    return layer + ": " + plain + " (PyTorch: " + torch + ")";
}

// The checks ATen's pooling shape functions make, done once from the options.
std::optional<std::string> checkPoolGeometry(const std::string& layer, Pair k, Pair s, Pair p, Pair d)
{
    if (s.h == 0 || s.w == 0)
        return withTorch(layer, "stride must be positive", "stride should not be zero");
    if (s.h < 0 || s.w < 0)
        return withTorch(layer, "stride must be positive",
                         "stride should be greater than zero, but got dH: " + std::to_string(s.h) + " dW: " + std::to_string(s.w));
    if (k.h <= 0 || k.w <= 0)
        return withTorch(layer, "kernel_size must be positive",
                         "kernel size should be greater than zero, but got kH: " + std::to_string(k.h) + " kW: " + std::to_string(k.w));
    if (d.h <= 0 || d.w <= 0)
        return withTorch(layer, "dilation must be positive",
                         "dilation should be greater than zero, but got dilationH: " + std::to_string(d.h)
                             + " dilationW: " + std::to_string(d.w));
    for (auto [pad, ks] : {std::pair{p.h, k.h}, std::pair{p.w, k.w}}) {
        if (pad < 0)
            return withTorch(layer, "padding must not be negative", "pad must be non-negative, but got pad: " + std::to_string(pad));
        if (pad > ks / 2)
            return withTorch(layer, "padding " + std::to_string(pad) + " is more than half of kernel_size " + std::to_string(ks)
                                 + ": use padding <= " + std::to_string(ks / 2) + " or a larger kernel",
                             "pad should be at most half of kernel size, but got pad=" + std::to_string(pad)
                                 + " and kernel_size=" + std::to_string(ks));
    }
    if (k.h > INT64_MAX / 4 / d.h || k.w > INT64_MAX / 4 / d.w || s.h > INT64_MAX / 4 || s.w > INT64_MAX / 4)
        return layer + ": kernel_size, stride or dilation is too large";
    return std::nullopt;
}

// Shape of a 2D pooling over a 3D or 4D input.
ShapeResult poolShape(const std::string& me, const Shape& in, Pair k, Pair s, Pair p, Pair d, bool ceil, const std::string& rankError)
{
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString() + " (PyTorch: " + rankError + ")");
    const int r = in.rank();
    const int64_t c = in[r - 3], h = in[r - 2], w = in[r - 1];
    if (c <= 0 || h <= 0 || w <= 0)
        return ShapeResult::fail(me + " receives an empty input " + in.toString() + ": check the layers before it");
    if (h > INT64_MAX / 4 || w > INT64_MAX / 4)
        return ShapeResult::fail(me + " receives an input too large to process: " + in.toString());
    const int64_t oh = layers::poolOutputSize(h, k.h, p.h, s.h, d.h, ceil);
    const int64_t ow = layers::poolOutputSize(w, k.w, p.w, s.w, d.w, ceil);
    if (oh < 1 || ow < 1)
        return ShapeResult::fail(me + " on a " + std::to_string(h) + " x " + std::to_string(w) + " input gives an empty output ("
                                 + std::to_string(oh) + " x " + std::to_string(ow)
                                 + "): use a smaller kernel_size, padding, or fewer downsampling layers before it"
                                 + " (PyTorch: Given input size: (" + layers::joinX({c, h, w}) + "). Calculated output size: ("
                                 + layers::joinX({c, oh, ow}) + "). Output size is too small)");
    Shape out = in;
    out[r - 2] = oh;
    out[r - 1] = ow;
    return {out, {}};
}

} // namespace

// ---- MaxPool2d -------------------------------------------------------------------------

const LayerSchema& MaxPool2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {
            kernelSpec(),
            strideSpec(),
            paddingSpec(),
            {"dilation", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 2, "Spacing between window elements"},
            {"return_indices", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
             "Also return the argmax indices (not supported in a model graph)"},
            ceilSpec(),
        },
        layers::makeLayer<MaxPool2d>,
    };
    return s;
}

std::optional<std::string> MaxPool2d::configure(const std::vector<ArgValue>& a)
{
    MaxPool2dOptions o;
    o.kernelSize = layers::pairOf(a[0]);
    o.stride = a[1].isNone() || (a[1].type == ArgValue::Type::Tuple && a[1].tuple.empty()) ? o.kernelSize : layers::pairOf(a[1]);
    o.padding = layers::pairOf(a[2]);
    o.dilation = layers::pairOf(a[3]);
    o.ceilMode = a[5].b;
    if (a[4].b)
        return std::string("MaxPool2d: return_indices=True makes the layer return a tuple (output, indices), which a model graph cannot pass on: use return_indices=False");
    if (auto err = checkPoolGeometry("MaxPool2d", o.kernelSize, o.stride, o.padding, o.dilation))
        return err;
    m_opt = o;
    return std::nullopt;
}

std::string MaxPool2d::extraRepr() const
{
    const ArgValue& stride = arg("stride");
    return "kernel_size=" + arg("kernel_size").repr() + ", stride=" + (stride.isNone() ? arg("kernel_size") : stride).repr()
        + ", padding=" + arg("padding").repr() + ", dilation=" + arg("dilation").repr() + ", ceil_mode="
        + (m_opt.ceilMode ? "True" : "False");
}

ShapeResult MaxPool2d::outputShape(const Shape& in) const
{
    return poolShape("MaxPool2d(kernel_size=" + arg("kernel_size").repr() + ")", in, m_opt.kernelSize, m_opt.stride, m_opt.padding,
                     m_opt.dilation, m_opt.ceilMode, "non-empty 3D or 4D (batch mode) tensor expected for input");
}

void MaxPool2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = r.shape[rank - 2], ow = r.shape[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    const MaxPool2dOptions& o = m_opt;
    const int64_t sw = o.stride.w, kw = o.kernelSize.w, dw = o.dilation.w;
#pragma omp parallel for schedule(static) if (planes * oh * ow > 16384)
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* x = in.data() + pl * h * w;
        float* y = out.data() + pl * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy) {
            float* yr = y + oy * ow;
            std::fill_n(yr, ow, -std::numeric_limits<float>::infinity());
            const int64_t y0 = oy * o.stride.h - o.padding.h;
            for (int64_t ki = 0; ki < o.kernelSize.h; ++ki) {
                const int64_t iy = y0 + ki * o.dilation.h;
                if (iy < 0 || iy >= h)
                    continue;
                const float* xr = x + iy * w;
                for (int64_t kj = 0; kj < kw; ++kj) {
                    // Output columns whose input column ox * sw - pad + kj * dw lies in [0, w).
                    const int64_t off = kj * dw - o.padding.w;
                    const int64_t lo = std::min(ow, off >= 0 ? 0 : (-off + sw - 1) / sw);
                    const int64_t hi = std::clamp<int64_t>(w - off <= 0 ? 0 : (w - off - 1) / sw + 1, lo, ow);
                    // Row-wise maximum, NaN propagating as PyTorch's max_pool2d does; a loop
                    // over the row so it vectorises.
                    if (sw == 1) {
                        for (int64_t ox = lo; ox < hi; ++ox) {
                            const float v = xr[off + ox];
                            yr[ox] = (v > yr[ox] || v != v) ? v : yr[ox];
                        }
                    } else {
                        for (int64_t ox = lo; ox < hi; ++ox) {
                            const float v = xr[off + ox * sw];
                            yr[ox] = (v > yr[ox] || v != v) ? v : yr[ox];
                        }
                    }
                }
            }
        }
    }
}

// ---- AvgPool2d -------------------------------------------------------------------------

const LayerSchema& AvgPool2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {
            kernelSpec(),
            strideSpec(),
            paddingSpec(),
            ceilSpec(),
            {"count_include_pad", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Count padded zeros in the average"},
            {"divisor_override", kAcceptInt | kAcceptNone, ArgValue::none(), false, {}, {}, 0,
             "Divide by this instead of the window size"},
        },
        layers::makeLayer<AvgPool2d>,
    };
    return s;
}

std::optional<std::string> AvgPool2d::configure(const std::vector<ArgValue>& a)
{
    AvgPool2dOptions o;
    o.kernelSize = layers::pairOf(a[0]);
    o.stride = a[1].isNone() || (a[1].type == ArgValue::Type::Tuple && a[1].tuple.empty()) ? o.kernelSize : layers::pairOf(a[1]);
    o.padding = layers::pairOf(a[2]);
    o.ceilMode = a[3].b;
    o.countIncludePad = a[4].b;
    if (!a[5].isNone())
        o.divisorOverride = a[5].i;
    if (auto err = checkPoolGeometry("AvgPool2d", o.kernelSize, o.stride, o.padding, Pair{1, 1}))
        return err;
    if (o.divisorOverride && *o.divisorOverride == 0)
        return withTorch("AvgPool2d", "divisor_override must not be 0", "divisor must be not zero");
    m_opt = o;
    return std::nullopt;
}

std::string AvgPool2d::extraRepr() const
{
    const ArgValue& stride = arg("stride");
    return "kernel_size=" + arg("kernel_size").repr() + ", stride=" + (stride.isNone() ? arg("kernel_size") : stride).repr()
        + ", padding=" + arg("padding").repr();
}

ShapeResult AvgPool2d::outputShape(const Shape& in) const
{
    const std::string rankError = in.rank() < 3
        ? "Dimension out of range (expected to be in range of [" + std::to_string(-std::max(in.rank(), 1)) + ", "
            + std::to_string(std::max(in.rank(), 1) - 1) + "], but got -3)"
        : "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:" + in.toString();
    return poolShape("AvgPool2d(kernel_size=" + arg("kernel_size").repr() + ")", in, m_opt.kernelSize, m_opt.stride, m_opt.padding,
                     Pair{1, 1}, m_opt.ceilMode, rankError);
}

namespace {

// One output position's window along one dimension, as ATen's avg_pool2d clips it: [lo, hi)
// within the input for the sum, `padded` cells within the padded input for the divisor.
struct AvgWindow {
    int64_t lo = 0, hi = 0, padded = 0;
};

std::vector<AvgWindow> avgWindows(int64_t outSize, int64_t inSize, int64_t kernel, int64_t stride, int64_t pad)
{
    std::vector<AvgWindow> w(static_cast<size_t>(outSize));
    for (int64_t o = 0; o < outSize; ++o) {
        const int64_t start = o * stride - pad, end = std::min(start + kernel, inSize + pad);
        w[static_cast<size_t>(o)] = {std::max<int64_t>(start, 0), std::min(end, inSize), end - start};
    }
    return w;
}

// acc[ox] += row[ox * S + offset + kx] for kx in [0, k) and ox in [from, to): whole windows
// inside the row, vectorised across output columns (S known to the compiler when 1 or 2).
template <int S>
void addWholeWindows(const float* row, float* acc, int64_t from, int64_t to, int64_t k, int64_t offset, int64_t stride)
{
    const int64_t s = S ? S : stride;
    for (int64_t kx = 0; kx < k; ++kx) {
        const float* src = row + offset + kx;
        for (int64_t ox = from; ox < to; ++ox)
            acc[ox] += src[ox * s];
    }
}

} // namespace

void AvgPool2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = r.shape[rank - 2], ow = r.shape[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    const AvgPool2dOptions& o = m_opt;
    const std::vector<AvgWindow> rows = avgWindows(oh, h, o.kernelSize.h, o.stride.h, o.padding.h);
    const std::vector<AvgWindow> cols = avgWindows(ow, w, o.kernelSize.w, o.stride.w, o.padding.w);
    // Output columns whose window lies wholly inside the input: [whole0, whole1).
    int64_t whole0 = 0, whole1 = 0;
    for (int64_t ox = 0; ox < ow; ++ox)
        if (cols[static_cast<size_t>(ox)].hi - cols[static_cast<size_t>(ox)].lo == o.kernelSize.w
            && cols[static_cast<size_t>(ox)].lo == ox * o.stride.w - o.padding.w) {
            if (whole1 == 0)
                whole0 = ox;
            whole1 = ox + 1;
        }
    const float* xAll = in.data();
    float* yAll = out.data();
#pragma omp parallel for schedule(static) if (planes * oh * ow > 16384)
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* x = xAll + pl * h * w;
        float* y = yAll + pl * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy) {
            const AvgWindow& ry = rows[static_cast<size_t>(oy)];
            float* acc = y + oy * ow; // sums in the output row, in the order ATen adds them
            std::fill_n(acc, ow, 0.0f);
            for (int64_t iy = ry.lo; iy < ry.hi; ++iy) {
                const float* row = x + iy * w;
                if (o.stride.w == 1)
                    addWholeWindows<1>(row, acc, whole0, whole1, o.kernelSize.w, -o.padding.w, 1);
                else if (o.stride.w == 2)
                    addWholeWindows<2>(row, acc, whole0, whole1, o.kernelSize.w, -o.padding.w, 2);
                else
                    addWholeWindows<0>(row, acc, whole0, whole1, o.kernelSize.w, -o.padding.w, o.stride.w);
                for (int64_t ox = 0; ox < ow; ++ox) {
                    if (ox == whole0 && whole1 > whole0) {
                        ox = whole1 - 1;
                        continue;
                    }
                    const AvgWindow& cx = cols[static_cast<size_t>(ox)];
                    for (int64_t ix = cx.lo; ix < cx.hi; ++ix)
                        acc[ox] += row[ix];
                }
            }
            for (int64_t ox = 0; ox < ow; ++ox) {
                const AvgWindow& cx = cols[static_cast<size_t>(ox)];
                if (ry.lo >= ry.hi || cx.lo >= cx.hi) {
                    acc[ox] = 0.0f;
                    continue;
                }
                const int64_t divisor = o.divisorOverride ? *o.divisorOverride
                    : o.countIncludePad                   ? ry.padded * cx.padded
                                                          : (ry.hi - ry.lo) * (cx.hi - cx.lo);
                acc[ox] /= static_cast<float>(divisor);
            }
        }
    }
}

// ---- AdaptiveAvgPool2d -----------------------------------------------------------------

const LayerSchema& AdaptiveAvgPool2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {{"output_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofTuple({1, 1}), {}, 2,
          "Target output size H x W, whatever the input size"}},
        layers::makeLayer<AdaptiveAvgPool2d>,
    };
    return s;
}

std::optional<std::string> AdaptiveAvgPool2d::configure(const std::vector<ArgValue>& a)
{
    const Pair p = layers::pairOf(a[0]);
    if ((p.h < 0 && p.h != kTupleNone) || (p.w < 0 && p.w != kTupleNone) || (a[0].type != ArgValue::Type::Tuple && p.h == kTupleNone))
        return withTorch("AdaptiveAvgPool2d", "output_size must not be negative, got " + a[0].repr(),
                         "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {"
                             + std::to_string(p.h) + ", " + std::to_string(p.w) + "}");
    if (p.h > INT64_MAX / 4 || p.w > INT64_MAX / 4)
        return "AdaptiveAvgPool2d: output_size " + a[0].repr() + " is too large";
    m_opt.outputSize = p;
    return std::nullopt;
}

std::string AdaptiveAvgPool2d::extraRepr() const { return "output_size=" + arg("output_size").repr(); }

ShapeResult AdaptiveAvgPool2d::outputShape(const Shape& in) const
{
    const std::string me = "AdaptiveAvgPool2d(" + arg("output_size").repr() + ")";
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString() + " (PyTorch: adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                                 + in.toString() + ")");
    const int r = in.rank();
    for (int d = r - 2; d < r; ++d)
        if (in[d] <= 0)
            return ShapeResult::fail(me + " receives an empty input " + in.toString()
                                     + ": check the layers before it (PyTorch: adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                                     + in.toString() + " with dimension " + std::to_string(d) + " being empty)");
    Shape out = in;
    out[r - 2] = m_opt.outputSize.h == kTupleNone ? in[r - 2] : m_opt.outputSize.h; // None keeps the input's size
    out[r - 1] = m_opt.outputSize.w == kTupleNone ? in[r - 1] : m_opt.outputSize.w;
    if (!out.numel())
        return ShapeResult::fail(me + ": the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

void AdaptiveAvgPool2d::forward(const Tensor& in, Tensor& out) const
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
                               float sum = 0.0f;
                               if (cols.size() == stride) { // whole rows (global pooling): one contiguous run
                                   sum = layers::laneSumFloat(x + rows.begin * stride, rows.size() * stride);
                               } else {
                                   for (int64_t iy = rows.begin; iy < rows.end; ++iy)
                                       sum += layers::laneSumFloat(x + iy * stride + cols.begin, cols.size());
                               }
                               return sum / static_cast<float>(rows.size() * cols.size());
                           });
}

} // namespace ml
