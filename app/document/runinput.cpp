#include "app/document/runinput.h"

#include "engine/imagedecoder.h"
#include "engine/io/project.h"

#include "engine/layer.h"

#include <QFile>
#include <QFileInfo>

#include <cstring>

namespace ml::ui {

std::optional<InputSpec> InputSpec::fromShape(const ml::Shape& shape, QString* why)
{
    if (!isPictureShape(shape)) {
        if (why)
            *why = QStringLiteral("The model's input %1 is not a picture: images need [N, 1 or 3, H, W]")
                       .arg(QString::fromStdString(shape.toString()));
        return std::nullopt;
    }
    if (shape[2] > kMaxSide || shape[3] > kMaxSide) {
        if (why)
            *why = QStringLiteral("Not supported by ModuleLab yet: pictures of at most %1 x %1 pixels; the model's input %2 "
                                  "asks for %3 x %4")
                       .arg(kMaxSide)
                       .arg(QString::fromStdString(shape.toString()))
                       .arg(shape[2])
                       .arg(shape[3]);
        return std::nullopt;
    }
    InputSpec s;
    s.channels = static_cast<int>(shape[1]);
    s.height = static_cast<int>(shape[2]);
    s.width = static_cast<int>(shape[3]);
    return s;
}

RunInput makeRandomInput(const ml::Shape& shape, uint64_t seed)
{
    RunInput r;
    r.name = QStringLiteral("random values in [0, 1), seed %1").arg(seed);
    r.tensor = ml::Tensor(shape);
    ml::TorchGenerator gen(seed);
    for (int64_t k = 0; k < r.tensor.numel(); ++k)
        r.tensor[k] = gen.uniform(0.0, 1.0);
    return r;
}

QImage toQImage(const ml::Image8& image)
{
    if (image.width <= 0 || image.height <= 0)
        return {};
    const QImage::Format format = image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
    QImage out(image.width, image.height, format);
    const size_t rowBytes = static_cast<size_t>(image.width) * static_cast<size_t>(image.channels);
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.scanLine(y), image.pixels.data() + static_cast<size_t>(y) * rowBytes, rowBytes);
    return out;
}

RunInput makeRunInput(const ml::Image8& image, const InputSpec& spec, const QString& name, int label)
{
    RunInput in;
    in.name = name;
    in.label = label;
    in.original = toQImage(image);
    const ml::Image8 conv = ml::convertImage(image, spec.channels, spec.width, spec.height);
    in.converted = toQImage(conv);
    in.tensor = ml::imageToTensor(conv);
    if (!spec.mean.empty())
        ml::normalizeInput(in.tensor, spec.mean, spec.std); // validated with the project: channels match
    return in;
}

std::optional<ml::Image8> readImage8(const QString& path, QString* error)
{
    if (path.startsWith(QLatin1Char(':'))) { // a Qt resource: its bytes, decoded by the engine all the same
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            if (error)
                *error = QStringLiteral("%1: not a readable image").arg(path);
            return std::nullopt;
        }
        const QByteArray bytes = file.readAll();
        auto decoded = ml::decodeImage(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())), path.toStdString());
        if (auto* err = std::get_if<std::string>(&decoded)) {
            if (error)
                *error = QString::fromStdString(*err);
            return std::nullopt;
        }
        return std::move(std::get<ml::Image8>(decoded));
    }
    auto decoded = ml::readImage(QFileInfo(path).absoluteFilePath().toStdString());
    if (auto* err = std::get_if<std::string>(&decoded)) {
        if (error)
            *error = QString::fromStdString(*err);
        return std::nullopt;
    }
    return std::move(std::get<ml::Image8>(decoded));
}

} // namespace ml::ui
