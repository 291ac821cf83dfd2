#include "app/run/predictionchart.h"

#include "app/document/predictions.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHorizontalStackedBarSeries>
#include <QEvent>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QLabel>
#include <QPainter>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

PredictionChart::PredictionChart(QWidget* parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_headline(new QLabel(this))
{
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->hide(); // the true label is named with a check mark and drawn green
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->setBackgroundRoundness(0);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(150);
    m_headline->setTextFormat(Qt::RichText);
    m_headline->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(m_view, 1);
    setPrediction(nullptr, {}, -1, QStringLiteral("No prediction yet"));
}

PredictionChart::~PredictionChart() = default;

QSize PredictionChart::sizeHint() const
{
    const QSize base = QWidget::sizeHint();
    return {base.width(), m_headline->sizeHint().height() + std::clamp((m_bars + 3) * m_rowHeight, 150, 600)};
}

QString PredictionChart::headline() const
{
    return m_headline->text();
}

void PredictionChart::setStale(bool stale)
{
    m_stale = stale;
    m_headline->setText(m_stale ? QStringLiteral("<span style='color:#7a5600'>(stale)</span> ") + m_text : m_text);
    m_view->setEnabled(!stale);
}

void PredictionChart::setPrediction(const Prediction* prediction, const QStringList& classNames, int trueLabel, const QString& why)
{
    m_chart->removeAllSeries();
    for (QAbstractAxis* axis : m_chart->axes())
        m_chart->removeAxis(axis), delete axis;
    m_bars = 0;
    if (!prediction) {
        m_text = why.toHtmlEscaped();
        setStale(m_stale);
        return;
    }
    const int k = static_cast<int>(prediction->probabilities.size());
    const int shown = std::min(k, 50);
    auto* other = new QBarSet(QStringLiteral("probability"));
    auto* truth = new QBarSet(QStringLiteral("true label"));
    other->setColor(QColor(0x3b, 0x75, 0xaf));
    truth->setColor(QColor(0x2c, 0xa0, 0x2c));
    QStringList categories;
    // Bottom to top, so that class 0 is drawn first from the top.
    for (int i = shown - 1; i >= 0; --i) {
        const float p = prediction->probabilities[static_cast<size_t>(i)];
        const bool isTrue = i == trueLabel;
        *other << (isTrue ? 0.0 : static_cast<double>(p));
        *truth << (isTrue ? static_cast<double>(p) : 0.0);
        QString name = i < classNames.size() ? classNames[i] : QStringLiteral("class %1").arg(i);
        if (isTrue)
            name += QStringLiteral(" ✓");
        categories << name;
    }
    auto* series = new QHorizontalStackedBarSeries;
    series->append(other);
    if (trueLabel >= 0 && trueLabel < shown)
        series->append(truth);
    else
        delete truth;
    series->setBarWidth(0.75);
    m_chart->addSeries(series);
    auto* axisY = new QBarCategoryAxis;
    axisY->append(categories);
    // Class names whole: the chart's layout reserves less than untruncated labels need, so the
    // left margin makes room for the longest.
    axisY->setTruncateLabels(false);
    auto* axisX = new QValueAxis;
    axisX->setRange(0, 1);
    axisX->setTickCount(6);
    axisX->setLabelFormat(QStringLiteral("%.1f"));
    m_chart->addAxis(axisY, Qt::AlignLeft);
    m_chart->addAxis(axisX, Qt::AlignBottom);
    series->attachAxis(axisY);
    series->attachAxis(axisX);
    m_bars = shown;
    fitLabels();

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
        text += QStringLiteral("<br><small>first %1 of %2 classes</small>").arg(shown).arg(k);
    m_text = text;
    setStale(m_stale);
}

// The axes' labels in the widget's font (classroom mode's large type too), every class name
// whole: the chart's layout reserves less than untruncated labels need, so the left margin
// makes room for the longest, and each name gets a row (the axis leaves out names that do not
// fit their row; sizeHint()).
void PredictionChart::fitLabels()
{
    const QFontMetrics fm(font());
    int longest = 0;
    for (QAbstractAxis* axis : m_chart->axes()) {
        axis->setLabelsFont(font());
        if (auto* names = qobject_cast<QBarCategoryAxis*>(axis))
            for (const QString& c : names->categories())
                longest = std::max(longest, fm.horizontalAdvance(c));
    }
    m_chart->setMargins(QMargins(2 + longest / 2, 2, 2, 2));
    m_rowHeight = fm.height() * 3 / 2;
    updateGeometry();
}

void PredictionChart::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        fitLabels();
}

} // namespace ml::ui
