#include "app/document/predictions.h"

#include "engine/classprobabilities.h"
#include "engine/io/idx.h"

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
    // The engine's rule, the command line's too: the output as it is when it already is a
    // distribution, its softmax otherwise.
    auto probabilities = ml::classProbabilities(output);
    if (!probabilities)
        return std::nullopt;
    Prediction p;
    const std::vector<double>& first = probabilities->rows.front();
    p.probabilities.assign(first.begin(), first.end());
    p.softmaxApplied = probabilities->softmaxApplied;
    p.best = static_cast<int>(ml::classesByProbability(first).front());
    return p;
}

} // namespace ml::ui
