#include "app/classroom/nodecard.h"

#include "app/document/moduletreemodel.h"

#include <QGridLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QTreeView>

namespace ml::ui {

NodeCard::NodeCard(QTreeView* tree, QWidget* parent)
    : QWidget(parent)
    , m_tree(tree)
    , m_title(new QLabel(this))
{
    setObjectName(QStringLiteral("nodeCard"));
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(12, 8, 12, 8);
    grid->setHorizontalSpacing(18);
    grid->setVerticalSpacing(4);
    m_title->setObjectName(QStringLiteral("cardTitle"));
    m_title->setTextFormat(Qt::PlainText);
    grid->addWidget(m_title, 0, 0, 1, 2);
    // One row per number: its column title from the tree, then the value.
    const int columns[] = {ModuleTreeModel::TypeColumn, ModuleTreeModel::InputColumn, ModuleTreeModel::OutputColumn,
                           ModuleTreeModel::ParamsColumn, ModuleTreeModel::MultAddsColumn};
    int row = 1;
    for (int column : columns) {
        auto* caption = new QLabel(tree->model()->headerData(column, Qt::Horizontal).toString(), this);
        caption->setObjectName(QStringLiteral("cardCaption"));
        auto* value = new QLabel(this);
        value->setObjectName(QStringLiteral("cardValue"));
        value->setTextFormat(Qt::PlainText);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        grid->addWidget(caption, row, 0, Qt::AlignLeft | Qt::AlignBaseline);
        grid->addWidget(value, row, 1, Qt::AlignLeft | Qt::AlignBaseline);
        m_captions.push_back(caption);
        m_values.push_back(value);
        m_columns.push_back(column);
        ++row;
    }
    grid->setColumnStretch(1, 1);
    grid->setRowStretch(row, 1);
    connect(tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &NodeCard::refresh);
    connect(tree->model(), &QAbstractItemModel::dataChanged, this, &NodeCard::refresh);
    connect(tree->model(), &QAbstractItemModel::modelReset, this, &NodeCard::refresh);
    connect(tree->model(), &QAbstractItemModel::layoutChanged, this, &NodeCard::refresh);
    connect(tree->model(), &QAbstractItemModel::rowsMoved, this, &NodeCard::refresh);
    connect(tree->model(), &QAbstractItemModel::rowsRemoved, this, &NodeCard::refresh);
    refresh();
}

void NodeCard::refresh()
{
    QModelIndex row = m_tree->currentIndex();
    if (!row.isValid())
        row = m_tree->model()->index(0, 0); // the model itself until a node is chosen
    const QString path = row.siblingAtColumn(0).data(ModuleTreeModel::DottedPathRole).toString();
    m_title->setText(path.isEmpty() ? QStringLiteral("model") : path);
    for (size_t k = 0; k < m_columns.size(); ++k) {
        const QString text = row.isValid() ? row.siblingAtColumn(m_columns[k]).data(Qt::DisplayRole).toString() : QString();
        m_values[k]->setText(text.isEmpty() ? QStringLiteral("–") : text);
    }
}

} // namespace ml::ui
