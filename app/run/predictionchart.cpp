#include "app/run/predictionchart.h"

#include "app/document/predictions.h"

#include "app/run/probabilitybars.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>
#include <vector>

namespace ml::ui {

static constexpr int kAllClasses = 16;  // up to this many classes, every one is shown
static constexpr int kMostProbable = 10; // of more, the most probable

PredictionChart::PredictionChart(QWidget* parent)
    : QWidget(parent)
    , m_barsView(new ProbabilityBars(this))
    , m_headline(new QLabel(this))
{
    m_headline->setTextFormat(Qt::RichText);
    m_headline->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(m_barsView, 1);
    layout->addStretch(0); // the message at the top while the chart is hidden
    setPrediction(nullptr, {}, -1, QStringLiteral("No prediction yet"));
}

PredictionChart::~PredictionChart() = default;

QSize PredictionChart::sizeHint() const
{
    const QSize base = QWidget::sizeHint();
    return {base.width(), m_headline->sizeHint().height() + std::clamp(m_barsView->sizeHint().height(), 150, 600)};
}

QSize PredictionChart::minimumSizeHint() const
{
    const QSize least = QWidget::minimumSizeHint();
    return m_onShow ? least : QSize(least.width(), fontMetrics().height());
}

void PredictionChart::setOnShow(bool onShow)
{
    if (onShow == m_onShow)
        return;
    m_onShow = onShow;
    updateGeometry();
}

QString PredictionChart::headline() const
{
    return m_headline->text();
}

void PredictionChart::setStale(bool stale)
{
    m_stale = stale;
    m_headline->setText(m_stale ? QStringLiteral("<span style='color:#7a5600'>(stale)</span> ") + m_text : m_text);
    m_barsView->setEnabled(!stale);
}

void PredictionChart::setPrediction(const Prediction* prediction, const QStringList& classNames, int trueLabel, const QString& why)
{
    m_bars = 0;
    // No chart without a prediction: an empty frame of grid lines says nothing.
    m_barsView->setVisible(prediction != nullptr);
    if (!prediction) {
        m_barsView->setRows({});
        m_text = why.toHtmlEscaped();
        setStale(m_stale);
        return;
    }
    const int k = static_cast<int>(prediction->probabilities.size());
    // Every class of a short output, class 0 at the top; of a long one (ImageNet's 1000) the
    // most probable first. The true label named with a check mark and drawn green.
    std::vector<int> order(static_cast<size_t>(k));
    std::iota(order.begin(), order.end(), 0);
    const int shown = k > kAllClasses ? kMostProbable : k;
    if (k > kAllClasses)
        std::partial_sort(order.begin(), order.begin() + shown, order.end(), [&](int a, int b) {
            return prediction->probabilities[static_cast<size_t>(a)] > prediction->probabilities[static_cast<size_t>(b)];
        });
    QList<ProbabilityBars::Row> rows;
    for (int n = 0; n < shown; ++n) {
        const int i = order[static_cast<size_t>(n)];
        const bool isTrue = i == trueLabel;
        QString name = i < classNames.size() ? classNames[i] : QStringLiteral("class %1").arg(i);
        if (isTrue)
            name += QStringLiteral(" ✓");
        rows.append({name, static_cast<double>(prediction->probabilities[static_cast<size_t>(i)]), isTrue});
    }
    m_barsView->setRows(rows);
    m_bars = shown;
    updateGeometry();

    const int best = prediction->best;
    const QString bestName = best < classNames.size() ? classNames[best] : QStringLiteral("class %1").arg(best);
    QString text = QStringLiteral("Predicted: <b>%1</b> (%2%)")
                       .arg(bestName.toHtmlEscaped())
                       .arg(static_cast<double>(prediction->probabilities[static_cast<size_t>(best)]) * 100.0, 0, 'f', 1);
    if (trueLabel >= 0) {
        const QString trueName = trueLabel < classNames.size() ? classNames[trueLabel] : QStringLiteral("class %1").arg(trueLabel);
        text += best == trueLabel ? QStringLiteral(" · <span style='color:#2ca02c'>correct</span>")
                                  : QStringLiteral(" · <span style='color:#c0392b'>wrong</span>");
        text += QStringLiteral("<br><small>true label (green, ✓): %1</small>").arg(trueName.toHtmlEscaped());
    }
    if (prediction->softmaxApplied)
        text += QStringLiteral("<br><small>The model outputs scores, not probabilities: shown after softmax "
                               "(F.softmax(output, dim=1))</small>");
    if (k > shown)
        text += QStringLiteral("<br><small>the %1 most probable of %2 classes</small>").arg(shown).arg(k);
    m_text = text;
    setStale(m_stale);
}

} // namespace ml::ui
