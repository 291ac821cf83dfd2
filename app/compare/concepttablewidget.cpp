#include "app/compare/concepttablewidget.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ml::ui {

ConceptTableWidget::ConceptTableWidget(QWidget* parent)
    : QWidget(parent)
    , m_view(new QTableWidget(this))
    , m_evidence(new QLabel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_evidence);
    m_evidence->setWordWrap(true);
    m_evidence->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(m_view, &QTableWidget::currentCellChanged, this, [this](int row, int column) { showEvidence(row, column); });
}

void ConceptTableWidget::setFacts(const std::vector<ml::ContainerFacts>& facts)
{
    m_table = ml::conceptTable(facts);
    m_view->clear();
    m_view->setRowCount(static_cast<int>(m_table.rows.size()));
    m_view->setColumnCount(static_cast<int>(m_table.kinds.size()));
    QStringList headers;
    for (ml::ModuleKind k : m_table.kinds)
        headers << QString::fromStdString(ml::containerDisplayName(k));
    m_view->setHorizontalHeaderLabels(headers);
    QStringList questions;
    for (size_t r = 0; r < m_table.rows.size(); ++r) {
        const ml::ConceptRow& row = m_table.rows[r];
        questions << QString::fromStdString(row.question);
        for (size_t c = 0; c < row.cells.size(); ++c) {
            const QString value = QString::fromStdString(row.cells[c].value);
            auto* item = new QTableWidgetItem(value);
            item->setToolTip(QString::fromStdString(row.cells[c].evidence));
            item->setTextAlignment(Qt::AlignCenter);
            if (value == QLatin1String("yes"))
                item->setForeground(QColor(0x1b, 0x7f, 0x3b));
            else if (value == QLatin1String("no") || value == QLatin1String("mixed") || value == QLatin1String("none"))
                item->setForeground(QColor(0xb3, 0x26, 0x1e));
            m_view->setItem(static_cast<int>(r), static_cast<int>(c), item);
        }
    }
    m_view->setVerticalHeaderLabels(questions);
    m_evidence->setText(QStringLiteral("Computed from the loaded models. Select a cell to see where it was read."));
}

void ConceptTableWidget::showEvidence(int row, int column)
{
    if (row < 0 || column < 0 || row >= static_cast<int>(m_table.rows.size()))
        return;
    const ml::ConceptRow& r = m_table.rows[static_cast<size_t>(row)];
    if (column >= static_cast<int>(r.cells.size()))
        return;
    m_evidence->setText(QStringLiteral("<b>%1 — %2:</b> %3")
                            .arg(QString::fromStdString(r.question),
                                 QString::fromStdString(ml::containerDisplayName(m_table.kinds[static_cast<size_t>(column)])),
                                 QString::fromStdString(r.cells[static_cast<size_t>(column)].evidence).toHtmlEscaped()));
}

} // namespace ml::ui
