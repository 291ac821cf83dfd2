#pragma once

#include "engine/shape.h"

#include <cstddef>
#include <memory>

namespace ml {

// Frees a tensor buffer, unless the tensor only borrows it.
struct AlignedDelete {
    bool owns = true;
    void operator()(float* p) const;
};

// A dense float32 tensor in row-major (NCHW) order. The buffer is 64-byte aligned and is not
// zero-initialised unless asked for: kernels overwrite every element they produce.
class Tensor {
public:
    Tensor() = default;
    explicit Tensor(Shape shape);                 // uninitialised contents
    static Tensor zeros(Shape shape);
    static Tensor filled(Shape shape, float value);
    // A non-owning view of `data` with another shape of the same element count. The view must
    // not outlive the tensor it borrows from; copying a view makes an owning copy.
    static Tensor borrow(Shape shape, const float* data);

    Tensor(const Tensor& other);
    Tensor& operator=(const Tensor& other);
    Tensor(Tensor&&) noexcept = default;
    Tensor& operator=(Tensor&&) noexcept = default;

    const Shape& shape() const { return m_shape; }
    int64_t numel() const { return m_numel; }
    bool empty() const { return m_numel == 0 && m_shape.rank() == 0; }

    float* data() { return m_data.get(); }
    const float* data() const { return m_data.get(); }
    float& operator[](int64_t i) { return m_data[static_cast<size_t>(i)]; }
    float operator[](int64_t i) const { return m_data[static_cast<size_t>(i)]; }

    // Same data, new shape of equal element count (a view in PyTorch; a move here).
    Tensor reshaped(Shape shape) &&;
    void reshapeInPlace(Shape shape);

private:
    Shape m_shape;
    int64_t m_numel = 0;
    std::unique_ptr<float[], AlignedDelete> m_data;
};

} // namespace ml
