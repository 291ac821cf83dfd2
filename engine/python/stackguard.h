#pragma once

#include <cstddef>

namespace ml::detail {

// How much native stack the running thread has left, measured in bytes against the thread's own
// stack bounds (the main thread's and a worker thread's alike, whatever their size). Recursive
// evaluation asks before it goes deeper, so deep nesting ends in a located error while a safe
// margin is still free, never in a stack overflow.
class StackGuard {
public:
    // The bytes that must stay free below the current frame: room for the deepest work done
    // between two checks and for reporting the error. Several times larger when built with
    // AddressSanitizer, whose frames are several times larger.
    static std::size_t margin();
    // Bytes between the current frame and the end of the thread's stack; a very large number when
    // the bounds cannot be read.
    static std::size_t remaining();
    // The thread's stack size in bytes (0 when it cannot be read).
    static std::size_t size();
    static bool low() { return remaining() < margin(); }
};

} // namespace ml::detail
