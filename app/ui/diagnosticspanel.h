#pragma once

#include <QWidget>

class QTableView;

namespace ml::ui {

class DiagnosticsModel;
class Document;

// The located diagnostics of the load and the latest analysis; activating one selects its node.
class DiagnosticsPanel : public QWidget {
    Q_OBJECT
public:
    explicit DiagnosticsPanel(Document* document, QWidget* parent = nullptr);
    QTableView* view() const { return m_view; }
    DiagnosticsModel* model() const { return m_model; }
    // The height that shows every row whole (the header and frame included).
    int fittingHeight() const;
    // Columns and rows for the panel's width and type (classroom mode changes the type).
    void fitColumns();

signals:
    void pathActivated(const QString& dottedPath);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    DiagnosticsModel* m_model;
    QTableView* m_view;
};

} // namespace ml::ui
