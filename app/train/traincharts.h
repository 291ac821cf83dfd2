#pragma once

#include <QWidget>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace ml::ui {

class TrainSession;

// The live curves: the loss of every step (raw, faint) with its smoothed curve over it, and the
// training and test accuracy after each epoch (the mean training and test loss for a model trained
// against its input).
class TrainCharts : public QWidget {
    Q_OBJECT
public:
    explicit TrainCharts(TrainSession* session, QWidget* parent = nullptr);
    void refresh(); // redraws from the session's points

    QLineSeries* rawLoss() const { return m_raw; }
    QLineSeries* smoothedLoss() const { return m_smooth; }
    QLineSeries* trainAccuracy() const { return m_trainAcc; }
    QLineSeries* testAccuracy() const { return m_testAcc; }
    QChartView* lossView() const { return m_lossView; }
    QChartView* accuracyView() const { return m_accuracyView; } // the mean losses for a model trained against its input

private:
    TrainSession* m_session;
    QChartView* m_lossView;
    QChartView* m_accuracyView;
    QLineSeries* m_raw;
    QLineSeries* m_smooth;
    QLineSeries* m_trainAcc;
    QLineSeries* m_testAcc;
    QValueAxis* m_lossX;
    QValueAxis* m_lossY;
    QValueAxis* m_accX;
    QValueAxis* m_accY;
};

} // namespace ml::ui
