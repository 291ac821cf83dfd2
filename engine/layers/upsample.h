#pragma once

// Layers that enlarge images: nn.Upsample (nearest and bilinear) and nn.PixelShuffle.

#include "engine/layers/layerutil.h"

namespace ml {

enum class UpsampleMode { Nearest, Bilinear };

struct UpsampleOptions {
    std::vector<int64_t> size;        // empty: scale_factor is used
    std::vector<double> scaleFactor;  // empty: size is used
    UpsampleMode mode = UpsampleMode::Nearest;
    std::optional<bool> alignCorners;
};

class Upsample final : public Layer {
public:
    static constexpr std::string_view kTypeName = "Upsample";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const UpsampleOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

public:
    // The scale F.interpolate passes to its kernels for spatial dimension d (0: none given).
    double givenScale(size_t d, size_t dims) const;

private:
    UpsampleOptions m_opt;
};

// The index arithmetic of F.interpolate, shared by the forward pass and its gradient.
namespace upsample {
// ATen's compute_scales_value / area_pixel_compute_scale, in float as for float32 tensors.
float sourceScale(int64_t in, int64_t out, double given, bool alignCorners);
// The source index of output o in mode 'nearest'.
int64_t nearestIndex(int64_t o, int64_t in, int64_t out, float scale);
// Output o of mode 'bilinear' along one dimension: w0 * in[i0] + w1 * in[i1].
struct LinearTap {
    int64_t i0, i1;
    float w0, w1;
};
std::vector<LinearTap> linearTaps(int64_t in, int64_t out, float scale, bool alignCorners);
} // namespace upsample

struct PixelShuffleOptions {
    int64_t upscaleFactor = 1;
};

class PixelShuffle final : public Layer {
public:
    static constexpr std::string_view kTypeName = "PixelShuffle";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    const PixelShuffleOptions& options() const { return m_opt; }

    std::string extraRepr() const override;
    ShapeResult outputShape(const Shape& in) const override;
    void forward(const Tensor& in, Tensor& out) const override;

protected:
    std::optional<std::string> configure(const std::vector<ArgValue>& args) override;

private:
    PixelShuffleOptions m_opt;
};

} // namespace ml
