#include "app/train/confusionview.h"

#include "engine/train/trainingrun.h"

#include <QHeaderView>
#include <QPainter>

namespace ml::ui {

ConfusionView::ConfusionView(QWidget* parent)
    : QTableWidget(parent)
{
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::NoSelection);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    horizontalHeader()->setMinimumSectionSize(24);
    verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    verticalHeader()->setMinimumSectionSize(16);
    QFont f = font();
    f.setPointSize(f.pointSize() - 1);
    setFont(f);
    setToolTip(QStringLiteral("Rows: the true class. Columns: the predicted class. On the test set after the latest epoch."));
}

void ConfusionView::clearMatrix()
{
    setRowCount(0);
    setColumnCount(0);
}

void ConfusionView::show(const ml::Evaluation& e)
{
    const int n = e.classes;
    setRowCount(n);
    setColumnCount(n);
    QStringList rows, cols;
    for (int i = 0; i < n; ++i) {
        const QString name = i < m_names.size() ? m_names[i] : QString::number(i);
        rows << QStringLiteral("%1 %2").arg(i).arg(name);
        cols << QString::number(i);
    }
    setVerticalHeaderLabels(rows);
    setHorizontalHeaderLabels(cols);
    for (int t = 0; t < n; ++t) {
        qint64 rowSum = 0;
        for (int p = 0; p < n; ++p)
            rowSum += e.confusion[static_cast<size_t>(t * n + p)];
        for (int p = 0; p < n; ++p) {
            const qint64 v = e.confusion[static_cast<size_t>(t * n + p)];
            const double share = rowSum ? static_cast<double>(v) / static_cast<double>(rowSum) : 0.0;
            auto* item = new QTableWidgetItem(QString::number(v));
            item->setTextAlignment(Qt::AlignCenter);
            const int shade = 255 - static_cast<int>(share * 200.0);
            item->setBackground(t == p ? QColor(shade, 255, shade) : QColor(255, shade, shade));
            const QString trueName = t < m_names.size() ? m_names[t] : QString::number(t);
            const QString predName = p < m_names.size() ? m_names[p] : QString::number(p);
            item->setToolTip(QStringLiteral("%1 of %2 %3 predicted as %4").arg(v).arg(rowSum).arg(trueName, predName));
            setItem(t, p, item);
        }
    }
}

void ConfusionView::paintEvent(QPaintEvent* event)
{
    QTableWidget::paintEvent(event);
    if (rowCount() > 0)
        return;
    QPainter p(viewport());
    p.setPen(palette().color(QPalette::PlaceholderText));
    const int margin = fontMetrics().height();
    p.drawText(viewport()->rect().adjusted(margin, margin, -margin, -margin), Qt::AlignTop | Qt::AlignLeft | Qt::TextWordWrap,
               QStringLiteral("The confusion matrix of the test images (true class by predicted class) appears when an "
                              "epoch ends."));
}

} // namespace ml::ui
