#include "app/document/modelfiles.h"

#include "engine/python/exporter.h"

#include <QByteArray>
#include <QFile>

namespace ml::ui {

std::variant<LoadedModel, ml::ParseError> readModelText(const QByteArray& text, const QString& fileName,
                                                        const ml::ModelLoadOptions& options)
{
    return ml::loadModelText(std::string_view(text.constData(), static_cast<size_t>(text.size())), fileName.toStdString(),
                             options);
}

std::variant<LoadedModel, ml::ParseError> readModelFile(const QString& path, const ml::ModelLoadOptions& options)
{
    if (!path.startsWith(QLatin1Char(':')))
        return ml::loadModelFile(path.toStdString(), options);
    // A Qt resource: the engine reads the bytes Qt holds, weights are looked up beside it.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ml::ParseError{path.toStdString(), {1, 1}, "cannot open the file: " + file.errorString().toStdString()};
    if (file.size() > static_cast<qint64>(ml::kModelFileMaxBytes))
        return ml::ParseError{path.toStdString(), {1, 1}, "the file is too large to be a model"};
    return readModelText(file.readAll(), path, options);
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
