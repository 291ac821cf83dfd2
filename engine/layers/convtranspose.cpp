#include "engine/layers/convtranspose.h"

#include "engine/layers/gemm.h"

#include <algorithm>
#include <cmath>

namespace ml {

using layers::Pair;

const LayerSchema& ConvTranspose2d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Convolution",
        {
            {"in_channels", kAcceptInt, {}, true, ArgValue::ofInt(32), {}, 0, "Channels of the input"},
            {"out_channels", kAcceptInt, {}, true, ArgValue::ofInt(16), {}, 0, "Channels produced"},
            {"kernel_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(4), {}, 2, "Size of the convolving kernel"},
            {"stride", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 2, "Upsampling step (2 doubles the size)"},
            {"padding", kAcceptInt | kAcceptTuple, ArgValue::ofInt(0), false, {}, {}, 2,
             "dilation * (kernel_size - 1) - padding zeros are added on each side of the input"},
            {"output_padding", kAcceptInt | kAcceptTuple, ArgValue::ofInt(0), false, {}, {}, 2,
             "Extra size added to one side of the output (smaller than stride or dilation)"},
            {"groups", kAcceptInt, ArgValue::ofInt(1), false, {}, {}, 0, "Blocked connections from input to output channels"},
            {"bias", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Adds a learnable bias per output channel"},
            {"dilation", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 2, "Spacing between kernel elements"},
            {"padding_mode", kAcceptStr, ArgValue::ofStr("zeros"), false, {}, {}, 0, "Only 'zeros' for transposed convolutions"},
        },
        layers::makeLayer<ConvTranspose2d>,
    };
    return s;
}

std::optional<std::string> ConvTranspose2d::configure(const std::vector<ArgValue>& a)
{
    ConvTranspose2dOptions o;
    o.inChannels = a[0].i;
    o.outChannels = a[1].i;
    o.kernelSize = layers::pairOf(a[2]);
    o.stride = layers::pairOf(a[3]);
    o.padding = layers::pairOf(a[4]);
    o.outputPadding = layers::pairOf(a[5]);
    o.groups = a[6].i;
    o.bias = a[7].b;
    o.dilation = layers::pairOf(a[8]);
    // PyTorch's _ConvTransposeNd.__init__ and _ConvNd.__init__ checks, in their order.
    if (a[9].s != "zeros")
        return std::string("Only \"zeros\" padding mode is supported for ConvTranspose2d");
    if (o.groups <= 0)
        return std::string("groups must be a positive integer");
    if (o.inChannels % o.groups != 0)
        return std::string("in_channels must be divisible by groups");
    if (o.outChannels % o.groups != 0)
        return std::string("out_channels must be divisible by groups");
    if (o.inChannels <= 0)
        return "in_channels must be a positive integer, got " + std::to_string(o.inChannels);
    if (o.outChannels <= 0)
        return "out_channels must be a positive integer, got " + std::to_string(o.outChannels);
    if (o.kernelSize.h <= 0 || o.kernelSize.w <= 0)
        return "kernel_size must be positive, got " + a[2].repr();
    if (o.stride.h <= 0 || o.stride.w <= 0)
        return "stride must be positive, got " + a[3].repr() + " (PyTorch: non-positive stride is not supported)";
    if (o.padding.h < 0 || o.padding.w < 0)
        return "padding must not be negative, got " + a[4].repr() + " (PyTorch: negative padding is not supported)";
    if (o.outputPadding.h < 0 || o.outputPadding.w < 0)
        return "output_padding must not be negative, got " + a[5].repr();
    if (o.dilation.h <= 0 || o.dilation.w <= 0)
        return "dilation must be positive, got " + a[8].repr();
    int64_t n = 0;
    if (!checkedMul(o.inChannels, o.outChannels / o.groups, n) || !checkedMul(n, o.kernelSize.h, n) || !checkedMul(n, o.kernelSize.w, n)
        || o.kernelSize.h > INT32_MAX || o.kernelSize.w > INT32_MAX || o.dilation.h > INT32_MAX || o.dilation.w > INT32_MAX
        || o.stride.h > INT32_MAX || o.stride.w > INT32_MAX || o.padding.h > INT32_MAX || o.padding.w > INT32_MAX
        || o.outputPadding.h > INT32_MAX || o.outputPadding.w > INT32_MAX)
        return std::string("ConvTranspose2d: kernel_size, stride, padding or dilation is too large");
    m_opt = o;
    return std::nullopt;
}

std::string ConvTranspose2d::extraRepr() const
{
    const ConvTranspose2dOptions& o = m_opt;
    std::string s = std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ", kernel_size="
        + layers::pairRepr(o.kernelSize) + ", stride=" + layers::pairRepr(o.stride);
    if (o.padding != Pair{0, 0})
        s += ", padding=" + layers::pairRepr(o.padding);
    if (o.dilation != Pair{1, 1})
        s += ", dilation=" + layers::pairRepr(o.dilation);
    if (o.outputPadding != Pair{0, 0})
        s += ", output_padding=" + layers::pairRepr(o.outputPadding);
    if (o.groups != 1)
        s += ", groups=" + std::to_string(o.groups);
    if (!o.bias)
        s += ", bias=False";
    return s;
}

std::vector<TensorSpec> ConvTranspose2d::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    specs.push_back({"weight", Shape{m_opt.inChannels, m_opt.outChannels / m_opt.groups, m_opt.kernelSize.h, m_opt.kernelSize.w}});
    if (m_opt.bias)
        specs.push_back({"bias", Shape{m_opt.outChannels}});
    return specs;
}

ShapeResult ConvTranspose2d::outputShape(const Shape& in) const
{
    const ConvTranspose2dOptions& o = m_opt;
    const std::string me = "ConvTranspose2d(" + std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ")";
    if (in.rank() != 3 && in.rank() != 4)
        return ShapeResult::fail(me + " expects a 4D input [N, C, H, W] (or 3D [C, H, W]), but got a " + std::to_string(in.rank())
                                 + "D input " + in.toString()
                                 + " (PyTorch: Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: "
                                 + in.toString() + ")");
    const bool batched = in.rank() == 4;
    const Shape in4 = batched ? in : Shape{1, in[0], in[1], in[2]};
    if (in4[1] != o.inChannels) {
        const std::string weight = Shape{o.inChannels, o.outChannels / o.groups, o.kernelSize.h, o.kernelSize.w}.toString();
        return ShapeResult::fail(me + " receives " + std::to_string(in4[1]) + " channels: use ConvTranspose2d(" + std::to_string(in4[1])
                                 + ", " + std::to_string(o.outChannels) + ", ...) (PyTorch: Given transposed=1, weight of size " + weight
                                 + ", expected input" + in4.toString() + " to have " + std::to_string(o.inChannels)
                                 + " channels, but got " + std::to_string(in4[1]) + " channels instead)");
    }
    if (!(o.outputPadding.h < o.stride.h || o.outputPadding.h < o.dilation.h)
        || !(o.outputPadding.w < o.stride.w || o.outputPadding.w < o.dilation.w))
        return ShapeResult::fail(me + ": output_padding " + layers::pairRepr(o.outputPadding)
                                 + " must be smaller than stride or dilation (PyTorch: output padding must be smaller than either stride or "
                                   "dilation, but got output_padding_height: " + std::to_string(o.outputPadding.h)
                                 + " output_padding_width: " + std::to_string(o.outputPadding.w) + " stride_height: "
                                 + std::to_string(o.stride.h) + " stride_width: " + std::to_string(o.stride.w) + " dilation_height: "
                                 + std::to_string(o.dilation.h) + " dilation_width: " + std::to_string(o.dilation.w) + ")");
    const int64_t h = in4[2], w = in4[3];
    if (h > INT32_MAX || w > INT32_MAX)
        return ShapeResult::fail(me + " receives an image too large to process: " + in.toString());
    const int64_t oh = (h - 1) * o.stride.h - 2 * o.padding.h + o.dilation.h * (o.kernelSize.h - 1) + o.outputPadding.h + 1;
    const int64_t ow = (w - 1) * o.stride.w - 2 * o.padding.w + o.dilation.w * (o.kernelSize.w - 1) + o.outputPadding.w + 1;
    if (oh <= 0 || ow <= 0)
        return ShapeResult::fail(me + " would produce a " + std::to_string(oh) + " x " + std::to_string(ow)
                                 + " output from a " + std::to_string(h) + " x " + std::to_string(w)
                                 + " input: use less padding (PyTorch: Given input size per channel: (" + std::to_string(h) + " x "
                                 + std::to_string(w) + "). Calculated output size per channel: (" + std::to_string(oh) + " x "
                                 + std::to_string(ow) + "). Output size is too small)");
    Shape out = batched ? Shape{in[0], o.outChannels, oh, ow} : Shape{o.outChannels, oh, ow};
    if (!out.numel())
        return ShapeResult::fail(me + ": the output " + out.toString() + " has more elements than fit in a 64-bit integer");
    return {out, {}};
}

int64_t convMultAdds(int64_t params, const Shape& out, int spatialDims)
{
    const int r = out.rank();
    if (r < spatialDims + 1)
        return 0;
    int64_t v = r == spatialDims + 2 ? out[0] : 1;
    if (!checkedMul(v, params, v))
        return INT64_MAX;
    for (int d = r - spatialDims; d < r; ++d)
        if (!checkedMul(v, out[d], v))
            return INT64_MAX;
    return v;
}

int64_t ConvTranspose2d::multAdds(const Shape&, const Shape& out) const
{
    return convMultAdds(ownParameterCount(*this), out, 2);
}

void ConvTranspose2d::initTensors(TorchGenerator& gen)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::zeros(s.shape));
    // _calculate_fan_in_and_fan_out on the [in, out/groups, kh, kw] weight: fan_in = size(1) * kh * kw.
    const int64_t fanIn = (m_opt.outChannels / m_opt.groups) * m_opt.kernelSize.h * m_opt.kernelSize.w;
    layers::kaimingUniformA5(tensors()[0], fanIn, gen);
    if (m_opt.bias && fanIn > 0)
        layers::uniformFill(tensors()[1], 1.0 / std::sqrt(static_cast<double>(fanIn)), gen);
}

void ConvTranspose2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const ConvTranspose2dOptions& o = m_opt;
    const bool batched = in.shape().rank() == 4;
    const int64_t n = batched ? in.shape()[0] : 1;
    const int64_t h = in.shape().at(-2), w = in.shape().at(-1);
    const int64_t oh = r.shape.at(-2), ow = r.shape.at(-1);
    const int64_t cinG = o.inChannels / o.groups, coutG = o.outChannels / o.groups;
    const int64_t kk = o.kernelSize.h * o.kernelSize.w;
    const int64_t rows = coutG * kk; // columns matrix: (coutG * kh * kw) x (h * w) per group
    const float* weight = tensors()[0].data();
    const float* bias = o.bias ? tensors()[1].data() : nullptr;

#pragma omp parallel if (n * o.groups > 1 && n * o.outChannels * oh * ow > 65536)
    {
        std::vector<float> wt(static_cast<size_t>(rows * cinG));
        std::vector<float> col(static_cast<size_t>(rows * h * w));
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < n * o.groups; ++t) {
            const int64_t b = t / o.groups, g = t % o.groups;
            // W_g^T: [coutG*kh*kw] x [cinG], from the [cinG, coutG*kh*kw] block of the weight.
            const float* wg = weight + g * cinG * rows;
            for (int64_t ci = 0; ci < cinG; ++ci)
                for (int64_t rr = 0; rr < rows; ++rr)
                    wt[static_cast<size_t>(rr * cinG + ci)] = wg[ci * rows + rr];
            const float* x = in.data() + (b * o.inChannels + g * cinG) * h * w;
            layers::gemm(wt.data(), cinG, x, h * w, col.data(), h * w, rows, h * w, cinG);
            float* y = out.data() + (b * o.outChannels + g * coutG) * oh * ow;
            for (int64_t oc = 0; oc < coutG; ++oc)
                std::fill_n(y + oc * oh * ow, oh * ow, bias ? bias[g * coutG + oc] : 0.0f);
            // col2im: scatter every (channel, kernel offset, input pixel) into the output.
            for (int64_t oc = 0; oc < coutG; ++oc) {
                float* plane = y + oc * oh * ow;
                for (int64_t ki = 0; ki < o.kernelSize.h; ++ki) {
                    for (int64_t kj = 0; kj < o.kernelSize.w; ++kj) {
                        const float* src = col.data() + ((oc * o.kernelSize.h + ki) * o.kernelSize.w + kj) * h * w;
                        for (int64_t iy = 0; iy < h; ++iy) {
                            const int64_t yy = iy * o.stride.h - o.padding.h + ki * o.dilation.h;
                            if (yy < 0 || yy >= oh)
                                continue;
                            for (int64_t ix = 0; ix < w; ++ix) {
                                const int64_t xx = ix * o.stride.w - o.padding.w + kj * o.dilation.w;
                                if (xx >= 0 && xx < ow)
                                    plane[yy * ow + xx] += src[iy * w + ix];
                            }
                        }
                    }
                }
            }
        }
    }
}

} // namespace ml
