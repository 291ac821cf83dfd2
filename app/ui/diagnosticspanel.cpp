#include "app/ui/diagnosticspanel.h"

#include "app/document/diagnosticsmodel.h"

#include <QHeaderView>
#include <QResizeEvent>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

DiagnosticsPanel::DiagnosticsPanel(Document* document, QWidget* parent)
    : QWidget(parent)
    , m_model(new DiagnosticsModel(document, this))
    , m_view(new QTableView(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    // Severity, node, the whole message (wrapped), then the source location.
    m_view->setWordWrap(true);
    m_view->verticalHeader()->hide();
    QHeaderView* header = m_view->horizontalHeader();
    header->setStretchLastSection(false);
    header->moveSection(DiagnosticsModel::MessageColumn, DiagnosticsModel::NodeColumn + 1);
    header->setSectionResizeMode(DiagnosticsModel::SeverityColumn, QHeaderView::ResizeToContents);
    // A long node path must not squeeze the message to a word per line: the node and the
    // location ("file.py:23:17") get a fifth of the width each, elided in the middle (whole in
    // the tooltip), and the message takes the rest; a narrow panel shows only node and message
    // (fitColumns).
    m_view->setTextElideMode(Qt::ElideMiddle);
    header->setSectionResizeMode(DiagnosticsModel::MessageColumn, QHeaderView::Stretch);
    auto fitRows = [this] { m_view->resizeRowsToContents(); };
    connect(m_model, &QAbstractItemModel::modelReset, this, fitRows);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, fitRows);
    connect(m_model, &QAbstractItemModel::dataChanged, this, fitRows);
    connect(header, &QHeaderView::sectionResized, this, fitRows);
    layout->addWidget(m_view);
    auto activate = [this](const QModelIndex& index) {
        emit pathActivated(index.data(DiagnosticsModel::DottedPathRole).toString());
    };
    connect(m_view, &QTableView::clicked, this, activate);
    connect(m_view, &QTableView::activated, this, activate);
}

void DiagnosticsPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitColumns();
}

void DiagnosticsPanel::fitColumns()
{
    const int w = width();
    QHeaderView* header = m_view->horizontalHeader();
    // Narrow: the message, the node (coloured as its severity) and the rest in the tooltip.
    const bool narrow = w < 560;
    header->setSectionHidden(DiagnosticsModel::SeverityColumn, narrow);
    header->setSectionHidden(DiagnosticsModel::LocationColumn, narrow);
    header->resizeSection(DiagnosticsModel::NodeColumn, std::clamp(narrow ? w / 4 : w / 5, 100, 200));
    header->resizeSection(DiagnosticsModel::LocationColumn, std::clamp(w / 5, 80, 200));
}

} // namespace ml::ui
