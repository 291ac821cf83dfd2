#pragma once

#include "engine/python/evaluator.h"

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace ml {
class BatchNormBase;
class Conv2d;
class Layer;
class Module;
class Tensor;
} // namespace ml

namespace ml::detail {

// Conv2d -> eval-mode BatchNorm2d (-> ReLU) run as one convolution (Conv2d::forwardFused) where
// the program allows: consecutive children of a Sequential, and the nested calls
// `F.relu(self.bn(self.conv(x)))` / `self.bn(self.conv(x))` in a forward program, where the
// convolution's output goes nowhere else. The interpreter asks before each call whether to
// plan one (only in an unobserved, unrecorded real run) and, for each layer, whether it was
// computed fused or has already been applied (its output is then its input). The BatchNorm and
// the ReLU are still called, so every call, shape and count is recorded as without fusion.
class Fusion {
public:
    using Training = std::function<bool(const Module&)>; // whether m runs in training mode

    Fusion();
    ~Fusion();

    // Before child `index` of Sequential `seq` runs.
    void beforeSequentialChild(const Module& seq, size_t index, const Training& training);
    // Before `callee` is called by the call expression `call` in a forward program of `self`
    // (a CustomModule); `locals` and `globals` resolve F / torch.
    void beforeProgramCall(const Module& callee, const Module* self, const Expr* call, const Evaluator::Scope& locals,
                           const Evaluator::Scope& globals, const Training& training);
    // Computes layer's output fused when it is the planned convolution (input in).
    bool compute(const Layer& layer, const Tensor& in, Tensor& out);
    // Whether layer, called on `in`, was already applied by the fused convolution.
    bool passThrough(const Layer& layer, const Tensor* in);

    struct Site;

private:
    struct Plan {
        const Conv2d* conv = nullptr;
        const BatchNormBase* bn = nullptr;
        const Layer* relu = nullptr; // a ReLU module, or
        bool functionalRelu = false; // F.relu / torch.relu
    };
    Plan m_plan;                          // to be computed by the next call of m_plan.conv
    Plan m_applied;                       // computed: BatchNorm and ReLU still to be called
    const Tensor* m_fused = nullptr;      // the fused convolution's output
    int m_stepsLeft = 0;                  // BatchNorm and ReLU calls that pass through
    std::unordered_map<const void*, std::unique_ptr<std::unordered_map<const Expr*, Site>>> m_sites; // per program

    const std::unordered_map<const Expr*, Site>& sitesOf(const ForwardProgram& p);
};

} // namespace ml::detail
