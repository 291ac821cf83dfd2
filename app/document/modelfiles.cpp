#include "app/document/modelfiles.h"

#include "engine/io/project.h"
#include "engine/python/importer.h"
#include "engine/python/exporter.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace ml::ui {

std::variant<LoadedModel, ml::ParseError> readModelText(const QByteArray& text, const QString& fileName)
{
    const std::string name = fileName.toStdString();
    const std::string_view view(text.constData(), static_cast<size_t>(text.size()));
    const qsizetype first = text.indexOf(QByteArray::fromRawData("{", 1));
    const bool json = first >= 0 && text.left(first).trimmed().isEmpty();
    LoadedModel out;
    if (json) {
        auto parsed = ml::parseProject(view, name);
        if (auto* err = std::get_if<ml::ParseError>(&parsed))
            return *err;
        auto& project = std::get<ml::Project>(parsed);
        out.root = std::move(project.root);
        out.inputShape = project.inputShape;
        return out;
    }
    auto parsed = ml::python::importPython(view, name);
    if (auto* err = std::get_if<ml::ParseError>(&parsed))
        return *err;
    auto& result = std::get<ml::python::ImportResult>(parsed);
    if (!result.root)
        return ml::ParseError{name, {}, "no nn.Module class to build in this file"};
    out.root = std::move(result.root);
    out.inputShape = result.inputShape;
    out.diagnostics = std::move(result.diagnostics);
    return out;
}

std::variant<LoadedModel, ml::ParseError> readModelFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ml::ParseError{path.toStdString(), {}, "cannot open the file: " + file.errorString().toStdString()};
    if (file.size() > static_cast<qint64>(ml::kProjectMaxFileSize))
        return ml::ParseError{path.toStdString(), {}, "the file is too large to be a model"};
    return readModelText(file.readAll(), path.startsWith(QLatin1Char(':')) ? QFileInfo(path).fileName() : path);
}

bool pythonExportAvailable()
{
    return true;
}

QString pythonCode(const ml::Module& root, const ml::Shape& input)
{
    return QString::fromStdString(ml::python::exportPython(root, input));
}

std::optional<QString> writeModelFile(const ml::Module& root, const ml::Shape& input, const QString& path)
{
    if (path.endsWith(QLatin1String(".py"), Qt::CaseInsensitive)) {
        if (!pythonExportAvailable())
            return QStringLiteral("saving as Python needs the code exporter, which this build lacks");
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        file.write(pythonCode(root, input).toUtf8());
        if (!file.commit())
            return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    ml::Project project;
    project.root = root.clone();
    project.inputShape = input;
    if (auto err = ml::saveProject(project, path.toStdString()))
        return QString::fromStdString(*err);
    return std::nullopt;
}

} // namespace ml::ui
