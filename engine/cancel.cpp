#include "engine/cancel.h"

namespace ml {

namespace {
thread_local const std::atomic<bool>* t_flag = nullptr;
}

CancelScope::CancelScope(const std::atomic<bool>* flag)
    : m_previous(t_flag)
{
    t_flag = flag;
}

CancelScope::~CancelScope()
{
    t_flag = m_previous;
}

const std::atomic<bool>* currentCancelFlag()
{
    return t_flag;
}

} // namespace ml
