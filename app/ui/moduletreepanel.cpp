#include "app/ui/moduletreepanel.h"

#include "app/document/document.h"
#include "app/document/moduletreemodel.h"

#include <QApplication>
#include <QDropEvent>
#include <QHeaderView>
#include <QMenu>
#include <QMouseEvent>
#include <QScrollBar>
#include <QStyle>
#include <QStyledItemDelegate>

#include <algorithm>
#include <utility>

namespace ml::ui {

namespace {

// Every row as tall as a row with an icon: rows keep their height when error icons come and go.
class IconRowDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.features |= QStyleOptionViewItem::HasDecoration;
        if (!opt.decorationSize.isValid() || opt.decorationSize.isEmpty())
            opt.decorationSize = QSize(16, 16);
        const QWidget* widget = option.widget;
        QStyle* style = widget ? widget->style() : QApplication::style();
        const QSize withIcon = style->sizeFromContents(QStyle::CT_ItemViewItem, &opt, QSize(), widget);
        const QSize own = QStyledItemDelegate::sizeHint(option, index);
        return {own.width(), std::max(own.height(), withIcon.height())};
    }
};

} // namespace

ModuleTreePanel::ModuleTreePanel(Document* document, QWidget* parent)
    : QTreeView(parent)
    , m_document(document)
{
    setModel(document->treeModel());
    setItemDelegate(new IconRowDelegate(this));
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
    header()->setSectionResizeMode(QHeaderView::Interactive);
    header()->setMinimumSectionSize(24);
    header()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header(), &QWidget::customContextMenuRequested, this, &ModuleTreePanel::headerMenu);
    // A new model gets columns as wide as its contents; an edit only widens what no longer fits.
    connect(document, &Document::documentReset, this, [this] {
        expandToDepth(1);
        fitColumns(false);
    });
    connect(document, &Document::analysisUpdated, this, [this] { fitColumns(true); });
    // Deeper rows need a wider name column (and may bring longer type names).
    connect(this, &QTreeView::expanded, this, [this] { fitColumns(true); });
    expandToDepth(1);
    fitColumns(false);
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_pressed)
            settle();
    });
}

void ModuleTreePanel::settle()
{
    const QModelIndex current = currentIndex().siblingAtColumn(0);
    if (current == m_shown && current.isValid())
        return;
    m_shown = current;
    emit currentNodeChanged(current);
}

void ModuleTreePanel::mousePressEvent(QMouseEvent* event)
{
    m_beforePress = currentIndex().siblingAtColumn(0);
    m_pressed = event->button() == Qt::LeftButton;
    QTreeView::mousePressEvent(event);
}

void ModuleTreePanel::mouseReleaseEvent(QMouseEvent* event)
{
    QTreeView::mouseReleaseEvent(event);
    if (std::exchange(m_pressed, false))
        settle();
}

// A row dragged out of the tree (onto the forward steps or the diagram) does not become the
// shown node: the row shown before the press is current again.
void ModuleTreePanel::startDrag(Qt::DropActions supportedActions)
{
    m_droppedHere = false;
    QTreeView::startDrag(supportedActions);
    m_pressed = false;
    if (!m_droppedHere && m_beforePress.isValid() && currentIndex().siblingAtColumn(0) != m_beforePress)
        selectionModel()->setCurrentIndex(m_beforePress, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    settle();
}

void ModuleTreePanel::dropEvent(QDropEvent* event)
{
    m_droppedHere = true;
    QTreeView::dropEvent(event);
}

void ModuleTreePanel::fitColumns(bool growOnly)
{
    const int columns = model()->columnCount();
    for (int c = 0; c < columns; ++c) {
        const int wanted = std::max(sizeHintForColumn(c), header()->sectionSizeHint(c)) + 6;
        if (!growOnly || wanted > header()->sectionSize(c))
            header()->resizeSection(c, wanted);
    }
}

void ModuleTreePanel::setColumnShown(int column, bool shown)
{
    if (column <= 0 || column >= model()->columnCount() || header()->isSectionHidden(column) == !shown)
        return;
    header()->setSectionHidden(column, !shown);
    if (shown)
        fitColumns(true);
}

// Right-click on the header: a check box per column.
void ModuleTreePanel::headerMenu(const QPoint& at)
{
    QMenu menu(this);
    for (int c = 1; c < model()->columnCount(); ++c) {
        QAction* a = menu.addAction(model()->headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!header()->isSectionHidden(c));
        connect(a, &QAction::toggled, this, [this, c](bool on) { setColumnShown(c, on); });
    }
    menu.exec(header()->mapToGlobal(at));
}

int ModuleTreePanel::contentWidth() const
{
    return header()->length() + verticalScrollBar()->sizeHint().width() + 2 * frameWidth();
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
