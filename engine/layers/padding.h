#pragma once

#include <algorithm>
#include <cstdint>

namespace ml {

// How a layer fills the border it adds: PyTorch's padding_mode / F.pad's mode.
enum class PaddingMode { Zeros, Reflect, Replicate, Circular };

// The mode as PyTorch spells it (padding_mode='reflect').
inline const char* paddingModeName(PaddingMode m)
{
    switch (m) {
    case PaddingMode::Zeros: return "zeros";
    case PaddingMode::Reflect: return "reflect";
    case PaddingMode::Replicate: return "replicate";
    case PaddingMode::Circular: return "circular";
    }
    return "zeros";
}

// The source coordinate of padded coordinate i (i < 0: before the input, i >= n: after it) for
// the modes that copy input values, as ATen's reflection, replication and circular padding
// compute it; also right for negative padding, which crops. Zeros: i itself.
inline int64_t padSourceIndex(int64_t i, int64_t n, PaddingMode mode)
{
    switch (mode) {
    case PaddingMode::Reflect:
        if (n == 1)
            return 0;
        while (i < 0 || i >= n)
            i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    case PaddingMode::Replicate: return std::clamp<int64_t>(i, 0, n - 1);
    case PaddingMode::Circular: return ((i % n) + n) % n;
    case PaddingMode::Zeros: break;
    }
    return i;
}

} // namespace ml
