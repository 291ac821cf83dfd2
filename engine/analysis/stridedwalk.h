#pragma once

#include <cstdint>
#include <vector>

namespace ml::detail {

// Walks a strided view of a flat buffer in row-major order: f(i, offset) for each element i of the
// view (dims), which is element `offset` of the buffer. View dim k steps strides[k] buffer elements,
// from buffer element `base`. Forward's strided copies (permute, transpose, indexing, slicing,
// chunk, split) gather with it and their backward scatters the gradient back with it.
template <class F>
void forEachStrided(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t base, F&& f)
{
    int64_t n = 1;
    for (int64_t d : dims)
        n *= d;
    const int rank = static_cast<int>(dims.size());
    std::vector<int64_t> idx(dims.size(), 0);
    int64_t off = base;
    for (int64_t i = 0; i < n; ++i) {
        f(i, off);
        for (int k = rank - 1; k >= 0; --k) {
            const auto u = static_cast<size_t>(k);
            if (++idx[u] < dims[u]) {
                off += strides[u];
                break;
            }
            off -= strides[u] * (dims[u] - 1);
            idx[u] = 0;
        }
    }
}

} // namespace ml::detail
