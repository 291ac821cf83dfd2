#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace ml {

// The shape of a tensor, outermost dimension first (NCHW for images).
class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<int64_t> dims) : m_dims(dims) {}
    explicit Shape(std::vector<int64_t> dims) : m_dims(std::move(dims)) {}

    int rank() const { return static_cast<int>(m_dims.size()); }
    int64_t operator[](int i) const { return m_dims[static_cast<size_t>(i)]; }
    int64_t& operator[](int i) { return m_dims[static_cast<size_t>(i)]; }
    // Python-style index: -1 is the last dimension.
    int64_t at(int i) const { return m_dims[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
    const std::vector<int64_t>& dims() const { return m_dims; }
    std::vector<int64_t>& dims() { return m_dims; }

    // Number of elements, or nullopt when it does not fit in int64.
    std::optional<int64_t> numel() const;
    // Product of dims [from, to) (no overflow check; use on validated shapes).
    int64_t product(int from, int to) const;

    // "[1, 32, 28, 28]", as torchinfo and PyTorch's messages print shapes.
    std::string toString() const;

    friend bool operator==(const Shape&, const Shape&) = default;

private:
    std::vector<int64_t> m_dims;
};

// Multiplies with overflow detection; false on overflow.
bool checkedMul(int64_t a, int64_t b, int64_t& out);
bool checkedAdd(int64_t a, int64_t b, int64_t& out);

} // namespace ml
