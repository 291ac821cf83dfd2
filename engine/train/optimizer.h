#pragma once

#include "engine/train/tape.h"

#include <optional>
#include <string>
#include <vector>

namespace ml {

enum class OptimizerKind { Sgd, Adam, AdamW };

struct OptimizerOptions {
    OptimizerKind kind = OptimizerKind::Sgd;
    double lr = 0.01;
    double momentum = 0.0;   // SGD
    double dampening = 0.0;  // SGD
    bool nesterov = false;   // SGD
    double weightDecay = 0.0;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8; // Adam, AdamW
    bool amsgrad = false;    // Adam, AdamW
};

// PyTorch's defaults: lr 0.001 for Adam and AdamW, weight_decay 0.01 for AdamW.
OptimizerOptions defaultOptimizerOptions(OptimizerKind kind);
std::optional<OptimizerKind> optimizerKindFromName(const std::string& name); // sgd, adam, adamw
// The constructor's checks with PyTorch's messages ("Invalid learning rate: -1.0").
std::optional<std::string> validate(const OptimizerOptions& o);

// Before training: every module of the tree gets tensors of its own, no longer shared with a
// clone outside the tree (the copy on write happens here, once: optimizers keep pointers to the
// parameters), and the places of one module stored under several names share one storage, as
// they are one object in PyTorch. Training then writes parameters and running statistics in place.
void ownTrainingTensors(Module& root);

// What model.parameters() yields: the parameters (not buffers) of the registered tree, in
// state_dict order, a module stored under several names once (its first name). Calls
// ownTrainingTensors. Layers inside a plain Python list are not among them. Parameters of the
// modules at `frozen` paths (and below) are left out, as requires_grad=False leaves them
// without gradients, which optimizers skip. The model's weights must exist (initialised or loaded).
std::vector<Tensor*> modelParameters(Module& root, const std::vector<std::string>& frozen = {});
// torch.optim's first check: an optimizer over model.parameters() that yields nothing raises
// ValueError. The message says so and why (no registered parameter: a plain Python list's
// layers are not registered); nullopt when there is something to optimise.
std::optional<std::string> emptyParameterListProblem(Module& root);

// torch.optim.SGD / Adam / AdamW with PyTorch 1.13's update formulas. A parameter without a
// gradient (never reached by backward) is skipped, as PyTorch skips p.grad is None.
class Optimizer {
public:
    Optimizer(std::vector<Tensor*> params, OptimizerOptions options);
    void step(const ParamGrads& grads);
    double lr() const { return m_opt.lr; }
    void setLr(double lr) { m_opt.lr = lr; }
    const OptimizerOptions& options() const { return m_opt; }

    // Per parameter, what optimizer.state_dict()["state"] holds (for checkpoints).
    struct State {
        int64_t step = 0;
        Tensor momentum; // SGD momentum_buffer / Adam exp_avg
        Tensor sq;       // exp_avg_sq
        Tensor maxSq;    // max_exp_avg_sq
    };
    const std::vector<Tensor*>& params() const { return m_params; }
    std::vector<State>& state() { return m_state; }
    const std::vector<State>& state() const { return m_state; }

private:
    void sgd(Tensor& p, const Tensor& g, State& s);
    void adam(Tensor& p, const Tensor& g, State& s);

    std::vector<Tensor*> m_params;
    std::vector<State> m_state;
    OptimizerOptions m_opt;
};

// Learning-rate schedules stepped once per epoch: StepLR and CosineAnnealingLR (closed form).
struct LrSchedule {
    enum class Kind { Constant, Step, Cosine } kind = Kind::Constant;
    int64_t stepSize = 1;  // StepLR
    double gamma = 0.1;    // StepLR
    int64_t tMax = 1;      // CosineAnnealingLR
    double etaMin = 0.0;   // CosineAnnealingLR
    double lrAt(double baseLr, int64_t epoch) const;
};

} // namespace ml
