#include "app/ui/diagnosticspanel.h"

#include "app/document/diagnosticsmodel.h"

#include <QFontMetrics>
#include <QHeaderView>
#include <QResizeEvent>
#include <QScrollBar>
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
    // A message taller than the panel scrolls line by line, not a whole row at a time.
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
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
    // New rows may bring the first location (its column shown) or take the last.
    auto fitAll = [this] {
        fitColumns();
        m_view->resizeRowsToContents();
    };
    connect(m_model, &QAbstractItemModel::modelReset, this, fitAll);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, fitAll);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, fitAll);
    connect(m_model, &QAbstractItemModel::dataChanged, this, fitRows);
    connect(header, &QHeaderView::sectionResized, this, fitRows);
    layout->addWidget(m_view);
    // With nothing to say the panel may shrink to its column headers (the Train panel above it
    // wants the height); every row it has still fits (fittingHeight).
    m_view->setMinimumHeight(m_view->horizontalHeader()->sizeHint().height() + 2 * m_view->frameWidth());
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
    // Narrow (in characters, so also in classroom mode's large type): the message, the node
    // (coloured as its severity) and the rest in the tooltip. The location column only when a
    // message has one.
    // Narrow when the message would get less than about 45 characters beside the other three.
    const QFontMetrics metrics = m_view->fontMetrics();
    const int chars = std::max(1, metrics.horizontalAdvance(QStringLiteral("x")));
    const int severity = metrics.horizontalAdvance(QStringLiteral("Severity")) + 2 * chars;
    const bool narrow = w < 560 || w - 2 * std::clamp(w / 5, 80, 200) - severity < 45 * chars;
    bool located = false;
    for (int row = 0; row < m_model->rowCount() && !located; ++row)
        located = !m_model->index(row, DiagnosticsModel::LocationColumn).data().toString().isEmpty();
    header->setSectionHidden(DiagnosticsModel::SeverityColumn, narrow);
    header->setSectionHidden(DiagnosticsModel::LocationColumn, (narrow && w < 48 * chars) || !located);
    // Short names and locations leave their room to the message.
    const auto* view = static_cast<const QAbstractItemView*>(m_view);
    // As wide as their cells and their headers (in classroom mode's bold type "Location" is
    // wider than "24:13").
    const int node = std::max(view->sizeHintForColumn(DiagnosticsModel::NodeColumn), header->sectionSizeHint(DiagnosticsModel::NodeColumn));
    const int location = std::max(view->sizeHintForColumn(DiagnosticsModel::LocationColumn),
                                  header->sectionSizeHint(DiagnosticsModel::LocationColumn));
    header->resizeSection(DiagnosticsModel::NodeColumn, std::min(std::clamp(narrow ? w / 4 : w / 5, 100, 200), std::max(node, 60)));
    header->resizeSection(DiagnosticsModel::LocationColumn, std::min(std::clamp(w / 5, 80, 200), std::max(location, 60)));
}

int DiagnosticsPanel::fittingHeight() const
{
    int rows = 0;
    for (int row = 0; row < m_model->rowCount(); ++row)
        rows += m_view->rowHeight(row);
    const int scrollBar = m_view->horizontalScrollBar()->isVisible() ? m_view->horizontalScrollBar()->height() : 0;
    return m_view->horizontalHeader()->height() + rows + scrollBar + 2 * m_view->frameWidth();
}

} // namespace ml::ui
