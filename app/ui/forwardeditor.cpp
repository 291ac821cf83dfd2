#include "app/ui/forwardeditor.h"

#include "app/document/forwardtext.h"

#include <QDropEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QKeyEvent>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTextCursor>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace ml::ui {

namespace {
QStringList stepsOf(const ml::ForwardProgram& p)
{
    QStringList steps;
    for (const ml::Stmt& s : p.body)
        steps << QString::fromStdString(ml::toSource(s));
    return steps;
}
} // namespace

ForwardEditor::ForwardEditor(QWidget* parent)
    : QWidget(parent)
    , m_code(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
    , m_steps(new QListWidget(this))
    , m_parseTimer(new QTimer(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(QStringLiteral("<b>forward()</b> as code"), this));
    m_code->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_code->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_code->setMinimumHeight(110);
    layout->addWidget(m_code, 2);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_error->hide();
    layout->addWidget(m_error);

    layout->addWidget(new QLabel(QStringLiteral("<b>Steps</b> (double-click to edit; drop modules from the tree)"), this));
    m_steps->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_steps->setToolTip(QStringLiteral("Drag a module from the tree here to call it from forward()"));
    m_steps->setAcceptDrops(true);
    m_steps->viewport()->setAcceptDrops(true);
    m_steps->viewport()->installEventFilter(this);
    layout->addWidget(m_steps, 1);
    auto* buttons = new QHBoxLayout;
    auto button = [&](const QString& text, const QString& tip, auto slot) {
        auto* b = new QPushButton(text, this);
        b->setToolTip(tip);
        connect(b, &QPushButton::clicked, this, slot);
        buttons->addWidget(b);
    };
    button(QStringLiteral("Add"), QStringLiteral("Add a step before the selected one"), &ForwardEditor::addStep);
    button(QStringLiteral("Remove"), QStringLiteral("Remove the selected step"), &ForwardEditor::removeStep);
    button(QStringLiteral("Up"), QStringLiteral("Move the selected step up"), [this] { moveStep(-1); });
    button(QStringLiteral("Down"), QStringLiteral("Move the selected step down"), [this] { moveStep(1); });
    layout->addLayout(buttons);
    auto* inOrder = new QPushButton(QStringLiteral("Call the children in order"), this);
    inOrder->setToolTip(QStringLiteral("forward() calls every child in the order they are stored, as nn.Sequential does"));
    connect(inOrder, &QPushButton::clicked, this, &ForwardEditor::callChildrenInOrder);
    layout->addWidget(inOrder);
    m_code->installEventFilter(this);

    m_parseTimer->setSingleShot(true);
    m_parseTimer->setInterval(300);
    connect(m_parseTimer, &QTimer::timeout, this, &ForwardEditor::parseNow);
    connect(m_code, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_updating)
            m_parseTimer->start();
    });
    connect(m_steps, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (!m_updating)
            editStep(m_steps->row(item), item->text());
    });
}

void ForwardEditor::setProgram(const ml::ForwardProgram& program)
{
    m_program = program;
    m_updating = true;
    if (!m_code->hasFocus() || m_error->isHidden()) {
        const QString text = forwardText(program);
        if (m_code->toPlainText() != text && !m_code->hasFocus())
            m_code->setPlainText(text);
    }
    fillSteps();
    m_updating = false;
}

QString ForwardEditor::errorText() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

void ForwardEditor::fillSteps()
{
    const int row = m_steps->currentRow();
    m_steps->clear();
    for (const ml::Stmt& s : m_program.body) {
        auto* item = new QListWidgetItem(QString::fromStdString(ml::toSource(s)), m_steps);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
    }
    m_steps->setCurrentRow(std::min(row, m_steps->count() - 1));
}

void ForwardEditor::parseNow()
{
    m_parseTimer->stop();
    auto parsed = parseForwardText(m_code->toPlainText());
    if (auto* err = std::get_if<ml::ParseError>(&parsed)) {
        m_error->setText(QStringLiteral("%1:%2: %3").arg(err->loc.line).arg(err->loc.column)
                             .arg(QString::fromStdString(err->message)));
        m_error->show();
        return;
    }
    m_error->clear();
    m_error->hide();
    emit programEdited(std::get<ml::ForwardProgram>(parsed), true, QStringLiteral("Edit forward()"));
}

std::optional<ml::ForwardProgram> ForwardEditor::programFromSteps(const QStringList& steps, const QString& where)
{
    QString params;
    for (const std::string& p : m_program.params)
        params += QStringLiteral(", ") + QString::fromStdString(p);
    QString source = QStringLiteral("def forward(self%1):\n").arg(params);
    for (const QString& step : steps)
        for (const QString& line : step.split(QLatin1Char('\n')))
            source += QStringLiteral("    ") + line + QLatin1Char('\n');
    auto parsed = parseForwardText(source);
    if (auto* err = std::get_if<ml::ParseError>(&parsed)) {
        m_error->setText(QStringLiteral("%1: %2").arg(where, QString::fromStdString(err->message)));
        m_error->show();
        return std::nullopt;
    }
    m_error->hide();
    return std::get<ml::ForwardProgram>(parsed);
}

void ForwardEditor::editStep(int row, const QString& text)
{
    if (row < 0 || row >= static_cast<int>(m_program.body.size()))
        return;
    // Parse the step in context: the whole program with this statement replaced.
    QStringList steps = stepsOf(m_program);
    steps[row] = text;
    const auto program = programFromSteps(steps, QStringLiteral("step %1").arg(row + 1));
    if (!program) {
        m_updating = true;
        fillSteps();
        m_updating = false;
        return;
    }
    emit programEdited(*program, false, QStringLiteral("Edit forward step"));
}

bool ForwardEditor::dropModules(const QMimeData* data, int row)
{
    const QStringList calls = m_dropResolver ? m_dropResolver(data) : QStringList();
    if (calls.isEmpty())
        return false;
    QStringList steps = stepsOf(m_program);
    if (row < 0 || row > steps.size()) {
        row = static_cast<int>(steps.size());
        if (!m_program.body.empty() && m_program.body.back().kind == ml::Stmt::Kind::Return)
            --row;
    }
    for (int k = 0; k < calls.size(); ++k)
        steps.insert(row + k, calls[k]);
    const auto program = programFromSteps(steps, QStringLiteral("dropped step"));
    if (!program)
        return false;
    emit programEdited(*program, false, QStringLiteral("Call from forward()"));
    m_steps->setCurrentRow(row);
    return true;
}

void ForwardEditor::callChildrenInOrder()
{
    const QStringList calls = m_childCalls ? m_childCalls() : QStringList();
    if (calls.isEmpty()) {
        m_error->setText(QStringLiteral("This module has no children to call yet: drop layers into it first"));
        m_error->show();
        return;
    }
    const QString var = m_program.params.empty() ? QStringLiteral("x") : QString::fromStdString(m_program.params[0]);
    const auto program = programFromSteps(calls + QStringList{QStringLiteral("return ") + var}, QStringLiteral("children in order"));
    if (program)
        emit programEdited(*program, false, QStringLiteral("Call the children in order"));
}

bool ForwardEditor::autoIndent(QKeyEvent* event)
{
    if ((event->key() != Qt::Key_Return && event->key() != Qt::Key_Enter) || event->modifiers() != Qt::NoModifier)
        return false;
    QTextCursor cursor = m_code->textCursor();
    const QString line = cursor.block().text().left(cursor.positionInBlock());
    QString indent;
    for (QChar c : line) {
        if (c != QLatin1Char(' '))
            break;
        indent += c;
    }
    if (line.trimmed().endsWith(QLatin1Char(':')))
        indent += QStringLiteral("    ");
    cursor.insertText(QStringLiteral("\n") + indent);
    m_code->setTextCursor(cursor);
    return true;
}

bool ForwardEditor::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_code && event->type() == QEvent::KeyPress && autoIndent(static_cast<QKeyEvent*>(event)))
        return true;
    if (watched == m_steps->viewport()) {
        if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
            auto* e = static_cast<QDropEvent*>(event);
            if (m_dropResolver && !m_dropResolver(e->mimeData()).isEmpty()) {
                e->setDropAction(Qt::CopyAction);
                e->accept();
                return true;
            }
        } else if (event->type() == QEvent::Drop) {
            auto* e = static_cast<QDropEvent*>(event);
            const QModelIndex at = m_steps->indexAt(e->position().toPoint());
            if (dropModules(e->mimeData(), at.isValid() ? at.row() : -1)) {
                e->setDropAction(Qt::CopyAction);
                e->accept();
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ForwardEditor::addStep()
{
    ml::ForwardProgram p = m_program;
    int at = m_steps->currentRow();
    if (at < 0)
        at = std::max(0, static_cast<int>(p.body.size()) - (p.body.empty() || p.body.back().kind != ml::Stmt::Kind::Return ? 0 : 1));
    const std::string var = p.params.empty() ? "x" : p.params[0];
    p.body.insert(p.body.begin() + at, ml::Stmt{ml::Stmt::Kind::Assign, {var}, ml::Expr::name(var), {}, {}});
    emit programEdited(p, false, QStringLiteral("Add forward step"));
    m_steps->setCurrentRow(at);
}

void ForwardEditor::removeStep()
{
    const int row = m_steps->currentRow();
    if (row < 0 || row >= static_cast<int>(m_program.body.size()))
        return;
    ml::ForwardProgram p = m_program;
    p.body.erase(p.body.begin() + row);
    emit programEdited(p, false, QStringLiteral("Remove forward step"));
}

void ForwardEditor::moveStep(int delta)
{
    const int row = m_steps->currentRow();
    const int to = row + delta;
    if (row < 0 || to < 0 || to >= static_cast<int>(m_program.body.size()))
        return;
    ml::ForwardProgram p = m_program;
    std::swap(p.body[static_cast<size_t>(row)], p.body[static_cast<size_t>(to)]);
    emit programEdited(p, false, QStringLiteral("Reorder forward steps"));
    m_steps->setCurrentRow(to);
}

} // namespace ml::ui
