#include "app/document/mimeformats.h"

#include "engine/io/project.h"
#include "engine/module.h"

#include <QMimeData>
#include <QStringList>

#include <variant>

namespace ml::ui {

static QString documentKey(const void* id)
{
    return QString::number(reinterpret_cast<quintptr>(id), 16);
}

QMimeData* paletteMimeData(const QString& typeName)
{
    auto* data = new QMimeData;
    data->setData(kPaletteMimeType, typeName.toUtf8());
    data->setText(typeName);
    return data;
}

QMimeData* modulesMimeData(const void* documentId, const std::vector<const ml::Module*>& modules)
{
    auto* data = new QMimeData;
    setModulesMimeData(data, documentId, modules);
    return data;
}

void setModulesMimeData(QMimeData* data, const void* documentId, const std::vector<const ml::Module*>& modules)
{
    QStringList paths{documentKey(documentId)};
    QByteArray copies;
    QString text;
    for (const ml::Module* m : modules) {
        paths << indexPathToString(indexPathOf(m));
        ml::Project project;
        project.root = m->clone();
        project.inputShape = ml::Shape{1};
        copies += QByteArray::fromStdString(m->name()) + '\n' + QByteArray::fromStdString(ml::projectToJson(project)) + '\f';
        text += QString::fromStdString(ml::repr(*m)) + QLatin1Char('\n');
    }
    data->setData(kModulePathsMimeType, paths.join(QLatin1Char('\n')).toUtf8());
    data->setData(kModulesMimeType, copies);
    data->setText(text);
}

bool decodeModulePaths(const QMimeData* data, const void* documentId, std::vector<IndexPath>& paths)
{
    paths.clear();
    if (!data->hasFormat(kModulePathsMimeType))
        return false;
    const QStringList lines = QString::fromUtf8(data->data(kModulePathsMimeType)).split(QLatin1Char('\n'));
    if (lines.isEmpty() || lines.front() != documentKey(documentId))
        return false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        IndexPath p;
        if (!indexPathFromString(lines[i], p))
            return false;
        paths.push_back(std::move(p));
    }
    return !paths.empty();
}

NamedModules decodeModules(const QMimeData* data)
{
    NamedModules out;
    for (const QByteArray& entry : data->data(kModulesMimeType).split('\f')) {
        const qsizetype newline = entry.indexOf('\n');
        if (newline < 0)
            continue;
        const QByteArray json = entry.mid(newline + 1);
        auto parsed = ml::parseProject(std::string_view(json.constData(), static_cast<size_t>(json.size())));
        if (auto* project = std::get_if<ml::Project>(&parsed))
            out.emplace_back(entry.left(newline).toStdString(), std::move(project->root));
    }
    return out;
}

} // namespace ml::ui
