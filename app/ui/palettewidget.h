#pragma once

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace ml::ui {

class PaletteModel;

// The layer palette: a search field over the grouped layers and containers. Entries drag into
// the module tree; a double-click asks to insert the entry after the selection.
class PaletteWidget : public QWidget {
    Q_OBJECT
public:
    explicit PaletteWidget(QWidget* parent = nullptr);
    QTreeView* view() const { return m_view; }
    QLineEdit* searchField() const { return m_search; }
    PaletteModel* model() const { return m_model; }

signals:
    void insertRequested(const QString& typeName);

private:
    PaletteModel* m_model;
    QSortFilterProxyModel* m_filter;
    QLineEdit* m_search;
    QTreeView* m_view;
};

} // namespace ml::ui
