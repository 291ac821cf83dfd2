#include "app/ui/forwardeditor.h"

#include "app/document/forwardtext.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace ml::ui {

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

    layout->addWidget(new QLabel(QStringLiteral("<b>Steps</b> (double-click to edit)"), this));
    m_steps->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
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

void ForwardEditor::editStep(int row, const QString& text)
{
    ml::ForwardProgram p = m_program;
    if (row < 0 || row >= static_cast<int>(p.body.size()))
        return;
    // Parse the step in context: the whole program with this statement replaced.
    QStringList lines;
    for (int i = 0; i < static_cast<int>(p.body.size()); ++i)
        lines << (i == row ? text : QString::fromStdString(ml::toSource(p.body[static_cast<size_t>(i)])));
    QString source = QStringLiteral("def forward(self%1):\n").arg(
        p.params.empty() ? QString() : QStringLiteral(", ") + QString::fromStdString([&] {
            std::string s;
            for (size_t i = 0; i < p.params.size(); ++i)
                s += (i ? ", " : "") + p.params[i];
            return s;
        }()));
    for (const QString& l : lines)
        for (const QString& sub : l.split(QLatin1Char('\n')))
            source += QStringLiteral("    ") + sub + QLatin1Char('\n');
    auto parsed = parseForwardText(source);
    if (auto* err = std::get_if<ml::ParseError>(&parsed)) {
        m_error->setText(QStringLiteral("step %1: %2").arg(row + 1).arg(QString::fromStdString(err->message)));
        m_error->show();
        m_updating = true;
        fillSteps();
        m_updating = false;
        return;
    }
    m_error->hide();
    emit programEdited(std::get<ml::ForwardProgram>(parsed), false, QStringLiteral("Edit forward step"));
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
