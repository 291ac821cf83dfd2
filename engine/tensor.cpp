#include "engine/tensor.h"

#include <algorithm>
#include <cassert>
#include <new>

#include <malloc.h>

namespace ml {

namespace {
constexpr std::align_val_t kAlign{64};

// Forward passes allocate the same large activation buffers again and again. By default glibc
// serves each from a fresh mmap and unmaps it on free, so every pass pays for the kernel
// zeroing new pages (a fifth of a batch-64 pass). Serving them from the heap and keeping freed
// memory there lets the next pass reuse it.
void keepLargeBuffersInTheHeap()
{
    static const bool done = [] {
        mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024); // glibc's maximum on 64-bit
        mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
        return true;
    }();
    (void)done;
}

float* allocate(int64_t n)
{
    if (n <= 0)
        return nullptr;
    if (n >= (int64_t{1} << 18))
        keepLargeBuffersInTheHeap();
    return static_cast<float*>(::operator new[](static_cast<size_t>(n) * sizeof(float), kAlign));
}
} // namespace

void AlignedDelete::operator()(float* p) const
{
    if (owns)
        ::operator delete[](p, kAlign);
}

Tensor Tensor::borrow(Shape shape, const float* data)
{
    Tensor t;
    t.m_numel = shape.numel().value_or(0);
    t.m_shape = std::move(shape);
    t.m_data = std::unique_ptr<float[], AlignedDelete>(const_cast<float*>(data), AlignedDelete{false});
    return t;
}

Tensor::Tensor(Shape shape)
    : m_shape(std::move(shape))
    , m_numel(m_shape.numel().value_or(0))
    , m_data(allocate(m_numel))
{
}

Tensor Tensor::zeros(Shape shape) { return filled(std::move(shape), 0.0f); }

Tensor Tensor::filled(Shape shape, float value)
{
    Tensor t(std::move(shape));
    std::fill_n(t.data(), t.numel(), value);
    return t;
}

Tensor::Tensor(const Tensor& other)
    : m_shape(other.m_shape)
    , m_numel(other.m_numel)
    , m_data(allocate(other.m_numel))
{
    std::copy_n(other.data(), m_numel, data());
}

Tensor& Tensor::operator=(const Tensor& other)
{
    if (this != &other) {
        Tensor copy(other);
        *this = std::move(copy);
    }
    return *this;
}

Tensor Tensor::reshaped(Shape shape) &&
{
    reshapeInPlace(std::move(shape));
    return std::move(*this);
}

void Tensor::reshapeInPlace(Shape shape)
{
    assert(shape.numel().value_or(-1) == m_numel);
    m_shape = std::move(shape);
}

} // namespace ml
