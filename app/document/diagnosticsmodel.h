#pragma once

#include "engine/diagnostic.h"

#include <QAbstractTableModel>

#include <vector>

namespace ml::ui {

class Document;

// The document's diagnostics (load-time and analysis): severity, node, location, message.
class DiagnosticsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, NodeColumn, LocationColumn, MessageColumn, ColumnCount };
    enum Role { DottedPathRole = Qt::UserRole + 1 };
    explicit DiagnosticsModel(Document* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void refresh();

    Document* m_document;
    std::vector<ml::Diagnostic> m_diagnostics;
};

} // namespace ml::ui
