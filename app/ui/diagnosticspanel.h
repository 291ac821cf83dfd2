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

signals:
    void pathActivated(const QString& dottedPath);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void fitColumns();

    DiagnosticsModel* m_model;
    QTableView* m_view;
};

} // namespace ml::ui
