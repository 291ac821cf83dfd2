#pragma once

#include "engine/tensor.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace ml {

// What a classifier's output says, for the command line's --topk and the application's chart.
struct ClassProbabilities {
    std::vector<std::vector<double>> rows; // one per sample, K values summing to 1
    bool softmaxApplied = false;           // the output was not already a distribution
};

// The class probabilities of an [N, K] (or [K]) output with 1 <= K <= 100,000: the output as
// it is when every row already is a distribution (finite values in [0, 1] summing to 1 within
// 1e-3, as a model ending in nn.Softmax gives), otherwise torch.softmax(output, dim=-1) of
// every row. nullopt for any other shape.
std::optional<ClassProbabilities> classProbabilities(const Tensor& output);

// The classes of one row, most probable first; equal probabilities keep index order.
std::vector<int64_t> classesByProbability(const std::vector<double>& row);

} // namespace ml
