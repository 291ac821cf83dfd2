#include "engine/layers/conv.h"


#include <algorithm>
#include <cmath>
#include <cstring>
#include <omp.h>

namespace ml {

using layers::Pair;

const LayerSchema& Conv2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Convolution",
        {
            {"in_channels", kAcceptInt, {}, true, ArgValue::ofInt(1), {}, 0, "Channels of the input image (1 for grayscale, 3 for RGB)"},
            {"out_channels", kAcceptInt, {}, true, ArgValue::ofInt(32), {}, 0, "Number of filters, i.e. channels produced"},
            {"kernel_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(3), {}, 2, "Size of the convolving kernel"},
            {"stride", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 2, "Step of the kernel over the input"},
            {"padding", kAcceptInt | kAcceptTuple | kAcceptStr, ArgValue::ofInt(0), false, {}, {"valid", "same"}, 2,
             "Zeros (or padding_mode values) added on each side; 'same' keeps the size"},
            {"dilation", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 2, "Spacing between kernel elements"},
            {"groups", kAcceptInt, ArgValue::ofInt(1), false, {}, {}, 0, "Blocked connections from input to output channels"},
            {"bias", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Adds a learnable bias per output channel"},
            {"padding_mode", kAcceptStr, ArgValue::ofStr("zeros"), false, {}, {"zeros", "reflect", "replicate", "circular"}, 0,
             "How the border is padded"},
        },
        layers::makeLayer<Conv2d>,
    };
    return s;
}

std::optional<std::string> Conv2d::configure(const std::vector<ArgValue>& a)
{
    Conv2dOptions o;
    o.inChannels = a[0].i;
    o.outChannels = a[1].i;
    o.kernelSize = layers::pairOf(a[2]);
    o.stride = layers::pairOf(a[3]);
    o.dilation = layers::pairOf(a[5]);
    o.groups = a[6].i;
    o.bias = a[7].b;

    // PyTorch's _ConvNd.__init__ checks, in its order.
    if (o.groups <= 0)
        return "groups must be a positive integer";
    if (o.inChannels % o.groups != 0)
        return "in_channels must be divisible by groups";
    if (o.outChannels % o.groups != 0)
        return "out_channels must be divisible by groups";
    if (a[4].type == ArgValue::Type::Str) {
        if (a[4].s != "same" && a[4].s != "valid")
            return "Invalid padding string '" + a[4].s + "', should be one of {'valid', 'same'}";
        o.samePadding = a[4].s == "same";
        if (o.samePadding && (o.stride.h != 1 || o.stride.w != 1))
            return std::string("padding='same' is not supported for strided convolutions");
    } else {
        o.padding = layers::pairOf(a[4]);
    }
    const std::string& mode = a[8].s;
    if (mode == "zeros")
        o.paddingMode = PaddingMode::Zeros;
    else if (mode == "reflect")
        o.paddingMode = PaddingMode::Reflect;
    else if (mode == "replicate")
        o.paddingMode = PaddingMode::Replicate;
    else if (mode == "circular")
        o.paddingMode = PaddingMode::Circular;
    else
        return "padding_mode must be one of {'circular', 'replicate', 'reflect', 'zeros'}, but got padding_mode='" + mode + "'";

    // Sizes PyTorch would reject when allocating the weight or at the first forward.
    if (o.inChannels <= 0)
        return "in_channels must be a positive integer, got " + std::to_string(o.inChannels);
    if (o.outChannels <= 0)
        return "out_channels must be a positive integer, got " + std::to_string(o.outChannels);
    if (o.kernelSize.h <= 0 || o.kernelSize.w <= 0)
        return "kernel_size must be positive, got " + a[2].repr() + " (PyTorch: kernel size should be greater than zero, but got kernel_height: "
            + std::to_string(o.kernelSize.h) + " kernel_width: " + std::to_string(o.kernelSize.w) + ")";
    if (o.stride.h <= 0 || o.stride.w <= 0)
        return "stride must be positive, got " + a[3].repr() + " (PyTorch: non-positive stride is not supported)";
    if (o.padding.h < 0 || o.padding.w < 0)
        return "padding must not be negative, got " + a[4].repr() + " (PyTorch: negative padding is not supported)";
    if (o.dilation.h <= 0 || o.dilation.w <= 0)
        return "dilation must be positive, got " + a[5].repr() + " (PyTorch: dilation should be greater than zero, but got ["
            + std::to_string(o.dilation.h) + ", " + std::to_string(o.dilation.w) + "])";
    int64_t n = 0, span = 0;
    if (!checkedMul(o.outChannels, o.inChannels / o.groups, n) || !checkedMul(n, o.kernelSize.h, n)
        || !checkedMul(n, o.kernelSize.w, n))
        return std::string("Conv2d weight would have more elements than fit in a 64-bit integer");
    if (!checkedMul(o.dilation.h, o.kernelSize.h - 1, span) || !checkedMul(o.dilation.w, o.kernelSize.w - 1, span)
        || o.padding.h > INT64_MAX / 4 || o.padding.w > INT64_MAX / 4)
        return std::string("Conv2d: kernel_size, dilation or padding is too large");
    m_opt = o;
    return std::nullopt;
}

std::string Conv2d::extraRepr() const
{
    const Conv2dOptions& o = m_opt;
    std::string s = std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ", kernel_size="
        + layers::pairRepr(o.kernelSize) + ", stride=" + layers::pairRepr(o.stride);
    const ArgValue& padding = arg("padding");
    if (padding.type == ArgValue::Type::Str)
        s += ", padding=" + padding.s;
    else if (o.padding.h != 0 || o.padding.w != 0)
        s += ", padding=" + layers::pairRepr(o.padding);
    if (o.dilation.h != 1 || o.dilation.w != 1)
        s += ", dilation=" + layers::pairRepr(o.dilation);
    if (o.groups != 1)
        s += ", groups=" + std::to_string(o.groups);
    if (!o.bias)
        s += ", bias=False";
    if (o.paddingMode != PaddingMode::Zeros)
        s += std::string(", padding_mode=") + paddingModeName(o.paddingMode);
    return s;
}

std::vector<TensorSpec> Conv2d::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    specs.push_back({"weight", Shape{m_opt.outChannels, m_opt.inChannels / m_opt.groups, m_opt.kernelSize.h, m_opt.kernelSize.w}});
    if (m_opt.bias)
        specs.push_back({"bias", Shape{m_opt.outChannels}});
    return specs;
}

Conv2d::Pads Conv2d::pads() const
{
    if (m_opt.samePadding) {
        const int64_t th = m_opt.dilation.h * (m_opt.kernelSize.h - 1);
        const int64_t tw = m_opt.dilation.w * (m_opt.kernelSize.w - 1);
        return {th / 2, th - th / 2, tw / 2, tw - tw / 2};
    }
    return {m_opt.padding.h, m_opt.padding.h, m_opt.padding.w, m_opt.padding.w};
}

ShapeResult Conv2d::outputShape(const Shape& in) const
{
    const Conv2dOptions& o = m_opt;
    const std::string me = "Conv2d(" + std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ")";
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString() + ": add a Flatten/reshape in the right place or check the previous layer"
                                 + " (PyTorch: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                                 + in.toString() + ")");
    const bool batched = in.rank() == 4;
    const Shape in4 = batched ? in : Shape{1, in[0], in[1], in[2]};
    const int64_t c = in4[1], h = in4[2], w = in4[3];
    if (c != o.inChannels) {
        const std::string weight = Shape{o.outChannels, o.inChannels / o.groups, o.kernelSize.h, o.kernelSize.w}.toString();
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels: use Conv2d(" + std::to_string(c) + ", "
                                 + std::to_string(o.outChannels) + ", ...) (PyTorch: Given groups=" + std::to_string(o.groups)
                                 + ", weight of size " + weight + ", expected input" + in4.toString() + " to have "
                                 + std::to_string(o.inChannels) + " channels, but got " + std::to_string(c) + " channels instead)");
    }
    const Pads p = pads();
    if (o.paddingMode == PaddingMode::Reflect || o.paddingMode == PaddingMode::Circular) {
        const int rank = in.rank();
        const struct {
            int64_t before, after, size;
            int dim;
            const char* arg;
        } sides[2] = {{p.left, p.right, w, rank - 1, "#4"}, {p.top, p.bottom, h, rank - 2, "#6"}};
        for (const auto& sd : sides) {
            const bool reflect = o.paddingMode == PaddingMode::Reflect;
            const bool bad = reflect ? (sd.before >= sd.size || sd.after >= sd.size) : (sd.before > sd.size || sd.after > sd.size);
            if (!bad)
                continue;
            const std::string torchMsg = reflect
                ? std::string("Argument ") + sd.arg + ": Padding size should be less than the corresponding input dimension, but got: padding ("
                    + std::to_string(sd.before) + ", " + std::to_string(sd.after) + ") at dimension " + std::to_string(sd.dim)
                    + " of input " + std::to_string(rank)
                : std::string("Padding value causes wrapping around more than once.");
            return ShapeResult::fail(me + " with padding_mode='" + paddingModeName(o.paddingMode) + "' pads " + std::to_string(std::max(sd.before, sd.after))
                                     + " but the input is only " + std::to_string(sd.size) + " wide in dimension " + std::to_string(sd.dim)
                                     + ": use less padding or padding_mode='zeros' (PyTorch: " + torchMsg + ")");
        }
    }
    if (h <= 0 || w <= 0)
        return ShapeResult::fail(me + " receives an empty image " + in.toString() + ": check the layers before it");
    if (h > INT64_MAX / 4 || w > INT64_MAX / 4)
        return ShapeResult::fail(me + " receives an image too large to process: " + in.toString());
    const int64_t ph = h + p.top + p.bottom, pw = w + p.left + p.right;
    const int64_t kh = o.dilation.h * (o.kernelSize.h - 1) + 1, kw = o.dilation.w * (o.kernelSize.w - 1) + 1;
    if (ph < kh || pw < kw)
        return ShapeResult::fail(me + " has a kernel of " + std::to_string(kh) + " x " + std::to_string(kw) + " but the padded input is only "
                                 + std::to_string(ph) + " x " + std::to_string(pw)
                                 + ": use a smaller kernel_size or more padding, or downsample less before this layer"
                                 + " (PyTorch: Calculated padded input size per channel: (" + std::to_string(ph) + " x " + std::to_string(pw)
                                 + "). Kernel size: (" + std::to_string(kh) + " x " + std::to_string(kw)
                                 + "). Kernel size can't be greater than actual input size)");
    const int64_t oh = (ph - kh) / o.stride.h + 1, ow = (pw - kw) / o.stride.w + 1;
    Shape out = batched ? Shape{in[0], o.outChannels, oh, ow} : Shape{o.outChannels, oh, ow};
    if (!out.numel())
        return ShapeResult::fail(me + ": the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

int64_t Conv2d::multAdds(const Shape& in, const Shape& out) const
{
    (void)in;
    int64_t params = 0;
    for (const TensorSpec& t : tensorSpecs())
        if (!checkedAdd(params, t.shape.numel().value_or(INT64_MAX), params))
            return INT64_MAX;
    const int r = out.rank();
    if (r < 3)
        return 0;
    const int64_t n = r == 4 ? out[0] : 1;
    int64_t v = 0;
    if (!checkedMul(params, n, v) || !checkedMul(v, out[r - 2], v) || !checkedMul(v, out[r - 1], v))
        return INT64_MAX;
    return v;
}

void Conv2d::initTensors(TorchGenerator& gen)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::zeros(s.shape));
    const int64_t fanIn = (m_opt.inChannels / m_opt.groups) * m_opt.kernelSize.h * m_opt.kernelSize.w;
    layers::kaimingUniformA5(tensors()[0], fanIn, gen);
    if (m_opt.bias && fanIn > 0)
        layers::uniformFill(tensors()[1], 1.0 / std::sqrt(static_cast<double>(fanIn)), gen);
}

namespace {

// Copies the input with reflect/replicate/circular padding applied (PyTorch's F.pad).
void padInput(const Tensor& in, int64_t n, int64_t c, int64_t h, int64_t w, const Conv2d::Pads& p, PaddingMode mode,
              std::vector<float>& padded)
{
    const int64_t ph = h + p.top + p.bottom, pw = w + p.left + p.right;
    padded.resize(static_cast<size_t>(n * c * ph * pw));
#pragma omp parallel for schedule(static) if (n * c * ph * pw > 32768)
    for (int64_t plane = 0; plane < n * c; ++plane) {
        const float* src = in.data() + plane * h * w;
        float* dst = padded.data() + plane * ph * pw;
        for (int64_t y = 0; y < ph; ++y) {
            const float* srow = src + padSourceIndex(y - p.top, h, mode) * w;
            for (int64_t x = 0; x < pw; ++x)
                dst[y * pw + x] = srow[padSourceIndex(x - p.left, w, mode)];
        }
    }
}

} // namespace

layers::ConvGeometry Conv2d::geometry(const Shape& in) const
{
    const Conv2dOptions& o = m_opt;
    const Shape out = outputShape(in).shape;
    const int off = in.rank() == 4 ? 1 : 0;
    const Pads p = pads();
    layers::ConvGeometry g;
    g.n = off ? in[0] : 1;
    g.c = o.inChannels;
    g.h = in[off + 1];
    g.w = in[off + 2];
    g.oc = o.outChannels;
    g.oh = out.at(-2);
    g.ow = out.at(-1);
    g.kh = o.kernelSize.h;
    g.kw = o.kernelSize.w;
    g.sh = o.stride.h;
    g.sw = o.stride.w;
    g.dh = o.dilation.h;
    g.dw = o.dilation.w;
    g.padTop = p.top;
    g.padBottom = p.bottom;
    g.padLeft = p.left;
    g.padRight = p.right;
    g.groups = o.groups;
    return g;
}

void Conv2d::forward(const Tensor& in, Tensor& out) const { run(in, out, nullptr, {}); }

void Conv2d::forwardFused(const Tensor& in, Tensor& out, const BatchNormBase& bn, layers::ConvEpilogue epilogue) const
{
    run(in, out, &bn, epilogue);
}

void Conv2d::run(const Tensor& in, Tensor& out, const BatchNormBase* bn, layers::ConvEpilogue epilogue) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const Conv2dOptions& o = m_opt;
    const Pads p = pads();
    layers::ConvGeometry g = geometry(in.shape());
    const float* src = in.data();
    std::vector<float> padded;
    if (o.paddingMode != PaddingMode::Zeros && (p.top || p.bottom || p.left || p.right)) {
        padInput(in, g.n, g.c, g.h, g.w, p, o.paddingMode, padded);
        src = padded.data();
        g.h += p.top + p.bottom;
        g.w += p.left + p.right;
        g.padTop = g.padBottom = g.padLeft = g.padRight = 0;
    }
    if (bn)
        m_fold.forward(g, tensors()[0], o.bias ? &tensors()[1] : nullptr, *bn, src, out.data(), epilogue);
    else
        m_kernel.forward(g, tensors()[0], o.bias ? tensors()[1].data() : nullptr, src, out.data(), epilogue);
}

} // namespace ml
