#include "app/ui/palettewidget.h"

#include "app/document/palettemodel.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace ml::ui {

PaletteWidget::PaletteWidget(QWidget* parent)
    : QWidget(parent)
    , m_model(new PaletteModel(this))
    , m_filter(new QSortFilterProxyModel(this))
    , m_search(new QLineEdit(this))
    , m_view(new QTreeView(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_search->setPlaceholderText(QStringLiteral("Search layers…"));
    m_search->setClearButtonEnabled(true);
    layout->addWidget(m_search);
    m_filter->setSourceModel(m_model);
    m_filter->setRecursiveFilteringEnabled(true);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view->setModel(m_filter);
    m_view->setHeaderHidden(true);
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setDefaultDropAction(Qt::CopyAction);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setUniformRowHeights(true);
    m_view->expandAll();
    layout->addWidget(m_view);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_filter->setFilterFixedString(text);
        m_view->expandAll();
    });
    connect(m_view, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        const QString type = index.data(PaletteModel::TypeNameRole).toString();
        if (!type.isEmpty())
            emit insertRequested(type);
    });
}

} // namespace ml::ui
