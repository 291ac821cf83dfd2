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
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(DiagnosticsModel::SeverityColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(DiagnosticsModel::NodeColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(DiagnosticsModel::LocationColumn, QHeaderView::ResizeToContents);
    layout->addWidget(m_view);
    auto activate = [this](const QModelIndex& index) {
        emit pathActivated(index.data(DiagnosticsModel::DottedPathRole).toString());
    };
    connect(m_view, &QTableView::clicked, this, activate);
    connect(m_view, &QTableView::activated, this, activate);
}

} // namespace ml::ui
