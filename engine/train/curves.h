#pragma once

#include <vector>

namespace ml {

// The smoothed loss curve drawn over the raw one: an exponential moving average with
// TensorBoard's debiasing (the first points are not pulled towards zero). weight in [0, 1).
std::vector<double> smoothCurve(const std::vector<double>& values, double weight);

} // namespace ml
