#include "app/ui/moduletreepanel.h"

#include "app/document/document.h"
#include "app/document/moduletreemodel.h"

#include <QHeaderView>

namespace ml::ui {

ModuleTreePanel::ModuleTreePanel(Document* document, QWidget* parent)
    : QTreeView(parent)
    , m_document(document)
{
    setModel(document->treeModel());
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setDragEnabled(true);
    setAcceptDrops(true);
    setDropIndicatorShown(true);
    setDragDropMode(QAbstractItemView::DragDrop);
    setDefaultDropAction(Qt::MoveAction);
    setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::SelectedClicked);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(ModuleTreeModel::NameColumn, QHeaderView::Interactive);
    header()->resizeSection(ModuleTreeModel::NameColumn, 140);
    header()->resizeSection(ModuleTreeModel::TypeColumn, 90);
    header()->resizeSection(ModuleTreeModel::InputColumn, 105);
    header()->resizeSection(ModuleTreeModel::OutputColumn, 105);
    header()->resizeSection(ModuleTreeModel::ParamsColumn, 80);
    header()->resizeSection(ModuleTreeModel::MultAddsColumn, 85);
    connect(document, &Document::documentReset, this, [this] { expandToDepth(1); });
    expandToDepth(1);
}

std::vector<IndexPath> ModuleTreePanel::selectedPaths() const
{
    std::vector<IndexPath> out;
    auto* model = m_document->treeModel();
    for (const QModelIndex& i : selectionModel()->selectedRows())
        if (ml::Module* m = model->moduleOf(i))
            out.push_back(indexPathOf(m));
    return out;
}

IndexPath ModuleTreePanel::currentPath(bool* valid) const
{
    ml::Module* m = m_document->treeModel()->moduleOf(currentIndex());
    *valid = m != nullptr;
    return m ? indexPathOf(m) : IndexPath{};
}

void ModuleTreePanel::selectDottedPath(const QString& dottedPath)
{
    ml::Module* m = m_document->moduleAtDotted(dottedPath);
    if (!m)
        return;
    const QModelIndex index = m_document->treeModel()->indexOf(m);
    scrollTo(index);
    setCurrentIndex(index);
    selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

} // namespace ml::ui
