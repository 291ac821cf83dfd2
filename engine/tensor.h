#pragma once

#include "engine/shape.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
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
    Tensor(Tensor&& other) noexcept;
    Tensor& operator=(Tensor&& other) noexcept;

    const Shape& shape() const { return m_shape; }
    int64_t numel() const { return m_numel; }
    bool empty() const { return m_numel == 0 && m_shape.rank() == 0; }

    // Mutable access marks the contents as changed (see version()).
    float* data()
    {
        touch();
        return m_data.get();
    }
    const float* data() const { return m_data.get(); }
    float& operator[](int64_t i)
    {
        touch();
        return m_data[static_cast<size_t>(i)];
    }
    float operator[](int64_t i) const { return m_data[static_cast<size_t>(i)]; }

    // An id of the current contents, unique among all tensors for the life of the process: it
    // changes with every mutable access (data(), operator[], assignment) and is never reused.
    // Kernels key what they derive from a weight (its packed copy) on it, so a weight that was
    // edited, loaded or trained since is packed again. A write through a pointer kept from an
    // earlier data() call is not seen: take the pointer again for every round of writes.
    // Thread-safe.
    uint64_t version() const;

    // Same data, new shape of equal element count (a view in PyTorch; a move here).
    Tensor reshaped(Shape shape) &&;
    void reshapeInPlace(Shape shape);

private:
    Shape m_shape;
    int64_t m_numel = 0;
    std::unique_ptr<float[], AlignedDelete> m_data;
    mutable std::atomic<uint64_t> m_version{0}; // 0: changed since the last version()

    void touch() { m_version.store(0, std::memory_order_relaxed); }
};

} // namespace ml
