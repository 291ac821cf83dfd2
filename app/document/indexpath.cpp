#include "app/document/indexpath.h"

#include "engine/module.h"

#include <QStringList>

#include <algorithm>

namespace ml::ui {

IndexPath indexPathOf(const ml::Module* m)
{
    IndexPath path;
    for (; m && m->parent(); m = m->parent())
        path.push_back(m->parent()->indexOfChild(m));
    std::reverse(path.begin(), path.end());
    return path;
}

ml::Module* moduleAtPath(ml::Module* root, const IndexPath& path)
{
    ml::Module* m = root;
    for (int i : path) {
        if (!m || i < 0 || i >= m->childCount())
            return nullptr;
        m = m->child(i);
    }
    return m;
}

QString indexPathToString(const IndexPath& path)
{
    QStringList parts;
    for (int i : path)
        parts << QString::number(i);
    return parts.join(QLatin1Char('.'));
}

bool indexPathFromString(const QString& text, IndexPath& out)
{
    out.clear();
    if (text.isEmpty())
        return true;
    for (const QString& part : text.split(QLatin1Char('.'))) {
        bool ok = false;
        const int i = part.toInt(&ok);
        if (!ok || i < 0)
            return false;
        out.push_back(i);
    }
    return true;
}

} // namespace ml::ui
