#include "app/document/modelfiles.h"

#include "engine/python/exporter.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace ml::ui {

std::variant<LoadedModel, ml::ParseError> readModelText(const QByteArray& text, const QString& fileName,
                                                        const ml::ModelLoadOptions& options)
{
    return ml::loadModelText(std::string_view(text.constData(), static_cast<size_t>(text.size())), fileName.toStdString(),
                             options);
}

std::variant<QByteArray, ml::ParseError> readModelSource(const QString& path)
{
    if (!path.startsWith(QLatin1Char(':'))) {
        auto text = ml::readModelFileText(path.toStdString());
        if (auto* error = std::get_if<ml::ParseError>(&text))
            return std::move(*error);
        return QByteArray::fromStdString(std::get<std::string>(text));
    }
    // A Qt resource: the engine reads the bytes Qt holds, weights are looked up beside it.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ml::ParseError{path.toStdString(), {1, 1}, "cannot open the file: " + file.errorString().toStdString()};
    if (file.size() > static_cast<qint64>(ml::kModelFileMaxBytes))
        return ml::ParseError{path.toStdString(), {1, 1}, "the file is too large to be a model"};
    return file.readAll();
}

std::variant<LoadedModel, ml::ParseError> readModelFile(const QString& path, const ml::ModelLoadOptions& options)
{
    auto source = readModelSource(path);
    if (auto* error = std::get_if<ml::ParseError>(&source))
        return std::move(*error);
    return readModelText(std::get<QByteArray>(source), path, options);
}

QString shippedWeightsFile(const QString& modelPath, const ml::ModelFileExtras& extras, QString* missingNamed)
{
    if (!extras.weightsPath.empty()) {
        const QString named = QString::fromStdString(extras.weightsPath);
        if (QFileInfo::exists(named))
            return named;
        if (missingNamed)
            *missingNamed = named;
    }
    const QFileInfo info(modelPath);
    const QString dir = modelPath.startsWith(QStringLiteral(":/")) ? info.path() : info.absolutePath();
    const QString stem = QDir(dir).filePath(info.completeBaseName());
    for (const char* suffix : {".safetensors", ".weights.safetensors", ".pth", ".pt"})
        if (QFileInfo::exists(stem + QLatin1String(suffix)))
            return stem + QLatin1String(suffix);
    return {};
}

QString pythonCode(const ml::Module& root, const ml::Shape& input)
{
    return QString::fromStdString(ml::python::exportPython(root, input));
}

std::optional<QString> writeModelFile(const ml::Module& root, const ml::ModelFileExtras& extras, const QString& path)
{
    if (auto err = ml::saveModelFile(root, extras, path.toStdString()))
        return QString::fromStdString(*err);
    return std::nullopt;
}

} // namespace ml::ui
