#include "app/document/runinputchoice.h"

#include "app/document/predictions.h"
#include "engine/names.h"

#include <algorithm>

namespace ml::ui {

RunInputChoice::RunInputChoice()
    : m_classNames(fashionMnistClasses())
{
}

void RunInputChoice::setImage(const ml::Image8& image, const QString& name, int label)
{
    m_image = image;
    m_imageName = name;
    m_imageLabel = label;
    m_hasImage = true;
}

void RunInputChoice::setNormalisation(std::vector<double> mean, std::vector<double> std)
{
    m_mean = std::move(mean);
    m_std = std::move(std);
}

std::optional<RunInput> RunInputChoice::inputFor(const ml::Shape& shape, uint64_t seed, QString* why) const
{
    if (!InputSpec::isPictureShape(shape))
        return tensorInput(shape, seed, why);
    if (!m_hasImage) {
        if (why)
            *why = QStringLiteral("Choose a sample or open an image to run the model on");
        return std::nullopt;
    }
    auto spec = InputSpec::fromShape(shape, why);
    if (!spec)
        return std::nullopt;
    spec->mean = m_mean;
    spec->std = m_std;
    return makeRunInput(m_image, *spec, m_imageName, m_imageLabel);
}

// [1, 64] and the like: the typed values, or a tensor of random values.
std::optional<RunInput> RunInputChoice::tensorInput(const ml::Shape& shape, uint64_t seed, QString* why) const
{
    if (!m_typed.empty()) {
        const int64_t n = shape.numel().value_or(-1);
        if (static_cast<int64_t>(m_typed.size()) != n) {
            if (why)
                *why = QStringLiteral("%1 values were typed; the model's input %2 takes %3")
                           .arg(m_typed.size())
                           .arg(QString::fromStdString(shape.toString()))
                           .arg(n);
            return std::nullopt;
        }
        RunInput typed;
        typed.name = QStringLiteral("typed values");
        typed.tensor = ml::Tensor(shape);
        std::copy(m_typed.begin(), m_typed.end(), typed.tensor.data());
        return typed;
    }
    constexpr int64_t kMaxRandom = int64_t{1} << 26;
    if (shape.numel().value_or(INT64_MAX) > kMaxRandom) {
        if (why)
            *why = QStringLiteral("Not supported by ModuleLab yet: a random input of more than %1 values; the model's "
                                  "input is %2")
                       .arg(QString::fromStdString(ml::withThousands(kMaxRandom)), QString::fromStdString(shape.toString()));
        return std::nullopt;
    }
    return makeRandomInput(shape, seed);
}

} // namespace ml::ui
