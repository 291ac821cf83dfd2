#pragma once

#include <atomic>

namespace ml {

// A request to stop a forward pass (a user's Cancel), visible to long kernels on the thread
// that runs the pass. They read it between blocks of work and skip the rest of their work when
// it is set; the pass then stops at the end of that call (ForwardCancelled). Kernels read the
// flag once before their parallel region and pass the pointer into it.
class CancelScope {
public:
    explicit CancelScope(const std::atomic<bool>* flag);
    ~CancelScope();
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

private:
    const std::atomic<bool>* m_previous;
};

const std::atomic<bool>* currentCancelFlag(); // of this thread; nullptr outside a CancelScope

inline bool cancelRequested(const std::atomic<bool>* flag)
{
    return flag && flag->load(std::memory_order_relaxed);
}

} // namespace ml
