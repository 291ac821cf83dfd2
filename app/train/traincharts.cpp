#include "app/train/traincharts.h"

#include "app/train/trainsession.h"
#include "engine/train/curves.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ml::ui {

namespace {

QChartView* makeView(QChart* chart, QWidget* parent)
{
    chart->setMargins(QMargins(0, 0, 4, 0));
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setBackgroundRoundness(0);
    auto* view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(90);
    return view;
}

QValueAxis* axis(QChart* chart, Qt::Alignment where)
{
    auto* a = new QValueAxis(chart);
    // A short chart (a 1280x720 window) has room for few value labels: three, each whole
    // (Qt elides labels that get less height than their text to "...").
    a->setTruncateLabels(false);
    if (where & (Qt::AlignLeft | Qt::AlignRight))
        a->setTickCount(3);
    chart->addAxis(a, where);
    return a;
}

QLineSeries* series(QChart* chart, const QString& name, const QColor& color, qreal width, QValueAxis* x, QValueAxis* y)
{
    auto* s = new QLineSeries(chart);
    s->setName(name);
    s->setPen(QPen(color, width));
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
    return s;
}

} // namespace

TrainCharts::TrainCharts(TrainSession* session, QWidget* parent)
    : QWidget(parent), m_session(session)
{
    auto* loss = new QChart;
    loss->setTitle(QStringLiteral("Loss per step"));
    m_lossX = axis(loss, Qt::AlignBottom);
    m_lossY = axis(loss, Qt::AlignLeft);
    m_lossX->setLabelFormat(QStringLiteral("%d"));
    m_lossY->setLabelFormat(QStringLiteral("%.2f"));
    m_raw = series(loss, QStringLiteral("raw"), QColor(150, 180, 230), 1.0, m_lossX, m_lossY);
    m_smooth = series(loss, QStringLiteral("smoothed"), QColor(20, 70, 170), 2.0, m_lossX, m_lossY);
    m_lossView = makeView(loss, this);

    auto* acc = new QChart;
    acc->setTitle(QStringLiteral("Accuracy (%) per epoch"));
    m_accX = axis(acc, Qt::AlignBottom);
    m_accY = axis(acc, Qt::AlignLeft);
    m_accX->setLabelFormat(QStringLiteral("%d"));
    m_accX->setTickType(QValueAxis::TicksDynamic);
    m_accX->setTickAnchor(1);
    m_accY->setTickCount(3);
    m_trainAcc = series(acc, QStringLiteral("train"), QColor(20, 70, 170), 2.0, m_accX, m_accY);
    m_testAcc = series(acc, QStringLiteral("test"), QColor(200, 90, 20), 2.0, m_accX, m_accY);
    for (QLineSeries* s : {m_trainAcc, m_testAcc})
        s->setPointsVisible(true);
    m_accuracyView = makeView(acc, this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_lossView, 3);
    layout->addWidget(m_accuracyView, 2);
    applyFonts();
    refresh();
}

// The charts' text follows the panel's type, a little smaller: readable in the window and, in
// classroom mode's large type, from the back of a room (Qt Charts keeps its own fonts otherwise).
void TrainCharts::applyFonts()
{
    QFont small = font();
    small.setPointSizeF(std::max(8.0, font().pointSizeF() * 0.85));
    QFont title = small;
    title.setBold(true);
    for (QChartView* view : {m_lossView, m_accuracyView}) {
        QChart* chart = view->chart();
        chart->legend()->setFont(small);
        chart->setTitleFont(title);
        for (QAbstractAxis* a : chart->axes())
            a->setLabelsFont(small);
    }
}

void TrainCharts::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        applyFonts();
}

void TrainCharts::refresh()
{
    const auto& steps = m_session->steps();
    std::vector<double> raw;
    raw.reserve(steps.size());
    for (const StepPoint& p : steps)
        raw.push_back(p.loss);
    const std::vector<double> smooth = ml::smoothCurve(raw, 0.9);
    QList<QPointF> rawPoints, smoothPoints;
    double top = 0.0;
    for (size_t i = 0; i < steps.size(); ++i) {
        rawPoints.append(QPointF(static_cast<double>(steps[i].step), raw[i]));
        smoothPoints.append(QPointF(static_cast<double>(steps[i].step), smooth[i]));
        if (std::isfinite(raw[i]))
            top = std::max(top, raw[i]);
    }
    m_raw->replace(rawPoints);
    m_smooth->replace(smoothPoints);
    const qint64 perEpoch = std::max<qint64>(m_session->stepsPerEpoch(), 1);
    const double lastStep = steps.empty() ? 0.0 : static_cast<double>(steps.back().step);
    m_lossX->setRange(0, std::max(lastStep, static_cast<double>(perEpoch * m_session->totalEpochs())));
    m_lossY->setRange(0, top > 0.0 ? top * 1.05 : 1.0);
    m_lossY->setTickCount(3);

    // Against class labels: accuracy per epoch; against the input (no labels): the loss.
    const bool recon = m_session->runSettings().target == ml::TargetKind::Input;
    m_accuracyView->chart()->setTitle(recon ? QStringLiteral("Mean loss per epoch") : QStringLiteral("Accuracy (%) per epoch"));
    QList<QPointF> train, test;
    double highest = 0.0;
    for (const EpochPoint& e : m_session->epochs()) {
        train.append(QPointF(e.epoch, recon ? e.trainLoss : e.trainAccuracy * 100.0));
        test.append(QPointF(e.epoch, recon ? e.testLoss : e.testAccuracy * 100.0));
        if (std::isfinite(e.trainLoss) && std::isfinite(e.testLoss))
            highest = std::max({highest, e.trainLoss, e.testLoss});
    }
    m_trainAcc->replace(train);
    m_testAcc->replace(test);
    m_accY->setLabelFormat(recon ? QStringLiteral("%.3g") : QStringLiteral("%d"));
    m_accY->setRange(0, recon ? (highest > 0.0 ? highest * 1.1 : 1.0) : 100.0);
    const int epochs = std::max(1, m_session->totalEpochs());
    m_accX->setRange(0.5, epochs + 0.5);
    m_accX->setTickInterval(std::max(1, epochs / 8));
}

} // namespace ml::ui
