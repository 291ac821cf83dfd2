#include "app/ui/codepanel.h"

#include "app/document/document.h"
#include "app/document/modelfiles.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace ml::ui {

static QPlainTextEdit* codeView(QWidget* parent)
{
    auto* view = new QPlainTextEdit(parent);
    view->setReadOnly(true);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

CodePanel::CodePanel(Document* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_tabs(new QTabWidget(this))
    , m_python(codeView(this))
    , m_repr(codeView(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tabs->addTab(m_python, QStringLiteral("PyTorch code"));
    m_tabs->addTab(m_repr, QStringLiteral("print(model)"));
    layout->addWidget(m_tabs);
    connect(document, &Document::analysisUpdated, this, &CodePanel::refresh);
    refresh();
}

static void setKeepingScroll(QPlainTextEdit* view, const QString& text)
{
    if (view->toPlainText() == text)
        return;
    const int v = view->verticalScrollBar()->value();
    view->setPlainText(text);
    view->verticalScrollBar()->setValue(v);
}

void CodePanel::refresh()
{
    setKeepingScroll(m_python, pythonCode(*m_document->root(), m_document->inputShape()));
    setKeepingScroll(m_repr, QString::fromStdString(ml::repr(*m_document->root())));
}

QString CodePanel::pythonText() const
{
    return m_python->toPlainText();
}

QString CodePanel::reprText() const
{
    return m_repr->toPlainText();
}

} // namespace ml::ui
