#pragma once

#include <QStringList>
#include <QWidget>

#include <optional>

class QLabel;

namespace ml::ui {

struct Prediction;

class ProbabilityBars;

// Class probabilities as horizontal bars with class names; the true label's bar in its own
// colour, the predicted class named above the chart.
class PredictionChart : public QWidget {
    Q_OBJECT
public:
    explicit PredictionChart(QWidget* parent = nullptr);
    ~PredictionChart() override;

    // prediction null: clears with `why`. trueLabel -1: unknown.
    void setPrediction(const Prediction* prediction, const QStringList& classNames, int trueLabel, const QString& why = {});
    void setStale(bool stale);
    QString headline() const;
    QSize sizeHint() const override; // room for every class name
    // Every row's height while on show; one line while hidden behind another panel's tab, so that the
    // panels it shares a column with (the Train panel over the Diagnostics it tabs with) may
    // take the height. Shown again, it asks for its rows' height back.
    QSize minimumSizeHint() const override;
    // Whether its panel is on show (a tabbed dock behind another tab stays visible to Qt).
    void setOnShow(bool onShow);
    int barCount() const { return m_bars; }
    ProbabilityBars* bars() const { return m_barsView; }

private:
    ProbabilityBars* m_barsView;
    QLabel* m_headline;
    int m_bars = 0;
    bool m_stale = false;
    bool m_onShow = true;
    QString m_text;
};

} // namespace ml::ui
