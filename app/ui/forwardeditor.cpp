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
#include <QToolButton>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

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
    , m_offer(new QLabel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_inOrder = new QPushButton(QStringLiteral("Call the children in order"), this);
    m_inOrder->setObjectName(QStringLiteral("callChildrenInOrder"));
    connect(m_inOrder, &QPushButton::clicked, this, &ForwardEditor::callChildrenInOrder);
    m_offer->setWordWrap(true);
    m_offer->setStyleSheet(QStringLiteral("background: #fff4d6; border: 1px solid #e0b040; border-radius: 4px; padding: 4px;"));
    m_offer->hide();
    layout->addWidget(m_offer);
    layout->addWidget(m_inOrder);
    // The steps first: the place modules are dropped on stays in view in a short panel.
    auto* stepsTitle = new QLabel(QStringLiteral("<b>Steps</b> (double-click to edit; drop layers or modules here to call them)"), this);
    stepsTitle->setWordWrap(true);
    layout->addWidget(stepsTitle);
    m_steps->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_steps->setToolTip(QStringLiteral("Drag a layer from the palette or a module from the tree or the diagram here to call it from forward()"));
    m_steps->setAcceptDrops(true);
    m_steps->viewport()->setAcceptDrops(true);
    m_steps->viewport()->installEventFilter(this);
    m_steps->setMinimumHeight(90);
    // A long statement wraps in the narrow panel instead of running out of sight at the right.
    m_steps->setWordWrap(true);
    m_steps->setResizeMode(QListView::Adjust);
    m_steps->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_steps, 1);
    auto* buttons = new QHBoxLayout;
    // Tool buttons: the four fit beside each other in a narrow side panel.
    auto button = [&](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        b->setToolTip(tip);
        connect(b, &QPushButton::clicked, this, slot);
        buttons->addWidget(b);
    };
    button(QStringLiteral("Add"), QStringLiteral("Add a step before the selected one"), &ForwardEditor::addStep);
    button(QStringLiteral("Remove"), QStringLiteral("Remove the selected step"), &ForwardEditor::removeStep);
    button(QStringLiteral("Up"), QStringLiteral("Move the selected step up"), [this] { moveStep(-1); });
    button(QStringLiteral("Down"), QStringLiteral("Move the selected step down"), [this] { moveStep(1); });
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(QStringLiteral("<b>forward()</b> as code"), this));
    m_code->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_code->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_code->setMinimumHeight(90);
    layout->addWidget(m_code, 2);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_error->hide();
    layout->addWidget(m_error);

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
    updateOffer();
}

// A forward() that uses none of the module's children (a new Module: "return x") while it has
// some: offer to call them in order. The button works only where it would change forward().
void ForwardEditor::updateOffer()
{
    const QStringList calls = m_childCalls ? m_childCalls() : QStringList();
    const bool usesSelf = std::any_of(m_program.body.begin(), m_program.body.end(), [](const ml::Stmt& s) {
        return QString::fromStdString(ml::toSource(s)).contains(QLatin1String("self."));
    });
    m_offer->setVisible(!calls.isEmpty() && !usesSelf);
    m_offer->setText(QStringLiteral("forward() calls none of the %1 %2 yet: drop them on the steps or the diagram, or:")
                         .arg(calls.size())
                         .arg(calls.size() == 1 ? QStringLiteral("child") : QStringLiteral("children")));
    const QString var = m_program.params.empty() ? QStringLiteral("x") : QString::fromStdString(m_program.params[0]);
    QString why;
    if (calls.isEmpty())
        why = QStringLiteral("This module has no children to call yet: drop layers into it first.");
    else if (const auto program = childrenInOrder(); program && program->body == m_program.body)
        why = QStringLiteral("forward() already calls every child in the order they are stored, then returns %1.").arg(var);
    m_inOrder->setEnabled(why.isEmpty());
    m_inOrder->setToolTip(why.isEmpty() ? QStringLiteral("forward() becomes: every child called in the order they are stored, "
                                                         "as nn.Sequential does, then return %1 (the steps there now are replaced; "
                                                         "Undo brings them back)")
                                              .arg(var)
                                        : why);
}

std::optional<ml::ForwardProgram> ForwardEditor::childrenInOrder() const
{
    const QStringList calls = m_childCalls ? m_childCalls() : QStringList();
    if (calls.isEmpty())
        return std::nullopt;
    const QString var = m_program.params.empty() ? QStringLiteral("x") : QString::fromStdString(m_program.params[0]);
    auto parsed = parseSteps(calls + QStringList{QStringLiteral("return ") + var});
    if (std::holds_alternative<ml::ParseError>(parsed))
        return std::nullopt;
    return std::get<ml::ForwardProgram>(std::move(parsed));
}

bool ForwardEditor::canCallChildrenInOrder() const
{
    return m_inOrder->isEnabled();
}

bool ForwardEditor::isOfferingChildCalls() const
{
    return !m_offer->isHidden();
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
        item->setToolTip(item->text());
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

std::variant<ml::ForwardProgram, ml::ParseError> ForwardEditor::parseSteps(const QStringList& steps) const
{
    QString params;
    for (const std::string& p : m_program.params)
        params += QStringLiteral(", ") + QString::fromStdString(p);
    QString source = QStringLiteral("def forward(self%1):\n").arg(params);
    for (const QString& step : steps)
        for (const QString& line : step.split(QLatin1Char('\n')))
            source += QStringLiteral("    ") + line + QLatin1Char('\n');
    auto parsed = parseForwardText(source);
    if (auto* program = std::get_if<ml::ForwardProgram>(&parsed)) {
        // Only the body was edited: the helper methods, attributes and defaults stay.
        ml::ForwardProgram edited = m_program;
        edited.body = std::move(program->body);
        return edited;
    }
    return parsed;
}

std::optional<ml::ForwardProgram> ForwardEditor::programFromSteps(const QStringList& steps, const QString& where)
{
    auto parsed = parseSteps(steps);
    if (auto* err = std::get_if<ml::ParseError>(&parsed)) {
        m_error->setText(QStringLiteral("%1: %2").arg(where, QString::fromStdString(err->message)));
        m_error->show();
        return std::nullopt;
    }
    m_error->hide();
    return std::get<ml::ForwardProgram>(std::move(parsed));
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
    if (!m_dropHandler)
        return false;
    const QString problem = m_dropHandler(data, row, true);
    if (!problem.isEmpty()) {
        m_error->setText(QStringLiteral("Cannot call it from forward(): %1").arg(problem));
        m_error->show();
        return false;
    }
    m_error->hide();
    if (row >= 0)
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
    // Already so: nothing to change, and no History entry that changes nothing.
    if (program && program->body != m_program.body)
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
            if (m_dropHandler && m_dropHandler(e->mimeData(), -1, false).isEmpty()) {
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
    p.body.insert(p.body.begin() + at, identityStatement(var));
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
