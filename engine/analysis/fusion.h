#pragma once

#include "engine/layers/convkernel.h"
#include "engine/python/evaluator.h"

#include <functional>
#include <memory>
#include <optional>
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

// Conv2d -> eval-mode BatchNorm2d (-> activation) (-> + residual (-> activation)) run as one
// convolution (Conv2d::forwardFused) where the program allows:
// - consecutive children of a Sequential: Conv2d, BatchNorm2d and an activation that oneDNN
//   applies in the output step (ReLU, ReLU6, LeakyReLU, SiLU, Hardswish, GELU);
// - in a forward program, `F.relu(self.bn(self.conv(x)))`, `self.act(self.bn(self.conv(x)))`
//   and `self.bn(self.conv(x))` where the convolution's output goes nowhere else, and the same
//   one layer per statement (`x = self.conv(x)`, `x = self.bn(x)`, `x = self.relu(x)`, each
//   replacing x, as torchvision writes it);
// - a residual block's tail: `out = self.bn(self.conv(y))` followed by `out = out + r`,
//   `out += r` or `return out + r` (either order), optionally then `out = F.relu(out)` /
//   `return self.relu(out)`, or `F.relu(out + r)` in one statement, where r is a local name
//   other than out or an empty nn.Sequential / nn.Identity called on one (the shortcut's value
//   exists before the convolution runs). A shortcut that computes (a 1x1 convolution) is not
//   fused: running it first would reorder the calls.
// The interpreter asks before each call whether to plan one (only in an unobserved, unrecorded
// real run), for each layer whether it was computed fused or has already been applied (its
// output is then its input), and for each tensor + whether the fused convolution has already
// added it. The BatchNorm, the activations and the + are still called, so every call, shape and
// count is recorded as without fusion.
class Fusion {
public:
    using Training = std::function<bool(const Module&)>; // whether m runs in training mode

    Fusion();
    ~Fusion();

    // Before child `index` of Sequential `seq` runs.
    void beforeSequentialChild(const Module& seq, size_t index, const Training& training);
    // Before `callee` is called by the call expression `call` in a forward program of `self`
    // (a CustomModule); `locals` and `globals` resolve F / torch and the residual's name.
    void beforeProgramCall(const Module& callee, const Module* self, const Expr* call, const Evaluator::Scope& locals,
                           const Evaluator::Scope& globals, const Training& training);
    // Computes layer's output fused when it is the planned convolution (input in).
    bool compute(const Layer& layer, const Tensor& in, Tensor& out);
    // Whether layer, called on `in`, was already applied by the fused convolution.
    bool passThrough(const Layer& layer, const Tensor* in);
    // For a + b: the operand that already holds the sum (the fused convolution's output, to
    // which it added the other operand), or null when the + is to be computed.
    const Value* passThroughAdd(const Value& a, const Value& b);

    // The activation the convolution's output step applies for layer, if oneDNN has it.
    static std::optional<layers::ConvActivation> fusedActivation(const Layer& layer);

    struct Site;

private:
    enum class Step { Bn, Act, Add, After };
    struct Plan {
        const Conv2d* conv = nullptr;
        const BatchNormBase* bn = nullptr;
        const Layer* act = nullptr;             // an activation module, or
        bool functionalRelu = false;            // F.relu / torch.relu
        std::shared_ptr<const Tensor> residual; // added after act
        Shape residualShape;
        const Layer* after = nullptr;           // an activation module after the sum, or
        bool functionalReluAfter = false;       // F.relu / torch.relu after it
    };
    Plan m_plan;                          // to be computed by the next call of m_plan.conv
    Plan m_applied;                       // computed: the steps below still to be called
    const Tensor* m_fused = nullptr;      // the fused convolution's output
    std::vector<Step> m_steps;            // calls that pass through, in order
    size_t m_next = 0;
    std::unordered_map<const void*, std::unique_ptr<std::unordered_map<const Expr*, Site>>> m_sites; // per program

    const std::unordered_map<const Expr*, Site>& sitesOf(const ForwardProgram& p);
    bool planResidual(const Site& s, const Module& self, const Evaluator::Scope& locals, const Evaluator::Scope& globals,
                      const Training& training);
};

} // namespace ml::detail
