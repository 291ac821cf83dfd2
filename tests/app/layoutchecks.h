#pragma once

// What the layout tests share: settings of their own (window size, panel layout, recent files),
// empty at the start, so that no test reads what the application or another test saved; and
// what is cut in the module tree.

#include "app/ui/moduletreepanel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QHeaderView>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QString>

#include <algorithm>

namespace ml::ui::testing {

inline void useOwnSettings(const QString& name)
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(name);
    QApplication::setApplicationName(name);
    QSettings().clear();
}

// A shown column narrower than its header or a cell, columns wider than the view, or a view
// that scrolls sideways; empty when every shown column is whole.
inline QString treeCut(ModuleTreePanel* tree)
{
    QHeaderView* header = tree->header();
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c))
            continue;
        const int needed = std::max(static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c), header->sectionSizeHint(c));
        if (header->sectionSize(c) < needed)
            return QStringLiteral("column '%1' is %2 wide, its contents %3")
                .arg(tree->model()->headerData(c, Qt::Horizontal).toString())
                .arg(header->sectionSize(c))
                .arg(needed);
    }
    if (header->length() > tree->viewport()->width())
        return QStringLiteral("columns %1 wide in a view of %2").arg(header->length()).arg(tree->viewport()->width());
    if (tree->horizontalScrollBar()->maximum() != 0)
        return QStringLiteral("the tree scrolls sideways by %1").arg(tree->horizontalScrollBar()->maximum());
    return {};
}

} // namespace ml::ui::testing
