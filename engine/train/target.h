#pragma once

#include "engine/train/loss.h"

#include <optional>
#include <string>
#include <vector>

namespace ml {

// What a model is trained against: the data's class labels, or the input itself (an autoencoder
// or a generator whose output has its input's shape: loss(model(x), x)).
enum class TargetKind { Classes, Input };

// "class" or "input"; nullopt for another name.
std::optional<TargetKind> targetKindFromName(const std::string& name);
// MSELoss for a reconstruction, CrossEntropyLoss for class labels.
LossKind defaultLossFor(TargetKind target);
// The loss's name as torch.nn spells it ("MSELoss").
std::string lossClassName(LossKind kind);

class Module;

// Whether forward on a batch of shape `input` returns one tensor of that very shape: a model
// that can be trained against its input.
bool outputHasInputShape(const Module& root, const Shape& input);

// Why `loss` cannot train a model whose output for a batch of shape `input` is `output` against
// `target`; nullopt when it can. The message says what to choose instead.
std::optional<std::string> targetProblem(TargetKind target, LossKind loss, const Shape& input, const Shape& output);

// A batch's targets when the model is trained against its input: a copy of x.
Targets inputTargets(const Tensor& x);

// A few fixed images and the model's reconstructions of them, as pictures in [0, 1]: the
// normalisation (mean, std per channel; empty: none) undone, the output of a
// BCEWithLogitsLoss-trained model through the sigmoid it was trained with.
struct Reconstructions {
    Tensor inputs;  // [K, C, H, W]
    Tensor outputs; // [K, C, H, W]
};
Reconstructions reconstructionPictures(const Tensor& input, const Tensor& output, LossKind loss, const std::vector<double>& mean,
                                       const std::vector<double>& std);

} // namespace ml
