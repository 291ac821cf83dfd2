#include "engine/layers/pool1d.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ml {

namespace {

int64_t singleOf(const ArgValue& v) { return v.type == ArgValue::Type::Tuple ? v.tuple[0] : v.i; }
std::string singleRepr(int64_t v) { return "(" + std::to_string(v) + ",)"; }

ArgSpec kernelArg()
{
    return {"kernel_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(2), {}, 1, "Length of the pooling window"};
}
ArgSpec strideArg()
{
    return {"stride", kAcceptInt | kAcceptTuple | kAcceptNone, ArgValue::none(), false, {}, {}, 1, "Step of the window (None: kernel_size)"};
}
ArgSpec paddingArg()
{
    return {"padding", kAcceptInt | kAcceptTuple, ArgValue::ofInt(0), false, {}, {}, 1, "Implicit padding on both ends (at most half the kernel)"};
}
ArgSpec ceilArg()
{
    return {"ceil_mode", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0, "Round the output length up instead of down"};
}

Pool1dOptions readCommon(const std::vector<ArgValue>& a)
{
    Pool1dOptions o;
    o.kernelSize = singleOf(a[0]);
    o.stride = a[1].isNone() || (a[1].type == ArgValue::Type::Tuple && a[1].tuple.empty()) ? o.kernelSize : singleOf(a[1]);
    o.padding = singleOf(a[2]);
    return o;
}

bool tooLarge(const Pool1dOptions& o)
{
    return o.kernelSize > INT32_MAX || o.stride > INT32_MAX || o.padding > INT32_MAX || o.dilation > INT32_MAX;
}

std::optional<ShapeResult> checkRank(const std::string& me, const Shape& in, const std::string& torch)
{
    if (in.rank() == 2 || in.rank() == 3)
        return std::nullopt;
    return ShapeResult::fail(me + " expects a 3D input [N, C, L] (or 2D [C, L]), but got a " + std::to_string(in.rank()) + "D input "
                             + in.toString() + " (PyTorch: " + torch + ")");
}

} // namespace

// ---- MaxPool1d -----------------------------------------------------------------------------

const LayerSchema& MaxPool1d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {kernelArg(), strideArg(), paddingArg(),
         {"dilation", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 1, "Spacing between window elements"},
         {"return_indices", kAcceptBool, ArgValue::ofBool(false), false, {}, {}, 0,
          "Also return the argmax indices (not supported in a model graph)"},
         ceilArg()},
        layers::makeLayer<MaxPool1d>,
    };
    return s;
}

std::optional<std::string> MaxPool1d::configure(const std::vector<ArgValue>& a)
{
    Pool1dOptions o = readCommon(a);
    o.dilation = singleOf(a[3]);
    o.ceilMode = a[5].b;
    if (a[4].b)
        return std::string("MaxPool1d: return_indices=True makes the layer return a tuple (output, indices), which a model graph cannot pass on: use return_indices=False");
    const std::string t = "max_pool1d() ";
    if (o.kernelSize <= 0)
        return "MaxPool1d: kernel_size must be positive (PyTorch: " + t + "kernel_size must be greater than zero, but got "
            + std::to_string(o.kernelSize) + ")";
    if (o.stride <= 0)
        return "MaxPool1d: stride must be positive (PyTorch: " + t + "stride must be greater than zero, but got " + std::to_string(o.stride) + ")";
    if (o.padding < 0)
        return "MaxPool1d: padding must not be negative (PyTorch: " + t + "padding must be non-negative, but got " + std::to_string(o.padding) + ")";
    if (o.padding > o.kernelSize / 2)
        return "MaxPool1d: padding " + std::to_string(o.padding) + " is more than half of kernel_size " + std::to_string(o.kernelSize)
            + ": use padding <= " + std::to_string(o.kernelSize / 2) + " or a larger kernel (PyTorch: " + t
            + "padding should be at most half of kernel size, but got padding=" + std::to_string(o.padding) + " and kernel_size="
            + std::to_string(o.kernelSize) + ")";
    if (o.dilation <= 0)
        return "MaxPool1d: dilation must be positive (PyTorch: " + t + "dilation must be greater than zero, but got " + std::to_string(o.dilation) + ")";
    if (tooLarge(o))
        return std::string("MaxPool1d: kernel_size, stride, padding or dilation is too large");
    m_opt = o;
    return std::nullopt;
}

std::string MaxPool1d::extraRepr() const
{
    const ArgValue& stride = arg("stride");
    return "kernel_size=" + arg("kernel_size").repr() + ", stride=" + (stride.isNone() ? arg("kernel_size") : stride).repr()
        + ", padding=" + arg("padding").repr() + ", dilation=" + arg("dilation").repr() + ", ceil_mode=" + (m_opt.ceilMode ? "True" : "False");
}

ShapeResult MaxPool1d::outputShape(const Shape& in) const
{
    const std::string me = "MaxPool1d(kernel_size=" + std::to_string(m_opt.kernelSize) + ")";
    if (auto bad = checkRank(me, in, "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:"
                                         + in.toString()))
        return *bad;
    const int64_t l = in.at(-1);
    if (l > INT32_MAX)
        return ShapeResult::fail(me + " receives a sequence too long to process: " + in.toString());
    const int64_t ol = layers::poolOutputSize(l, m_opt.kernelSize, m_opt.padding, m_opt.stride, m_opt.dilation, m_opt.ceilMode);
    if (ol < 0)
        return ShapeResult::fail(me + " on a sequence of " + std::to_string(l) + " gives an output of length " + std::to_string(ol)
                                 + " (PyTorch: max_pool1d() Invalid computed output size: " + std::to_string(ol) + ")");
    Shape out = in;
    out[in.rank() - 1] = ol;
    return {out, {}};
}

void MaxPool1d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const int64_t l = in.shape().at(-1), ol = r.shape.at(-1);
    const int64_t rows = ol ? out.numel() / ol : 0;
    const float* x = in.data();
    float* y = out.data();
    for (int64_t row = 0; row < rows; ++row)
        for (int64_t o = 0; o < ol; ++o) {
            float best = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < m_opt.kernelSize; ++k) {
                const int64_t i = o * m_opt.stride - m_opt.padding + k * m_opt.dilation;
                if (i < 0 || i >= l)
                    continue;
                const float v = x[row * l + i];
                if (v > best || std::isnan(v))
                    best = v;
                if (std::isnan(v))
                    break;
            }
            y[row * ol + o] = best;
        }
}

// ---- AvgPool1d -----------------------------------------------------------------------------

const LayerSchema& AvgPool1d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Pooling",
        {kernelArg(), strideArg(), paddingArg(), ceilArg(),
         {"count_include_pad", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Count padding zeros in the average"}},
        layers::makeLayer<AvgPool1d>,
    };
    return s;
}

std::optional<std::string> AvgPool1d::configure(const std::vector<ArgValue>& a)
{
    Pool1dOptions o = readCommon(a);
    o.ceilMode = a[3].b;
    o.countIncludePad = a[4].b;
    if (o.stride == 0)
        return std::string("AvgPool1d: stride must be positive (PyTorch: stride should not be zero)");
    if (o.stride < 0)
        return "AvgPool1d: stride must be positive (PyTorch: stride should be greater than zero, but got dH: 1 dW: " + std::to_string(o.stride) + ")";
    if (o.kernelSize <= 0)
        return "AvgPool1d: kernel_size must be positive (PyTorch: kernel size should be greater than zero, but got kH: 1 kW: "
            + std::to_string(o.kernelSize) + ")";
    if (o.padding < 0)
        return "AvgPool1d: padding must not be negative (PyTorch: pad must be non-negative, but got pad: " + std::to_string(o.padding) + ")";
    if (o.padding > o.kernelSize / 2)
        return "AvgPool1d: padding " + std::to_string(o.padding) + " is more than half of kernel_size " + std::to_string(o.kernelSize)
            + ": use padding <= " + std::to_string(o.kernelSize / 2) + " or a larger kernel (PyTorch: pad should be at most half of "
              "kernel size, but got pad=" + std::to_string(o.padding) + " and kernel_size=" + std::to_string(o.kernelSize) + ")";
    if (tooLarge(o))
        return std::string("AvgPool1d: kernel_size, stride or padding is too large");
    m_opt = o;
    return std::nullopt;
}

std::string AvgPool1d::extraRepr() const
{
    return "kernel_size=" + singleRepr(m_opt.kernelSize) + ", stride=" + singleRepr(m_opt.stride) + ", padding=" + singleRepr(m_opt.padding);
}

ShapeResult AvgPool1d::outputShape(const Shape& in) const
{
    const std::string me = "AvgPool1d(kernel_size=" + std::to_string(m_opt.kernelSize) + ")";
    if (auto bad = checkRank(me, in, "Expected 2 to 3 dimensions, but got " + std::to_string(in.rank())
                                         + "-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)"))
        return *bad;
    const int64_t c = in.at(-2), l = in.at(-1);
    if (l > INT32_MAX)
        return ShapeResult::fail(me + " receives a sequence too long to process: " + in.toString());
    const int64_t ol = layers::poolOutputSize(l, m_opt.kernelSize, m_opt.padding, m_opt.stride, 1, m_opt.ceilMode);
    if (ol < 1)
        return ShapeResult::fail(me + " on a sequence of " + std::to_string(l) + " gives an empty output (" + std::to_string(ol)
                                 + "): use a smaller kernel_size or padding (PyTorch: Given input size: (" + layers::joinX({c, 1, l})
                                 + "). Calculated output size: (" + layers::joinX({c, 1, ol}) + "). Output size is too small)");
    Shape out = in;
    out[in.rank() - 1] = ol;
    return {out, {}};
}

void AvgPool1d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const int64_t l = in.shape().at(-1), ol = r.shape.at(-1);
    const int64_t rows = out.numel() / ol;
    const float* x = in.data();
    float* y = out.data();
    for (int64_t row = 0; row < rows; ++row)
        for (int64_t o = 0; o < ol; ++o) {
            // ATen's avg_pool2d with a height of 1: the window is clipped to input + padding,
            // then to the input when padding is not counted.
            int64_t start = o * m_opt.stride - m_opt.padding;
            int64_t end = std::min(start + m_opt.kernelSize, l + m_opt.padding);
            const int64_t poolSize = end - start;
            start = std::max<int64_t>(start, 0);
            end = std::min(end, l);
            if (start >= end) {
                y[row * ol + o] = 0.0f;
                continue;
            }
            float sum = 0.0f;
            for (int64_t i = start; i < end; ++i)
                sum += x[row * l + i];
            const int64_t divisor = m_opt.countIncludePad ? poolSize : end - start;
            y[row * ol + o] = sum / static_cast<float>(divisor);
        }
}

} // namespace ml
