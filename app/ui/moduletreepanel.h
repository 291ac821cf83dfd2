#pragma once

#include "app/document/indexpath.h"

#include <QTreeView>

#include <vector>

namespace ml::ui {

class Document;

// The module tree view: drag and drop within the tree and from the palette, inline rename.
class ModuleTreePanel : public QTreeView {
    Q_OBJECT
public:
    explicit ModuleTreePanel(Document* document, QWidget* parent = nullptr);
    std::vector<IndexPath> selectedPaths() const;
    IndexPath currentPath(bool* valid) const;
    void selectDottedPath(const QString& dottedPath);
    // Columns as wide as their contents (growOnly: only those whose contents no longer fit).
    void fitColumns(bool growOnly);
    // The width that shows every column without scrolling sideways.
    int contentWidth() const;

private:
    Document* m_document;
};

} // namespace ml::ui
