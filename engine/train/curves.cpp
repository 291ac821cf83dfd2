#include "engine/train/curves.h"

#include <cmath>

namespace ml {

std::vector<double> smoothCurve(const std::vector<double>& values, double weight)
{
    std::vector<double> out;
    out.reserve(values.size());
    double last = 0.0;
    double debias = 1.0;
    for (const double v : values) {
        last = last * weight + (1.0 - weight) * v;
        debias *= weight;
        out.push_back(weight > 0.0 && debias < 1.0 ? last / (1.0 - debias) : v);
    }
    return out;
}

} // namespace ml
