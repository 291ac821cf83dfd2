#include "app/ui/statusmessage.h"

#include <QEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QStatusBar>
#include <QTextLayout>
#include <QTextOption>

#include <algorithm>
#include <cmath>

namespace ml::ui {

namespace {

constexpr int kMaxLines = 4;

QTextOption wrapping()
{
    QTextOption option(Qt::AlignLeft | Qt::AlignVCenter);
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    return option;
}

} // namespace

StatusMessage::StatusMessage(QStatusBar* bar)
    : QWidget(bar)
{
    setObjectName(QStringLiteral("statusMessage"));
    // Whatever room the permanent widgets (the totals) leave; never wider than the window.
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    // QStatusBar draws its temporary message left of its first permanent widget: this widget is
    // that one, so the bar itself draws nothing and this shows the message.
    bar->insertPermanentWidget(0, this, 1);
    connect(bar, &QStatusBar::messageChanged, this, &StatusMessage::setMessage);
}

void StatusMessage::setMessage(const QString& text)
{
    m_message = text;
    setToolTip(text);
    fitHeight();
    update();
}

int StatusMessage::heightFor(int width) const
{
    if (m_message.isEmpty() || width <= 0)
        return 0;
    QTextLayout layout(m_message, font());
    layout.setTextOption(wrapping());
    layout.beginLayout();
    double height = 0;
    int lines = 0;
    for (QTextLine line = layout.createLine(); line.isValid() && lines < kMaxLines; line = layout.createLine(), ++lines) {
        line.setLineWidth(width);
        height += line.height();
    }
    layout.endLayout();
    return static_cast<int>(std::ceil(height));
}

QSize StatusMessage::sizeHint() const
{
    return {fontMetrics().averageCharWidth() * 40, fontMetrics().height()};
}

QSize StatusMessage::minimumSizeHint() const
{
    return {1, fontMetrics().height()};
}

void StatusMessage::paintEvent(QPaintEvent*)
{
    if (m_message.isEmpty())
        return;
    QPainter painter(this);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRectF(contentsRect()), m_message, wrapping());
}

void StatusMessage::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    if (event->size().width() != event->oldSize().width())
        fitHeight();
}

void StatusMessage::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        fitHeight();
}

// As many lines as the message needs at this width (up to four): the status bar grows with it.
// While the bar is still being laid out this can be a sliver: one line then.
void StatusMessage::fitHeight()
{
    int need = fontMetrics().height();
    if (width() >= 20 * fontMetrics().averageCharWidth())
        need = std::max(heightFor(width()), need);
    if (need != minimumHeight())
        setMinimumHeight(need);
}

} // namespace ml::ui
