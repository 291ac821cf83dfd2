#pragma once

#include <QWidget>

class QPlainTextEdit;
class QTabWidget;

namespace ml::ui {

class Document;

// The model as PyTorch code and as print(model) text, updated after every analysis; read-only
// and copyable.
class CodePanel : public QWidget {
    Q_OBJECT
public:
    explicit CodePanel(Document* document, QWidget* parent = nullptr);
    QString pythonText() const;
    QString reprText() const;

private:
    void refresh();

    Document* m_document;
    QTabWidget* m_tabs;
    QPlainTextEdit* m_python;
    QPlainTextEdit* m_repr;
};

} // namespace ml::ui
