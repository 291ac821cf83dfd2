#include "engine/shape.h"

namespace ml {

bool checkedMul(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
bool checkedAdd(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }

std::optional<int64_t> Shape::numel() const
{
    int64_t n = 1;
    for (int64_t d : m_dims) {
        if (d < 0 || !checkedMul(n, d, n))
            return std::nullopt;
    }
    return n;
}

int64_t Shape::product(int from, int to) const
{
    int64_t n = 1;
    for (int i = from; i < to; ++i)
        n *= m_dims[static_cast<size_t>(i)];
    return n;
}

std::string Shape::toString() const
{
    std::string s = "[";
    for (size_t i = 0; i < m_dims.size(); ++i) {
        if (i)
            s += ", ";
        s += std::to_string(m_dims[i]);
    }
    s += "]";
    return s;
}

} // namespace ml
