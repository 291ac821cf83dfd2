#pragma once

#include "app/document/runinput.h"
#include "engine/imageinput.h"
#include "engine/shape.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace ml::ui {

// What a run is given: the chosen picture (with its name and true label), the normalisation
// of its project, values typed for an input that is not a picture, and the class names.
class RunInputChoice {
public:
    RunInputChoice();

    void setImage(const ml::Image8& image, const QString& name, int label);
    bool hasImage() const { return m_hasImage; }

    // torchvision's Normalize after ToTensor (a project's "normalize"); empty: none.
    void setNormalisation(std::vector<double> mean, std::vector<double> std);
    bool isNormalised() const { return !m_mean.empty(); }
    const std::vector<double>& normalisationMean() const { return m_mean; }
    const std::vector<double>& normalisationStd() const { return m_std; }

    // Values typed for a model whose input is not a picture, in the input's row-major order
    // (empty: random values from the seed).
    void setTypedValues(std::vector<float> values) { m_typed = std::move(values); }
    const std::vector<float>& typedValues() const { return m_typed; }

    const QStringList& classNames() const { return m_classNames; }
    void setClassNames(const QStringList& names) { m_classNames = names; }

    // The input for a model taking `shape`: the picture converted for it, the typed values,
    // or random values from `seed`; nullopt (and why) if impossible.
    std::optional<RunInput> inputFor(const ml::Shape& shape, uint64_t seed, QString* why) const;

private:
    std::optional<RunInput> tensorInput(const ml::Shape& shape, uint64_t seed, QString* why) const;

    QStringList m_classNames;
    ml::Image8 m_image;
    bool m_hasImage = false;
    QString m_imageName;
    int m_imageLabel = -1;
    std::vector<double> m_mean;
    std::vector<double> m_std;
    std::vector<float> m_typed;
};

} // namespace ml::ui
