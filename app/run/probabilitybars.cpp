#include "app/run/probabilitybars.h"

#include <QPainter>

#include <algorithm>

namespace ml::ui {

static constexpr int kGap = 6;

static QString percent(double p)
{
    return QStringLiteral("%1%").arg(p * 100.0, 0, 'f', 1);
}

ProbabilityBars::ProbabilityBars(QWidget* parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ProbabilityBars::setRows(const QList<Row>& rows)
{
    m_rows = rows;
    updateGeometry();
    update();
}

// The widget's type, or smaller (down to 70%) when the rows would not fit in its height.
QFont ProbabilityBars::rowFont() const
{
    QFont f = font();
    if (m_rows.isEmpty())
        return f;
    const int needed = rowCount() * fontMetrics().height();
    const int available = height() - 2 * kGap;
    if (available >= needed || needed <= 0)
        return f;
    const double scale = std::max(0.7, static_cast<double>(available) / needed);
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * scale);
    else
        f.setPixelSize(std::max(1, static_cast<int>(f.pixelSize() * scale)));
    return f;
}

// As high as the type and a little air, up to twice the type when there is room.
int ProbabilityBars::rowHeight() const
{
    const int type = QFontMetrics(rowFont()).height();
    if (m_rows.isEmpty())
        return type + 4;
    const int fit = (height() - 2 * kGap) / rowCount();
    return std::clamp(fit, std::min(type + 4, std::max(type, fit)), 2 * fontMetrics().height());
}

int ProbabilityBars::nameWidth() const
{
    const QFont plain = rowFont();
    QFont bold = plain;
    bold.setBold(true);
    const QFontMetrics plainMetrics(plain), boldMetrics(bold);
    int widest = 0;
    for (const Row& r : m_rows)
        widest = std::max(widest, (r.marked ? boldMetrics : plainMetrics).horizontalAdvance(r.name));
    return widest + 2;
}

int ProbabilityBars::valueWidth() const
{
    return QFontMetrics(rowFont()).horizontalAdvance(percent(1.0)) + 2;
}

QRect ProbabilityBars::barsRect() const
{
    const int left = kGap + nameWidth() + kGap;
    const int right = width() - kGap - valueWidth() - kGap;
    return QRect(left, kGap, std::max(1, right - left), rowCount() * rowHeight());
}

QRect ProbabilityBars::nameRect(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return QRect(kGap, barsRect().top() + row * rowHeight(), nameWidth(), rowHeight());
}

QRect ProbabilityBars::valueRect(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return QRect(width() - kGap - valueWidth(), barsRect().top() + row * rowHeight(), valueWidth(), rowHeight());
}

QSize ProbabilityBars::minimumSizeHint() const
{
    return {2 * kGap + nameWidth() + kGap + 60 + kGap + valueWidth() + kGap, 2 * kGap + rowCount() * (fontMetrics().height() + 4)};
}

QSize ProbabilityBars::sizeHint() const
{
    const QSize least = minimumSizeHint();
    return {least.width() + 200, 2 * kGap + rowCount() * (fontMetrics().height() * 3 / 2)};
}

void ProbabilityBars::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QRect bars = barsRect();
    const int rowH = rowHeight();
    const int barH = std::max(2, rowH * 2 / 3);
    // Quarter lines behind the bars.
    p.setPen(QColor(0, 0, 0, 40));
    for (int q = 1; q <= 4; ++q) {
        const int x = bars.left() + bars.width() * q / 4;
        p.drawLine(x, bars.top(), x, bars.bottom());
    }
    for (int i = 0; i < rowCount(); ++i) {
        const Row& r = m_rows[i];
        const int top = bars.top() + i * rowH;
        const QColor colour = !isEnabled() ? QColor(0xb0, 0xb0, 0xb0) : r.marked ? QColor(0x2c, 0xa0, 0x2c) : QColor(0x3b, 0x75, 0xaf);
        const double w = std::clamp(r.probability, 0.0, 1.0) * bars.width();
        p.fillRect(QRectF(bars.left(), top + (rowH - barH) / 2.0, std::max(w, 1.0), barH), colour);
        p.setPen(palette().text().color());
        QFont f = rowFont();
        f.setBold(r.marked);
        p.setFont(f);
        p.drawText(nameRect(i), Qt::AlignRight | Qt::AlignVCenter, r.name);
        p.drawText(valueRect(i), Qt::AlignRight | Qt::AlignVCenter, percent(r.probability));
    }
    p.setFont(font());
    p.setPen(palette().text().color());
    p.drawLine(bars.left(), bars.top(), bars.left(), bars.top() + rowCount() * rowH);
}

} // namespace ml::ui
