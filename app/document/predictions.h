#pragma once

#include "engine/tensor.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace ml::ui {

// Fashion-MNIST's ten classes in label order.
QStringList fashionMnistClasses();
// Names for `count` classes: Fashion-MNIST's for ten, "class 0", "class 1", ... otherwise.
QStringList defaultClassNames(int count);

// What the model predicts for the first sample of an [N, K] (or [K]) output.
struct Prediction {
    std::vector<float> probabilities; // K values summing to 1
    bool softmaxApplied = false;      // the output was not already a distribution
    int best = -1;
};
// The first sample's row of ml::classProbabilities(): the output as it is when it already is a
// distribution, its softmax otherwise. nullopt for outputs that are not [N, K] or [K].
std::optional<Prediction> predictionOf(const ml::Tensor& output);

} // namespace ml::ui
