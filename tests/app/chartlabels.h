#pragma once

// What a training chart shows on its axes, read from the scene Qt Charts draws: the tick labels
// below the plot (horizontal axis) or left of it (vertical axis), and whether each stands where
// its value is.

#include <QChart>
#include <QChartView>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

namespace ml::ui::testing {

struct AxisLabel {
    QString text;
    double at = 0.0; // the label's centre along the axis, in pixels of the scene
};

// The labels of the chart's horizontal (bottom) or vertical (left) axis, in order along it.
inline std::vector<AxisLabel> axisLabels(QChartView* view, Qt::Orientation orientation)
{
    const QRectF plot = view->chart()->plotArea();
    std::vector<AxisLabel> out;
    for (QGraphicsItem* item : view->scene()->items()) {
        auto* text = dynamic_cast<QGraphicsTextItem*>(item);
        if (!text || !text->isVisible() || text->toPlainText().isEmpty())
            continue;
        const QRectF r = text->sceneBoundingRect();
        const QPointF c = r.center();
        if (orientation == Qt::Horizontal && r.top() >= plot.bottom() - 1 && c.x() >= plot.left() - r.width()
            && c.x() <= plot.right() + r.width())
            out.push_back({text->toPlainText(), c.x()});
        else if (orientation == Qt::Vertical && r.right() <= plot.left() + 1 && c.y() >= plot.top() - r.height()
                 && c.y() <= plot.bottom() + r.height())
            out.push_back({text->toPlainText(), -c.y()});
    }
    std::sort(out.begin(), out.end(), [](const AxisLabel& a, const AxisLabel& b) { return a.at < b.at; });
    return out;
}

// Empty when the axis has labels, no two alike, each a number standing (within two pixels) where
// the chart draws that value; otherwise what is wrong.
inline QString axisLabelsWrong(QChartView* view, Qt::Orientation orientation)
{
    const std::vector<AxisLabel> labels = axisLabels(view, orientation);
    QStringList texts;
    for (const AxisLabel& l : labels)
        texts << l.text;
    const QString shown = texts.join(QLatin1Char(' '));
    if (labels.empty())
        return QStringLiteral("no labels");
    for (size_t k = 1; k < labels.size(); ++k)
        if (labels[k].text == labels[k - 1].text)
            return QStringLiteral("'%1' twice: %2").arg(labels[k].text, shown);
    for (const AxisLabel& l : labels) {
        bool ok = false;
        const double value = l.text.toDouble(&ok);
        if (!ok)
            return QStringLiteral("'%1' is not a number: %2").arg(l.text, shown);
        const QPointF where = view->chart()->mapToPosition(QPointF(value, value));
        const double expected = orientation == Qt::Horizontal ? where.x() : -where.y();
        if (std::abs(expected - l.at) > 2.0)
            return QStringLiteral("'%1' stands at %2 px, that value at %3 px: %4").arg(l.text).arg(l.at).arg(expected).arg(shown);
    }
    return {};
}

} // namespace ml::ui::testing
