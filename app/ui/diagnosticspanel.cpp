#include "app/ui/diagnosticspanel.h"

#include "app/document/diagnosticsmodel.h"

#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

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
    // A long node path must not squeeze the message to a word per line: its width is fixed
    // (elided in the middle, whole in the tooltip) and the message takes the rest.
    header->resizeSection(DiagnosticsModel::NodeColumn, 130);
    header->resizeSection(DiagnosticsModel::LocationColumn, 120); // "file.py:23:17", elided in the middle
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

} // namespace ml::ui
