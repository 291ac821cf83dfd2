#include "engine/train/target.h"

#include "engine/analysis/analysis.h"

#include <algorithm>
#include <cmath>

namespace ml {

std::optional<TargetKind> targetKindFromName(const std::string& name)
{
    if (name == "class")
        return TargetKind::Classes;
    if (name == "input")
        return TargetKind::Input;
    return std::nullopt;
}

LossKind defaultLossFor(TargetKind target)
{
    return target == TargetKind::Input ? LossKind::Mse : LossKind::CrossEntropy;
}

std::string lossClassName(LossKind kind)
{
    switch (kind) {
    case LossKind::CrossEntropy:
        return "CrossEntropyLoss";
    case LossKind::Nll:
        return "NLLLoss";
    case LossKind::Mse:
        return "MSELoss";
    case LossKind::BceWithLogits:
        return "BCEWithLogitsLoss";
    }
    return {};
}

bool outputHasInputShape(const Module& root, const Shape& input)
{
    const Analysis an = analyze(root, input);
    return !an.hasErrors() && an.outputs.size() == 1 && an.outputShape && *an.outputShape == input;
}

std::optional<std::string> targetProblem(TargetKind target, LossKind loss, const Shape& input, const Shape& output)
{
    const std::string name = lossClassName(loss);
    const bool sameShape = input == output;
    if (target == TargetKind::Input) {
        if (!sameShape)
            return "the output " + output.toString() + " does not have the input's shape " + input.toString()
                   + ": only a model whose output has its input's shape (an autoencoder) can be trained against the input";
        if (lossTakesClasses(loss))
            return name + " takes class labels, not an image: train against the input with MSELoss or BCEWithLogitsLoss";
        return std::nullopt;
    }
    if (sameShape && lossTakesClasses(loss))
        return "the output " + output.toString() + " has the input's shape: it is an image, not class scores, and " + name
               + " against class labels fails in PyTorch (\"only batches of spatial targets supported (3D tensors) but got "
                 "targets of dimension: 1\"); train it against the input (reconstruction) with MSELoss or BCEWithLogitsLoss";
    if (!lossTakesClasses(loss))
        return name + " needs float targets of the output's shape, and the data's targets are class labels: choose "
                      "CrossEntropyLoss or NLLLoss, or train against the input (reconstruction) if the output has the input's shape";
    return std::nullopt;
}

Targets inputTargets(const Tensor& x)
{
    Targets t;
    t.values = x;
    return t;
}

Reconstructions reconstructionPictures(const Tensor& input, const Tensor& output, LossKind loss, const std::vector<double>& mean,
                                       const std::vector<double>& std)
{
    Reconstructions r{input, output};
    const Shape& s = input.shape();
    const int64_t channels = s.rank() >= 2 ? s[1] : 1;
    const int64_t plane = s.rank() >= 2 && s[0] * channels > 0 ? input.numel() / (s[0] * channels) : 1;
    const auto picture = [&](Tensor& t, bool logits) {
        for (int64_t i = 0; i < t.numel(); ++i) {
            double v = t[i];
            if (logits)
                v = 1.0 / (1.0 + std::exp(-v));
            else if (!mean.empty()) {
                const size_t c = static_cast<size_t>((i / plane) % channels);
                const size_t k = std::min(c, mean.size() - 1);
                v = v * std[std::min(k, std.size() - 1)] + mean[k];
            }
            t[i] = static_cast<float>(std::clamp(v, 0.0, 1.0));
        }
    };
    picture(r.inputs, false);
    picture(r.outputs, loss == LossKind::BceWithLogits);
    return r;
}

} // namespace ml
