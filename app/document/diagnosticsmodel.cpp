#include "app/document/diagnosticsmodel.h"

#include "app/document/document.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>

namespace ml::ui {

DiagnosticsModel::DiagnosticsModel(Document* document, QObject* parent)
    : QAbstractTableModel(parent)
    , m_document(document)
{
    connect(document, &Document::analysisUpdated, this, &DiagnosticsModel::refresh);
    refresh();
}

void DiagnosticsModel::refresh()
{
    auto fresh = m_document->diagnostics();
    if (fresh.size() == m_diagnostics.size()) {
        m_diagnostics = std::move(fresh);
        if (!m_diagnostics.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_diagnostics = std::move(fresh);
    endResetModel();
}

int DiagnosticsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_diagnostics.size());
}

int DiagnosticsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DiagnosticsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ml::Diagnostic& d = m_diagnostics[static_cast<size_t>(index.row())];
    if (role == DottedPathRole)
        return QString::fromStdString(d.path);
    // The node is coloured as its severity too: a narrow panel shows it without the severity.
    if (role == Qt::ForegroundRole && (index.column() == SeverityColumn || index.column() == NodeColumn))
        return QBrush(d.severity == ml::Severity::Error ? QColor(0xc0, 0x20, 0x20)
                      : d.severity == ml::Severity::Warning ? QColor(0xb0, 0x70, 0x00) : QColor(0x40, 0x60, 0xa0));
    // A message taller than the panel starts where the severity and node do, all three in view.
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignTop));
    const QString fileName = QFileInfo(m_document->filePath()).fileName();
    if (role == Qt::ToolTipRole) // everything at once, for a panel too narrow for every column
        return QStringLiteral("%1 at %2%3: %4")
            .arg(data(index.siblingAtColumn(SeverityColumn), Qt::DisplayRole).toString(),
                 data(index.siblingAtColumn(NodeColumn), Qt::DisplayRole).toString(),
                 d.loc.valid() ? QStringLiteral(" (%1%2)").arg(fileName.isEmpty() ? QString() : fileName + QLatin1Char(':'),
                                                               data(index.siblingAtColumn(LocationColumn), Qt::DisplayRole).toString())
                               : QString(),
                 QString::fromStdString(d.message));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case SeverityColumn:
        return QString::fromLatin1(ml::severityName(d.severity));
    case NodeColumn:
        return d.path.empty() ? QStringLiteral("model") : QString::fromStdString(d.path);
    case LocationColumn: {
        if (!d.loc.valid())
            return QString();
        // Line and column in the open model's file (the tooltip names the file): a long file
        // name would leave the column "net_se…ug.py:27:13" in classroom mode's type.
        return QStringLiteral("%1:%2").arg(d.loc.line).arg(d.loc.column);
    }
    case MessageColumn:
        return QString::fromStdString(d.message);
    }
    return {};
}

QVariant DiagnosticsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = {"Severity", "Node", "Location", "Message"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

} // namespace ml::ui
