#pragma once

#include "engine/tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace ml {

enum class LossKind { CrossEntropy, Nll, Mse, BceWithLogits };
enum class Reduction { Mean, Sum };

struct LossOptions {
    LossKind kind = LossKind::CrossEntropy;
    Reduction reduction = Reduction::Mean;
    double labelSmoothing = 0.0; // CrossEntropyLoss
    int64_t ignoreIndex = -100;  // CrossEntropyLoss, NLLLoss
    // Which of several outputs (forward returns a tuple, namedtuple, list or dict) the loss is
    // computed on, as a training loop picks `out[K]` or `out.NAME`: an element's index K, or its
    // name as `run --output` saves it without "output." (a namedtuple field or dict key, "K.J"
    // inside a nested tuple). Empty: the only tensor among the outputs (the others None).
    std::string output{};
};

// "cross_entropy", "nll", "mse", "bce_with_logits"; nullopt for another name.
std::optional<LossKind> lossKindFromName(const std::string& name);
// Whether the loss takes class indices (CrossEntropyLoss may take probabilities too).
bool lossTakesClasses(LossKind kind);

// A batch's targets: class indices (int64) or a float tensor.
struct Targets {
    std::vector<int64_t> classes;
    std::optional<Tensor> values;
};

struct LossResult {
    double value = 0.0;
    Tensor grad;       // d(loss)/d(output), the output's shape
    std::string error; // PyTorch's message where it would fail
};

// The loss of `output` against `target` and its gradient, with PyTorch's formulas and reductions.
LossResult computeLoss(const LossOptions& options, const Tensor& output, const Targets& target);

} // namespace ml
