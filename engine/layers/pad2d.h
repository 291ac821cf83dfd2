#pragma once

#include "engine/layers/padding.h"
#include "engine/layers/zeropad2d.h"

namespace ml {

// The 2-d padding layers that copy input values into the border (nn.ReflectionPad2d,
// nn.ReplicationPad2d): the same padding argument as ZeroPad2d, PyTorch's checks on the input,
// and one source coordinate per output element (forward copies it, backward adds to it).
class CopyPad2d : public Layer {
public:
    const ZeroPad2dOptions& options() const { return m_opt; }
    virtual PaddingMode mode() const = 0;

    std::string extraRepr() const override { return pad2dRepr(m_opt); }
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;
    // Calls f(outputIndex, inputIndex) for every element of the output of an input of shape in
    // (which must pass outputShape).
    template <typename F>
    void forEachSource(const Shape& in, F&& f) const;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override { return parsePad2d(args[0], m_opt); }

private:
    ZeroPad2dOptions m_opt;
};

// nn.ReflectionPad2d: the input mirrored at its edges (the edge itself not repeated).
class ReflectionPad2d final : public CopyPad2d {
public:
    static constexpr std::string_view kTypeName = "ReflectionPad2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    PaddingMode mode() const override { return PaddingMode::Reflect; }
};

// nn.ReplicationPad2d: the edge values repeated.
class ReplicationPad2d final : public CopyPad2d {
public:
    static constexpr std::string_view kTypeName = "ReplicationPad2d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    PaddingMode mode() const override { return PaddingMode::Replicate; }
};

template <typename F>
void CopyPad2d::forEachSource(const Shape& in, F&& f) const
{
    const int64_t h = in.at(-2), w = in.at(-1);
    const int64_t oh = h + m_opt.top + m_opt.bottom, ow = w + m_opt.left + m_opt.right;
    const int64_t planes = in.product(0, in.rank() - 2);
    const PaddingMode m = mode();
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t oy = 0; oy < oh; ++oy) {
            const int64_t iy = padSourceIndex(oy - m_opt.top, h, m);
            for (int64_t ox = 0; ox < ow; ++ox)
                f((p * oh + oy) * ow + ox, (p * h + iy) * w + padSourceIndex(ox - m_opt.left, w, m));
        }
}

} // namespace ml
