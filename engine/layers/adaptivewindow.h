#pragma once

#include <cstdint>

namespace ml::layers {

// The input positions [begin, end) that output position `index` of adaptive pooling covers along
// one dimension of `in` positions pooled to `out`: begin = floor(index * in / out),
// end = ceil((index + 1) * in / out), PyTorch's start_index and end_index. Windows may overlap
// (in < out, or in not a multiple of out). The forward passes and the backward passes of
// AdaptiveAvgPool2d and AdaptiveMaxPool2d all use this one rule.
struct AdaptiveWindow {
    int64_t begin = 0;
    int64_t end = 0;

    AdaptiveWindow(int64_t index, int64_t in, int64_t out)
        : begin((index * in) / out), end(((index + 1) * in + out - 1) / out)
    {
    }
    int64_t size() const { return end - begin; }
};

// Adaptive pooling of `planes` input planes of h x w into planes of oh x ow: each output value is
// reduce(plane, w, rows, cols), the reduction of the window [rows) x [cols) of its plane (row
// stride w). Planes run in parallel when the input is large.
template <class Reduce>
void adaptivePool2d(const float* in, float* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow, Reduce reduce)
{
#pragma omp parallel for schedule(static) if (planes * h * w > 32768)
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* x = in + pl * h * w;
        float* y = out + pl * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy) {
            const AdaptiveWindow rows(oy, h, oh);
            for (int64_t ox = 0; ox < ow; ++ox)
                y[oy * ow + ox] = reduce(x, w, rows, AdaptiveWindow(ox, w, ow));
        }
    }
}

} // namespace ml::layers
