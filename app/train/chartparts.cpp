#include "app/train/chartparts.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ml::ui {

namespace {

void applyFonts(QChartView* view)
{
    const QFont panel = view->font();
    QFont small = panel;
    small.setPointSizeF(std::max(8.0, panel.pointSizeF() * 0.85));
    QFont title = small;
    title.setBold(true);
    QChart* chart = view->chart();
    chart->legend()->setFont(small);
    chart->setTitleFont(title);
    for (QAbstractAxis* a : chart->axes())
        a->setLabelsFont(small);
}

// Re-applies the fonts when the view's own font changes (the application's, a style sheet's).
class FontFollower : public QObject {
public:
    explicit FontFollower(QChartView* view) : QObject(view), m_view(view) { view->installEventFilter(this); }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched == m_view && event->type() == QEvent::FontChange)
            applyFonts(m_view);
        return QObject::eventFilter(watched, event);
    }

private:
    QChartView* m_view;
};

} // namespace

QChartView* makeChartView(QChart* chart, QWidget* parent, int minimumHeight)
{
    chart->setMargins(QMargins(0, 0, 4, 0));
    chart->setBackgroundRoundness(0);
    auto* view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(minimumHeight);
    followPanelFont(view);
    return view;
}

QValueAxis* addValueAxis(QChart* chart, Qt::Alignment where, const QString& labelFormat)
{
    auto* a = new QValueAxis(chart);
    if (!labelFormat.isEmpty())
        a->setLabelFormat(labelFormat);
    a->setTruncateLabels(false);
    if (where & (Qt::AlignLeft | Qt::AlignRight))
        a->setTickCount(3);
    chart->addAxis(a, where);
    return a;
}

void setRoundTicks(QValueAxis* axis, double lo, double hi, int most, bool whole, double anchor)
{
    if (!std::isfinite(lo) || !std::isfinite(hi) || hi <= lo)
        hi = lo + 1.0;
    const double span = hi - lo;
    most = std::max(most, 2);
    // The smallest round interval that puts no more than `most` ticks in the range.
    double step = 1.0;
    const double decade = std::pow(10.0, std::floor(std::log10(span / most)) - 1.0);
    for (double scale = decade;; scale *= 10.0) {
        bool found = false;
        for (double m : {1.0, 2.0, 5.0}) {
            const double candidate = m * scale;
            if (whole && candidate < 1.0)
                continue;
            if (std::floor(span / candidate + 1e-9) + 1.0 <= most) {
                step = candidate;
                found = true;
                break;
            }
        }
        if (found)
            break;
    }
    const int decimals = whole ? 0 : std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    axis->setRange(lo, hi);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(anchor);
    axis->setTickInterval(step);
    axis->setLabelFormat(whole ? QStringLiteral("%d") : QStringLiteral("%.") + QString::number(decimals) + QStringLiteral("f"));
}

QLineSeries* addLineSeries(QChart* chart, const QPen& pen, QValueAxis* x, QValueAxis* y, const QString& name)
{
    auto* s = new QLineSeries(chart);
    if (!name.isEmpty())
        s->setName(name);
    s->setPen(pen);
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
    return s;
}

void followPanelFont(QChartView* view)
{
    if (!view->property("followsPanelFont").toBool()) {
        view->setProperty("followsPanelFont", true);
        new FontFollower(view);
    }
    applyFonts(view);
}

} // namespace ml::ui
