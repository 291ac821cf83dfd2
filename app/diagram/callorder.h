#pragma once

#include "engine/module.h"

#include <string>
#include <vector>

namespace ml::ui {

// One module call made directly by a custom Module's forward().
struct ModuleCall {
    const Module* module = nullptr; // the callee: a child, a container entry, a deeper descendant
    std::vector<std::string> opsBefore; // functional ops since the previous call ("F.relu", ".view")
    SourceLoc loc;
};

// The order in which a custom Module's forward() calls modules, read from its program alone
// (no weights, no shapes): statements in order, `for m in self.lst` / enumerate / range(len)
// loops unrolled, `self.lst[i]`, `self.d['key']` and ModuleDict keys/values/items resolved,
// nested calls in Python's evaluation order (arguments before the call). Calls whose callee
// cannot be resolved statically are left out. Does not descend into the callees.
class CallOrder {
public:
    explicit CallOrder(const CustomModule& module);

    const std::vector<ModuleCall>& calls() const { return m_calls; }
    // Functional ops after the last module call (before return).
    const std::vector<std::string>& trailingOps() const { return m_trailingOps; }
    // Whether evaluation stopped at the safety limit (huge or runaway loops).
    bool truncated() const { return m_truncated; }

    static constexpr size_t kMaxCalls = 100000;

private:
    friend class CallOrderEvaluator;
    std::vector<ModuleCall> m_calls;
    std::vector<std::string> m_trailingOps;
    bool m_truncated = false;
};

} // namespace ml::ui
