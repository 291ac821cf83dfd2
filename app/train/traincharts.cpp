#include "app/train/traincharts.h"

#include "app/train/chartparts.h"
#include "app/train/trainsession.h"
#include "engine/train/curves.h"

#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ml::ui {

TrainCharts::TrainCharts(TrainSession* session, QWidget* parent)
    : QWidget(parent), m_session(session)
{
    auto* loss = new QChart;
    loss->setTitle(QStringLiteral("Loss per step"));
    loss->legend()->setAlignment(Qt::AlignRight);
    m_lossX = addValueAxis(loss, Qt::AlignBottom, QStringLiteral("%d"));
    m_lossY = addValueAxis(loss, Qt::AlignLeft, QStringLiteral("%.2f"));
    m_raw = addLineSeries(loss, QPen(QColor(150, 180, 230), 1.0), m_lossX, m_lossY, QStringLiteral("raw"));
    m_smooth = addLineSeries(loss, QPen(QColor(20, 70, 170), 2.0), m_lossX, m_lossY, QStringLiteral("smoothed"));
    m_lossView = makeChartView(loss, this, 90);

    auto* acc = new QChart;
    acc->setTitle(QStringLiteral("Accuracy (%) per epoch"));
    acc->legend()->setAlignment(Qt::AlignRight);
    m_accX = addValueAxis(acc, Qt::AlignBottom, QStringLiteral("%d"));
    m_accY = addValueAxis(acc, Qt::AlignLeft);
    m_trainAcc = addLineSeries(acc, QPen(QColor(20, 70, 170), 2.0), m_accX, m_accY, QStringLiteral("train"));
    m_testAcc = addLineSeries(acc, QPen(QColor(200, 90, 20), 2.0), m_accX, m_accY, QStringLiteral("test"));
    for (QLineSeries* s : {m_trainAcc, m_testAcc})
        s->setPointsVisible(true);
    m_accuracyView = makeChartView(acc, this, 90);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_lossView, 3);
    layout->addWidget(m_accuracyView, 2);
    refresh();
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
    setRoundTicks(m_lossX, 0, std::max(lastStep, static_cast<double>(perEpoch * m_session->totalEpochs())), 5, true);
    setRoundTicks(m_lossY, 0, top > 0.0 ? top * 1.05 : 1.0, 3, false);

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
    if (recon)
        setRoundTicks(m_accY, 0, highest > 0.0 ? highest * 1.1 : 1.0, 3, false);
    else
        setRoundTicks(m_accY, 0, 100.0, 3, true);
    const int epochs = std::max(1, m_session->totalEpochs());
    setRoundTicks(m_accX, 0.5, epochs + 0.5, 9, true, 1.0);
}

} // namespace ml::ui
