#include "app/lessons/lessonplayer.h"

#include <QAction>
#include <QActionGroup>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

namespace {
constexpr int kMinTextHeight = 80;

// Code in a step's text may wrap after a dot or an opening bracket (a zero-width space there):
// self.register_buffer('pixel_mean', wider than a narrow panel in large type, would otherwise
// run past its right edge.
QString breakableCode(const QString& html)
{
    QString out;
    out.reserve(html.size() + html.size() / 8);
    bool inCode = false;
    for (qsizetype i = 0; i < html.size(); ++i) {
        if (html[i] == u'<') {
            const QStringView rest = QStringView(html).mid(i);
            if (rest.startsWith(u"<code>"))
                inCode = true;
            else if (rest.startsWith(u"</code>"))
                inCode = false;
        }
        out += html[i];
        const bool breakAfter = html[i] == u'.' || html[i] == u'(' || html[i] == u'[';
        if (inCode && breakAfter && i + 1 < html.size() && html[i + 1] != u'<' && html[i + 1] != u'.')
            out += QChar(0x200B);
    }
    return out;
}
} // namespace

LessonPlayer::LessonPlayer(QWidget* parent)
    : QWidget(parent)
    , m_scroll(new QScrollArea(this))
    , m_picker(new QToolButton(this))
    , m_menu(new QMenu(this))
    , m_group(new QActionGroup(this))
    , m_title(new QLabel(this))
    , m_counter(new QLabel(this))
    , m_text(new QLabel(this))
    , m_back(new QPushButton(QStringLiteral("◀ Back"), this))
    , m_next(new QPushButton(QStringLiteral("Next ▶"), this))
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    // The picker, title and text scroll when the panel is too short for them; the counter and
    // the Back and Next buttons stay in view under them.
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* page = new QWidget(m_scroll);
    auto* layout = new QVBoxLayout(page);
    m_picker->setParent(page);
    m_title->setParent(page);
    m_text->setParent(page);
    m_scroll->setWidget(page);
    // The labels get their widths after the player (the scroll bar may come or go): their
    // heights follow them.
    m_title->installEventFilter(this);
    m_text->installEventFilter(this);
    outer->addWidget(m_scroll, 1);
    auto* controls = new QVBoxLayout;
    controls->setContentsMargins(layout->contentsMargins());
    outer->addLayout(controls);
    // A menu rather than a combo box: a menu shows every title whole however narrow the panel
    // is, and the chosen lesson's title is the bold heading below.
    m_picker->setText(QStringLiteral("All lessons ▾"));
    m_picker->setStyleSheet(QStringLiteral("QToolButton::menu-indicator { image: none; width: 0px; }"));
    m_picker->setToolTip(QStringLiteral("Choose a lesson"));
    m_picker->setMenu(m_menu);
    m_picker->setPopupMode(QToolButton::InstantPopup);
    m_picker->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(m_picker, 0, Qt::AlignLeft);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);
    m_title->setWordWrap(true);
    m_title->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_title);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setMinimumHeight(kMinTextHeight);
    layout->addWidget(m_text, 1);
    // The counter on a row of its own: the buttons never have to share their row with it, so
    // they keep their whole labels in a narrow panel and in classroom mode's large type.
    m_counter->setAlignment(Qt::AlignCenter);
    m_counter->setWordWrap(true);
    controls->addWidget(m_counter);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_back);
    buttons->addStretch(1);
    buttons->addWidget(m_next);
    controls->addLayout(buttons);
    m_back->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    connect(m_back, &QPushButton::clicked, this, &LessonPlayer::back);
    connect(m_next, &QPushButton::clicked, this, [this] {
        if (m_lesson < 0)
            startLesson(0);
        else if (atLessonEnd())
            startLesson(m_lesson + 1);
        else
            next();
    });
    updateControls();
}

void LessonPlayer::setLessons(std::vector<Lesson> lessons)
{
    m_lessons = std::move(lessons);
    m_lesson = -1;
    m_step = -1;
    m_menu->clear(); // deletes the menu's actions, which leave m_group as they go
    for (size_t i = 0; i < m_lessons.size(); ++i) {
        QAction* a = m_menu->addAction(m_lessons[i].title);
        a->setCheckable(true);
        m_group->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { startLesson(static_cast<int>(i)); });
    }
    updateControls();
}

void LessonPlayer::startLesson(int index)
{
    if (index < 0 || index >= static_cast<int>(m_lessons.size()))
        return;
    m_lesson = index;
    m_opened.clear();
    const QList<QAction*> actions = m_menu->actions();
    if (index < actions.size())
        actions[index]->setChecked(true);
    goToStep(0);
}

void LessonPlayer::goToStep(int step)
{
    if (m_lesson < 0)
        return;
    const Lesson& lesson = m_lessons[static_cast<size_t>(m_lesson)];
    if (step < 0 || step >= static_cast<int>(lesson.steps.size()))
        return;
    m_step = step;
    const LessonStep& s = lesson.steps[static_cast<size_t>(step)];
    const QString model = effectiveModel(lesson, step);
    if (!model.isEmpty() && (model != m_opened || !s.open.isEmpty())) {
        m_opened = model;
        emit openRequested(model);
    }
    emit selectRequested(s.select);
    if (s.compare.size() == 2)
        emit compareRequested(lessonModelPath(s.compare[0]), lessonModelPath(s.compare[1]), s.compareTab);
    updateControls();
}

bool LessonPlayer::atLessonEnd() const
{
    return m_lesson >= 0 && m_step + 1 == static_cast<int>(m_lessons[static_cast<size_t>(m_lesson)].steps.size());
}

void LessonPlayer::setNextLabel(const QString& text, const QString& toolTip)
{
    m_next->setText(text);
    m_next->setToolTip(toolTip);
    m_next->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right)); // setText replaced it by the text's mnemonic
}

void LessonPlayer::next() { goToStep(m_step + 1); }
void LessonPlayer::back() { goToStep(m_step - 1); }

void LessonPlayer::updateControls()
{
    if (m_lesson < 0) {
        m_title->setText(m_lessons.empty() ? QStringLiteral("No lessons") : QStringLiteral("Choose a lesson"));
        m_text->setText(QStringLiteral("Each lesson opens the tutorial's networks, selects a node and explains it."));
        m_counter->clear();
        m_back->setEnabled(false);
        setNextLabel(QStringLiteral("Start ▶"), QString());
        m_next->setEnabled(!m_lessons.empty());
        return;
    }
    const Lesson& lesson = m_lessons[static_cast<size_t>(m_lesson)];
    const LessonStep& s = lesson.steps[static_cast<size_t>(m_step)];
    m_title->setText(lesson.title);
    m_text->setText(breakableCode(s.text));
    // Two phrases, each kept on one line (no-break spaces): a narrow panel wraps between them,
    // never inside one ("step 1 of" over "3").
    const auto unbroken = [](QString phrase) { return phrase.replace(QLatin1Char(' '), QChar(0x00A0)); };
    m_counter->setText(unbroken(QStringLiteral("Lesson %1 of %2 ·").arg(m_lesson + 1).arg(m_lessons.size())) + QLatin1Char(' ') +
                       unbroken(QStringLiteral("step %1 of %2").arg(m_step + 1).arg(lesson.steps.size())));
    m_back->setEnabled(m_step > 0);
    // At a lesson's end the button leads on to the next lesson.
    const bool hasNextLesson = m_lesson + 1 < static_cast<int>(m_lessons.size());
    if (atLessonEnd() && hasNextLesson)
        setNextLabel(QStringLiteral("Next lesson ▶"),
                     QStringLiteral("Lesson %1: %2").arg(m_lesson + 2).arg(m_lessons[static_cast<size_t>(m_lesson + 1)].title));
    else
        setNextLabel(QStringLiteral("Next ▶"), QString());
    m_next->setEnabled(!atLessonEnd() || hasNextLesson);
    fitText();
    emit stepShown();
}

int LessonPlayer::hiddenTextHeight() const
{
    return m_scroll->verticalScrollBar()->maximum();
}

int LessonPlayer::wantedHeight() const
{
    return height() - m_scroll->viewport()->height() + m_scroll->widget()->minimumSizeHint().height();
}

// The title and the step's whole text stay visible: the panel asks for the height the wrapped
// text needs at its width. Measured at the width the text has beside a vertical scroll bar, so
// that the height asked does not depend on the bar. (Measured at the width it has, a panel
// between the two heights made the bar come because the text is taller beside it and go
// because it is shorter without it, again and again, until the stack ran out.)
void LessonPlayer::fitText()
{
    // The labels' width beside the bar, from the scroll area's: not from their own, which
    // changes as the bar comes and goes.
    const QMargins margins = m_scroll->widget()->layout()->contentsMargins();
    const int beside = m_scroll->width() - 2 * m_scroll->frameWidth() - m_scroll->verticalScrollBar()->sizeHint().width() -
                       margins.left() - margins.right();
    for (QLabel* label : {m_title, m_text}) {
        const int frame = label->height() - label->contentsRect().height();
        const int floor = label == m_text ? kMinTextHeight : 0;
        // QLabel::heightForWidth never answers less than the minimum height: a height set for a
        // narrower panel (or a longer step) would stay, the text floating in empty space.
        const int was = label->minimumHeight();
        label->setMinimumHeight(0);
        const int height = std::max(floor, label->heightForWidth(std::max(1, beside)) + frame);
        label->setMinimumHeight(height == was ? was : height);
    }
}

// The selected text as the lesson wrote it: without the zero-width spaces that let its code
// wrap, so that code copied from a lesson runs when pasted into Python.
QString LessonPlayer::selectedText() const
{
    QString t = m_text->selectedText();
    t.remove(QChar(0x200B));
    return t;
}

bool LessonPlayer::eventFilter(QObject* watched, QEvent* event)
{
    if ((watched == m_title || watched == m_text) && event->type() == QEvent::Resize)
        fitText();
    if (watched == m_text && m_text->hasSelectedText()) {
        auto copy = [this] { QGuiApplication::clipboard()->setText(selectedText()); };
        if (event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->matches(QKeySequence::Copy)) {
            copy();
            return true;
        }
        if (event->type() == QEvent::ContextMenu) {
            QMenu menu(m_text);
            menu.addAction(tr("&Copy"), QKeySequence::Copy, copy);
            menu.exec(static_cast<QContextMenuEvent*>(event)->globalPos());
            return true;
        }
        if (event->type() == QEvent::MouseButtonRelease && QGuiApplication::clipboard()->supportsSelection())
            QTimer::singleShot(0, this, [this] { // after the label has set the selection it copied
                if (m_text->hasSelectedText())
                    QGuiApplication::clipboard()->setText(selectedText(), QClipboard::Selection);
            });
    }
    return QWidget::eventFilter(watched, event);
}

void LessonPlayer::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitText();
}

} // namespace ml::ui
