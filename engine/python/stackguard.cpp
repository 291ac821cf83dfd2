#include "engine/python/stackguard.h"

#include <pthread.h>

#include <cstdint>
#include <limits>

namespace ml::detail {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// The lowest address of the calling thread's stack (stacks grow down on every platform ModuleLab
// builds for) and its size, read once per thread.
struct Bounds {
    std::uintptr_t low = 0;
    std::size_t size = 0;
};

Bounds readBounds()
{
    Bounds b;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return b;
    void* addr = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        b.low = reinterpret_cast<std::uintptr_t>(addr);
        b.size = size;
    }
    pthread_attr_destroy(&attr);
    return b;
}

const Bounds& bounds()
{
    thread_local const Bounds b = readBounds();
    return b;
}

} // namespace

std::size_t StackGuard::margin()
{
    // The plain build's deepest step between two checks (a layer's construction, a tensor
    // operation, formatting a message and unwinding) stays well below 256 KiB; instrumented
    // frames are up to four times larger. A stack smaller than twice that keeps half of itself.
    constexpr std::size_t base = kAddressSanitizer ? 1024 * 1024 : 256 * 1024;
    const std::size_t half = size() / 2;
    return half > 0 && half < base ? half : base;
}

std::size_t StackGuard::remaining()
{
    const Bounds& b = bounds();
    // The frame address, not a local's: AddressSanitizer may keep locals on a separate fake stack.
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    if (b.size == 0 || here < b.low)
        return std::numeric_limits<std::size_t>::max();
    return here - b.low;
}

std::size_t StackGuard::size()
{
    return bounds().size;
}

} // namespace ml::detail
