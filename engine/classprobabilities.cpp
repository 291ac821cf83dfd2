#include "engine/classprobabilities.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ml {

namespace {

bool isDistribution(const float* v, int64_t k)
{
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) {
        if (!std::isfinite(v[j]) || v[j] < 0.f || v[j] > 1.f)
            return false;
        sum += v[j];
    }
    return std::abs(sum - 1.0) <= 1e-3;
}

std::vector<double> softmax(const float* v, int64_t k)
{
    const double top = *std::max_element(v, v + k);
    std::vector<double> p(static_cast<size_t>(k));
    double total = 0;
    for (int64_t j = 0; j < k; ++j)
        total += p[static_cast<size_t>(j)] = std::exp(static_cast<double>(v[j]) - top);
    for (double& x : p)
        x /= total;
    return p;
}

} // namespace

std::optional<ClassProbabilities> classProbabilities(const Tensor& output)
{
    const Shape& s = output.shape();
    int64_t n = 0, k = 0;
    if (s.rank() == 2)
        n = s[0], k = s[1];
    else if (s.rank() == 1)
        n = 1, k = s[0];
    if (n < 1 || k < 1 || k > 100000)
        return std::nullopt;
    const float* data = output.data();
    ClassProbabilities out;
    for (int64_t i = 0; i < n && !out.softmaxApplied; ++i)
        out.softmaxApplied = !isDistribution(data + i * k, k);
    for (int64_t i = 0; i < n; ++i) {
        const float* row = data + i * k;
        out.rows.push_back(out.softmaxApplied ? softmax(row, k) : std::vector<double>(row, row + k));
    }
    return out;
}

std::vector<int64_t> classesByProbability(const std::vector<double>& row)
{
    std::vector<int64_t> order(row.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return row[static_cast<size_t>(a)] > row[static_cast<size_t>(b)]; });
    return order;
}

} // namespace ml
