#pragma once

#include "app/document/indexpath.h"

#include <QPersistentModelIndex>
#include <QTreeView>

#include <vector>

namespace ml::ui {

class Document;

// The module tree view: drag and drop within the tree and from the palette, inline rename.
// The node the panels show follows its current row, except while a row is pressed: a press that
// becomes a drag to elsewhere (the forward steps, the diagram) leaves the panels where they are.
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
    // Shows or hides a column (also from the header's context menu); the name column stays.
    void setColumnShown(int column, bool shown);

signals:
    // The node the other panels show: the current row once it is settled (not mid-press).
    void currentNodeChanged(const QModelIndex& index);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void startDrag(Qt::DropActions supportedActions) override;
    void dropEvent(QDropEvent* event) override;

private:
    void settle();
    void headerMenu(const QPoint& at);

    Document* m_document;
    bool m_pressed = false;
    bool m_droppedHere = false;
    QPersistentModelIndex m_beforePress;
    QPersistentModelIndex m_shown; // what currentNodeChanged last said
};

} // namespace ml::ui
