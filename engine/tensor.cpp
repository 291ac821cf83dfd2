#include "engine/tensor.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <utility>

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

Tensor::Tensor(Tensor&& other) noexcept
    : m_shape(std::move(other.m_shape))
    , m_numel(std::exchange(other.m_numel, 0))
    , m_data(std::move(other.m_data))
{
    other.m_shape = Shape();
    other.touch();
}

Tensor& Tensor::operator=(Tensor&& other) noexcept
{
    if (this != &other) {
        m_shape = std::move(other.m_shape);
        other.m_shape = Shape();
        m_numel = std::exchange(other.m_numel, 0);
        m_data = std::move(other.m_data);
        touch();
        other.touch();
    }
    return *this;
}

uint64_t Tensor::version() const
{
    static std::atomic<uint64_t> next{1};
    uint64_t v = m_version.load(std::memory_order_acquire);
    if (v == 0) {
        const uint64_t fresh = next.fetch_add(1, std::memory_order_relaxed);
        // Another thread may have numbered the same contents meanwhile: either number is fine.
        if (m_version.compare_exchange_strong(v, fresh, std::memory_order_acq_rel))
            v = fresh;
    }
    return v;
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
