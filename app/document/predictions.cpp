#include "app/document/predictions.h"

#include "engine/io/idx.h"

#include <algorithm>
#include <cmath>

namespace ml::ui {

QStringList fashionMnistClasses()
{
    QStringList names;
    for (const std::string& n : ml::fashionMnistClassNames())
        names << QString::fromStdString(n);
    return names;
}

QStringList defaultClassNames(int count)
{
    if (count == 10)
        return fashionMnistClasses();
    QStringList names;
    for (int i = 0; i < count; ++i)
        names << QStringLiteral("class %1").arg(i);
    return names;
}

std::optional<Prediction> predictionOf(const ml::Tensor& output)
{
    const ml::Shape& s = output.shape();
    int64_t k = 0;
    if (s.rank() == 2 && s[0] >= 1)
        k = s[1];
    else if (s.rank() == 1)
        k = s[0];
    if (k < 1 || k > 100000)
        return std::nullopt;
    Prediction p;
    p.probabilities.assign(output.data(), output.data() + k);
    bool distribution = true;
    double sum = 0;
    for (float v : p.probabilities) {
        if (!std::isfinite(v) || v < 0.f || v > 1.f)
            distribution = false;
        sum += v;
    }
    if (!distribution || std::abs(sum - 1.0) > 1e-3) {
        const float top = *std::max_element(p.probabilities.begin(), p.probabilities.end());
        double total = 0;
        for (float& v : p.probabilities) {
            v = std::exp(v - top);
            total += v;
        }
        for (float& v : p.probabilities)
            v = static_cast<float>(v / total);
        p.softmaxApplied = true;
    }
    p.best = static_cast<int>(std::max_element(p.probabilities.begin(), p.probabilities.end()) - p.probabilities.begin());
    return p;
}

} // namespace ml::ui
