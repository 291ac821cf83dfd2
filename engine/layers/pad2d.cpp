#include "engine/layers/pad2d.h"

#include <functional>

namespace ml {

namespace {

LayerSchema padSchema(std::string_view name, const char* what, std::function<std::unique_ptr<Layer>()> make)
{
    return LayerSchema{
        name,
        "Reshape",
        {{"padding", kAcceptInt | kAcceptTuple, {}, true, ArgValue::ofInt(1), {}, 4, what}},
        make,
    };
}

std::string torchTensorDims(const Shape& s)
{
    std::string out;
    for (int k = 0; k < s.rank(); ++k)
        out += (k ? "," : "") + std::to_string(s[k]);
    return out;
}

} // namespace

const LayerSchema& ReflectionPad2d::staticSchema()
{
    static const LayerSchema s = padSchema(kTypeName, "Border mirrored from the input on each side, or (left, right, top, bottom)",
                                           layers::makeLayer<ReflectionPad2d>);
    return s;
}

const LayerSchema& ReplicationPad2d::staticSchema()
{
    static const LayerSchema s = padSchema(kTypeName, "Edge values repeated on each side, or (left, right, top, bottom)",
                                           layers::makeLayer<ReplicationPad2d>);
    return s;
}

// PyTorch's checks, in its order: F.pad's rank checks, then the kernel's (non-empty planes,
// padding smaller than the input for reflection, a non-empty output).
ShapeResult CopyPad2d::outputShape(const Shape& in) const
{
    const std::string me = std::string(typeName()) + "(" + extraRepr() + ")";
    const bool reflect = mode() == PaddingMode::Reflect;
    const int rank = in.rank();
    if (rank < 2)
        return ShapeResult::fail(me + " pads two dimensions, but the input " + in.toString() + " has fewer (PyTorch: Padding length too large)");
    if (rank != 3 && rank != 4)
        return ShapeResult::fail(me + " takes [C, H, W] or [N, C, H, W], but the input is " + in.toString()
                                 + " (PyTorch: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now)");
    bool empty = false;
    for (int d = reflect || rank == 4 ? 1 : 0; d < rank; ++d)
        empty = empty || in[d] == 0;
    if (empty)
        return ShapeResult::fail(me + " receives an empty input " + in.toString() + " (PyTorch: "
                                 + (reflect ? "3D or 4D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{" + torchTensorDims(in) + "} ]"
                                            : "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
                                              "for input, but got: " + in.toString())
                                 + ")");
    const int64_t h = in.at(-2), w = in.at(-1);
    if (reflect) {
        const struct {
            int64_t before, after, size;
            int dim;
            const char* arg;
        } sides[2] = {{m_opt.left, m_opt.right, w, rank - 1, "#4"}, {m_opt.top, m_opt.bottom, h, rank - 2, "#6"}};
        for (const auto& sd : sides)
            if (sd.before >= sd.size || sd.after >= sd.size)
                return ShapeResult::fail(me + " mirrors " + std::to_string(std::max(sd.before, sd.after)) + " values, but the input is only "
                                         + std::to_string(sd.size) + " wide in dimension " + std::to_string(sd.dim)
                                         + ": padding must be smaller than the input (PyTorch: Argument " + sd.arg
                                         + ": Padding size should be less than the corresponding input dimension, but got: padding ("
                                         + std::to_string(sd.before) + ", " + std::to_string(sd.after) + ") at dimension "
                                         + std::to_string(sd.dim) + " of input " + std::to_string(rank) + ")");
    }
    const int64_t oh = h + m_opt.top + m_opt.bottom, ow = w + m_opt.left + m_opt.right;
    if (oh < 1 || ow < 1)
        return ShapeResult::fail(me + " crops the " + std::to_string(h) + " x " + std::to_string(w)
                                 + " input to nothing: use less negative padding (PyTorch: input (H: " + std::to_string(h) + ", W: "
                                 + std::to_string(w) + (reflect ? ")is" : " ) is") + " too small. Calculated output H: "
                                 + std::to_string(oh) + " W: " + std::to_string(ow) + ")");
    if (h > INT32_MAX || w > INT32_MAX)
        return ShapeResult::fail(me + " receives an input too large to process: " + in.toString());
    Shape out = in;
    out[rank - 2] = oh;
    out[rank - 1] = ow;
    return {out, {}};
}

void CopyPad2d::forward(const Tensor& in, Tensor& out) const
{
    const ShapeResult r = outputShape(in.shape());
    if (!r.ok())
        return;
    layers::prepareOutput(out, r.shape);
    const float* x = in.data();
    float* y = out.data();
    forEachSource(in.shape(), [&](int64_t o, int64_t i) { y[o] = x[i]; });
}

} // namespace ml
