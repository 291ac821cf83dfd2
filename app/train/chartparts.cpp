#include "app/train/chartparts.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <algorithm>

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
