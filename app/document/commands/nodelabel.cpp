#include "app/document/commands/nodelabel.h"

#include "engine/module.h"

namespace ml::ui {

QString nodeLabel(const ml::Module& module)
{
    const std::string path = module.path();
    return QStringLiteral("%1 (%2)").arg(path.empty() ? QStringLiteral("model") : QString::fromStdString(path),
                                         QString::fromStdString(module.typeName()));
}

QString placeLabel(const ml::Module& parent, int index)
{
    const std::string path = parent.path();
    return QStringLiteral("position %1 of %2").arg(index).arg(path.empty() ? QStringLiteral("the model") : QString::fromStdString(path));
}

} // namespace ml::ui
