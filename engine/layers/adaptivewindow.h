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

} // namespace ml::layers
