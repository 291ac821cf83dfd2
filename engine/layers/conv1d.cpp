#include "engine/layers/conv1d.h"

#include "engine/layers/convtranspose.h"

#include <cmath>

namespace ml {

namespace {

// An int or a 1-tuple, as PyTorch's _single().
int64_t singleOf(const ArgValue& v) { return v.type == ArgValue::Type::Tuple ? v.tuple[0] : v.i; }

std::string singleRepr(int64_t v) { return "(" + std::to_string(v) + ",)"; }

} // namespace

const LayerSchema& Conv1d::staticSchema()
{
    static const LayerSchema s{
        kTypeName,
        "Convolution",
        {
            {"in_channels", kAcceptInt, {}, true, ArgValue::ofInt(1), {}, 0, "Channels of the input sequence"},
            {"out_channels", kAcceptInt, {}, true, ArgValue::ofInt(16), {}, 0, "Number of filters, i.e. channels produced"},
            {"kernel_size", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(3), {}, 1, "Length of the convolving kernel"},
            {"stride", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 1, "Step of the kernel along the sequence"},
            {"padding", kAcceptInt | kAcceptTuple | kAcceptStr, ArgValue::ofInt(0), false, {}, {"valid", "same"}, 1,
             "Zeros (or padding_mode values) added on each side; 'same' keeps the length"},
            {"dilation", kAcceptInt | kAcceptTuple, ArgValue::ofInt(1), false, {}, {}, 1, "Spacing between kernel elements"},
            {"groups", kAcceptInt, ArgValue::ofInt(1), false, {}, {}, 0, "Blocked connections from input to output channels"},
            {"bias", kAcceptBool, ArgValue::ofBool(true), false, {}, {}, 0, "Adds a learnable bias per output channel"},
            {"padding_mode", kAcceptStr, ArgValue::ofStr("zeros"), false, {}, {"zeros", "reflect", "replicate", "circular"}, 0,
             "How the ends are padded"},
        },
        layers::makeLayer<Conv1d>,
    };
    return s;
}

std::optional<std::string> Conv1d::configure(const std::vector<ArgValue>& a)
{
    Conv1dOptions o;
    o.inChannels = a[0].i;
    o.outChannels = a[1].i;
    o.kernelSize = singleOf(a[2]);
    o.stride = singleOf(a[3]);
    o.dilation = singleOf(a[5]);
    o.groups = a[6].i;
    o.bias = a[7].b;
    if (a[4].type == ArgValue::Type::Str) {
        o.samePadding = a[4].s == "same";
    } else {
        o.padding = singleOf(a[4]);
    }
    const std::string& mode = a[8].s;
    o.paddingMode = mode == "reflect" ? PaddingMode::Reflect
        : mode == "replicate"         ? PaddingMode::Replicate
        : mode == "circular"          ? PaddingMode::Circular
                                      : PaddingMode::Zeros;
    // Validation and its messages are Conv2d's (PyTorch shares _ConvNd.__init__); the 1-D
    // arguments are checked through the equivalent Conv2d.
    m_opt = o;
    auto probe = createLayer("Conv2d", conv2dArguments());
    if (auto* err = std::get_if<std::string>(&probe)) {
        std::string msg = *err;
        // Conv2d prints its tuples as pairs: report the user's own arguments instead.
        for (const char* name : {"kernel_size", "stride", "padding", "dilation"})
            if (msg.rfind(std::string(name) + " must", 0) == 0) {
                const size_t got = msg.find(", got ");
                const size_t end = msg.find(" (PyTorch", got);
                msg = msg.substr(0, got + 6) + a[static_cast<size_t>(staticSchema().indexOf(name))].repr()
                    + (end == std::string::npos ? "" : msg.substr(end));
                break;
            }
        return msg;
    }
    return std::nullopt;
}

std::vector<LayerArgument> Conv1d::conv2dArguments() const
{
    const Conv1dOptions& o = m_opt;
    return {{"", ArgValue::ofInt(o.inChannels)},
            {"", ArgValue::ofInt(o.outChannels)},
            {"kernel_size", ArgValue::ofTuple({1, o.kernelSize})},
            {"stride", ArgValue::ofTuple({1, o.stride})},
            {"padding", o.samePadding ? ArgValue::ofStr("same") : ArgValue::ofTuple({0, o.padding})},
            {"dilation", ArgValue::ofTuple({1, o.dilation})},
            {"groups", ArgValue::ofInt(o.groups)},
            {"bias", ArgValue::ofBool(o.bias)},
            {"padding_mode", ArgValue::ofStr(paddingModeName(o.paddingMode))}};
}

std::string Conv1d::extraRepr() const
{
    const Conv1dOptions& o = m_opt;
    std::string s = std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ", kernel_size=" + singleRepr(o.kernelSize)
        + ", stride=" + singleRepr(o.stride);
    const ArgValue& padding = arg("padding");
    if (padding.type == ArgValue::Type::Str)
        s += ", padding=" + padding.s;
    else if (o.padding != 0)
        s += ", padding=" + singleRepr(o.padding);
    if (o.dilation != 1)
        s += ", dilation=" + singleRepr(o.dilation);
    if (o.groups != 1)
        s += ", groups=" + std::to_string(o.groups);
    if (!o.bias)
        s += ", bias=False";
    if (o.paddingMode != PaddingMode::Zeros)
        s += std::string(", padding_mode=") + paddingModeName(o.paddingMode);
    return s;
}

std::vector<TensorSpec> Conv1d::tensorSpecs() const
{
    std::vector<TensorSpec> specs;
    specs.push_back({"weight", Shape{m_opt.outChannels, m_opt.inChannels / m_opt.groups, m_opt.kernelSize}});
    if (m_opt.bias)
        specs.push_back({"bias", Shape{m_opt.outChannels}});
    return specs;
}

ShapeResult Conv1d::outputShape(const Shape& in) const
{
    const Conv1dOptions& o = m_opt;
    const std::string me = "Conv1d(" + std::to_string(o.inChannels) + ", " + std::to_string(o.outChannels) + ")";
    if (in.rank() != 2 && in.rank() != 3)
        return ShapeResult::fail(me + " expects a 3D input [N, C, L] (or 2D [C, L]), but got a " + std::to_string(in.rank()) + "D input "
                                 + in.toString() + " (PyTorch: Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                                 + in.toString() + ")");
    const bool batched = in.rank() == 3;
    const Shape in3 = batched ? in : Shape{1, in[0], in[1]};
    const int64_t c = in3[1], l = in3[2];
    if (c != o.inChannels)
        return ShapeResult::fail(me + " receives " + std::to_string(c) + " channels: use Conv1d(" + std::to_string(c) + ", "
                                 + std::to_string(o.outChannels) + ", ...) (PyTorch: Given groups=" + std::to_string(o.groups)
                                 + ", weight of size " + Shape{o.outChannels, o.inChannels / o.groups, o.kernelSize}.toString()
                                 + ", expected input" + in3.toString() + " to have " + std::to_string(o.inChannels)
                                 + " channels, but got " + std::to_string(c) + " channels instead)");
    const int64_t total = o.samePadding ? o.dilation * (o.kernelSize - 1) : 2 * o.padding;
    const int64_t before = o.samePadding ? total / 2 : o.padding, after = total - before;
    if (o.paddingMode == PaddingMode::Reflect && (before >= l || after >= l))
        return ShapeResult::fail(me + " with padding_mode='reflect' pads " + std::to_string(std::max(before, after))
                                 + " but the input is only " + std::to_string(l) + " long: use less padding or padding_mode='zeros'"
                                 + " (PyTorch: Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                                   "padding (" + std::to_string(before) + ", " + std::to_string(after) + ") at dimension "
                                 + std::to_string(in.rank() - 1) + " of input " + in.toString() + ")");
    if (o.paddingMode == PaddingMode::Circular && (before > l || after > l))
        return ShapeResult::fail(me + " with padding_mode='circular' pads " + std::to_string(std::max(before, after))
                                 + " but the input is only " + std::to_string(l)
                                 + " long: use less padding (PyTorch: Padding value causes wrapping around more than once.)");
    if (l <= 0)
        return ShapeResult::fail(me + " receives an empty sequence " + in.toString() + ": check the layers before it");
    if (l > INT32_MAX)
        return ShapeResult::fail(me + " receives a sequence too long to process: " + in.toString());
    const int64_t padded = l + total, k = o.dilation * (o.kernelSize - 1) + 1;
    if (padded < k)
        return ShapeResult::fail(me + " has a kernel of " + std::to_string(k) + " but the padded input is only " + std::to_string(padded)
                                 + " long: use a smaller kernel_size or more padding (PyTorch: Calculated padded input size per channel: ("
                                 + std::to_string(padded) + "). Kernel size: (" + std::to_string(k)
                                 + "). Kernel size can't be greater than actual input size)");
    const int64_t ol = (padded - k) / o.stride + 1;
    return {batched ? Shape{in[0], o.outChannels, ol} : Shape{o.outChannels, ol}, {}};
}

int64_t Conv1d::multAdds(const Shape&, const Shape& out) const
{
    return convMultAdds(ownParameterCount(*this), out, 1);
}

void Conv1d::initTensors(TorchGenerator& gen)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::zeros(s.shape));
    const int64_t fanIn = (m_opt.inChannels / m_opt.groups) * m_opt.kernelSize;
    layers::kaimingUniformA5(tensors()[0], fanIn, gen);
    if (m_opt.bias && fanIn > 0)
        layers::uniformFill(tensors()[1], 1.0 / std::sqrt(static_cast<double>(fanIn)), gen);
}

void Conv1d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    auto made = createLayer("Conv2d", conv2dArguments());
    auto& conv = std::get<std::unique_ptr<Layer>>(made);
    const Tensor& w = tensors()[0];
    conv->tensors().push_back(Tensor::borrow(Shape{m_opt.outChannels, m_opt.inChannels / m_opt.groups, 1, m_opt.kernelSize}, w.data()));
    if (m_opt.bias)
        conv->tensors().push_back(Tensor::borrow(tensors()[1].shape(), tensors()[1].data()));
    const Shape& s = in.shape();
    const Shape in4 = s.rank() == 3 ? Shape{s[0], s[1], 1, s[2]} : Shape{s[0], 1, s[1]};
    Tensor out4;
    conv->forward(Tensor::borrow(in4, in.data()), out4);
    out = std::move(out4).reshaped(r.shape);
}

} // namespace ml
