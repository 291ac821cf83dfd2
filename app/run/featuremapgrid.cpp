#include "app/run/featuremapgrid.h"

#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ml::ui {

static constexpr int kMaxTiles = 256;
static constexpr int kMaxBars = 1024;
static constexpr int kLegendHeight = 34;
static constexpr int kGap = 4;

FeatureMapGrid::FeatureMapGrid(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize FeatureMapGrid::sizeHint() const
{
    return {520, 360};
}

QSize FeatureMapGrid::minimumSizeHint() const
{
    return {200, 120};
}

void FeatureMapGrid::setTensor(const ml::Tensor& tensor, const QStringList& featureNames)
{
    m_tensor = tensor;
    m_names = featureNames;
    m_layout = mapLayout(m_tensor.shape());
    rebuildImages();
}

void FeatureMapGrid::clear()
{
    m_tensor = ml::Tensor();
    m_names.clear();
    m_layout = {};
    rebuildImages();
}

void FeatureMapGrid::setSharedScale(bool shared)
{
    if (shared == m_shared)
        return;
    m_shared = shared;
    rebuildImages();
}

void FeatureMapGrid::rebuildImages()
{
    m_tiles.clear();
    m_bars = 0;
    m_range = {};
    if (m_tensor.numel() > 0 && m_layout.isMaps()) {
        const int maps = std::min(m_layout.maps, kMaxTiles);
        const int64_t plane = static_cast<int64_t>(m_layout.height) * m_layout.width;
        m_range = valueRange(m_tensor.data(), plane * maps);
        for (int c = 0; c < maps; ++c) {
            const float* d = m_tensor.data() + c * plane;
            Tile t;
            t.range = m_shared ? m_range : valueRange(d, plane);
            t.image = featureMapImage(d, m_layout.height, m_layout.width, t.range);
            m_tiles.push_back(std::move(t));
        }
    } else if (m_tensor.numel() > 0) {
        const ml::Shape& s = m_tensor.shape();
        const int64_t features = s.rank() >= 2 && s[0] > 0 ? m_tensor.numel() / s[0] : m_tensor.numel();
        m_bars = static_cast<int>(std::min<int64_t>(features, kMaxBars));
        m_range = valueRange(m_tensor.data(), m_bars);
    }
    if (m_names.size() != m_bars)
        m_names.clear();
    layoutTiles();
    update();
}

void FeatureMapGrid::layoutTiles()
{
    if (m_tiles.empty())
        return;
    const QRect area = rect().adjusted(kGap, kGap, -kGap, -kGap - kLegendHeight);
    const int n = static_cast<int>(m_tiles.size());
    const double aspect = static_cast<double>(m_layout.width) / std::max(1, m_layout.height);
    // The column count that makes tiles largest.
    int bestCols = 1;
    double bestSide = 0;
    for (int cols = 1; cols <= n; ++cols) {
        const int rows = (n + cols - 1) / cols;
        const double w = std::min((area.width() - (cols - 1) * kGap) / static_cast<double>(cols),
                                  (area.height() - (rows - 1) * kGap) / static_cast<double>(rows) * aspect);
        if (w > bestSide) {
            bestSide = w;
            bestCols = cols;
        }
    }
    const int tileW = std::max(4, static_cast<int>(bestSide));
    const int tileH = std::max(4, static_cast<int>(bestSide / aspect));
    const int rows = (n + bestCols - 1) / bestCols;
    const int usedW = bestCols * tileW + (bestCols - 1) * kGap;
    const int usedH = rows * tileH + (rows - 1) * kGap;
    const QPoint origin(area.left() + std::max(0, (area.width() - usedW) / 2), area.top() + std::max(0, (area.height() - usedH) / 2));
    for (int i = 0; i < n; ++i)
        m_tiles[static_cast<size_t>(i)].rect =
            QRect(origin.x() + (i % bestCols) * (tileW + kGap), origin.y() + (i / bestCols) * (tileH + kGap), tileW, tileH);
}

QRect FeatureMapGrid::legendRect() const
{
    return QRect(kGap + 64, height() - kLegendHeight + 4, std::max(40, width() - 2 * kGap - 128), 12);
}

QRect FeatureMapGrid::barsRect() const
{
    return rect().adjusted(kGap + 64, kGap + 6, -kGap, -kGap - kLegendHeight - 4 - nameStrip());
}

// As high as the longest name, written upwards under its bar; at most half the height.
int FeatureMapGrid::nameStrip() const
{
    if (m_names.isEmpty())
        return 0;
    int longest = 0;
    for (const QString& n : m_names)
        longest = std::max(longest, fontMetrics().horizontalAdvance(n));
    return std::min(longest + 6, height() / 2);
}

QRect FeatureMapGrid::nameRect(int bar) const
{
    if (bar < 0 || bar >= m_names.size())
        return {};
    const QRect area = barsRect();
    const double bw = static_cast<double>(area.width()) / m_bars;
    const int x = area.left() + static_cast<int>(bar * bw + bw / 2) - fontMetrics().height() / 2;
    return QRect(x, area.bottom() + 4, fontMetrics().height(), nameStrip() - 2);
}

void FeatureMapGrid::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutTiles();
}

static QString number(float v)
{
    return QString::number(static_cast<double>(v), 'g', 4);
}

void FeatureMapGrid::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (m_tiles.empty() && m_bars == 0) {
        p.setPen(palette().placeholderText().color());
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, QStringLiteral("Run the model and select a node to see its output"));
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (const Tile& t : m_tiles) {
        p.drawImage(t.rect, t.image);
        p.setPen(QColor(0, 0, 0, 60));
        p.drawRect(t.rect.adjusted(0, 0, -1, -1));
    }
    if (m_tiles.size() > 1 && m_tiles.front().rect.width() >= 48) {
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.75);
        p.setFont(f);
        for (size_t i = 0; i < m_tiles.size(); ++i) {
            const QRect r = m_tiles[i].rect;
            const QRect label(r.left() + 1, r.top() + 1, 22, 12);
            p.fillRect(label, QColor(0, 0, 0, 120));
            p.setPen(Qt::white);
            p.drawText(label, Qt::AlignCenter, QString::number(i));
        }
        p.setFont(font());
    }
    if (m_bars > 0) {
        const QRect area = barsRect();
        const float lo = std::min(0.f, m_range.min);
        const float hi = std::max(0.f, m_range.max);
        const float span = hi > lo ? hi - lo : 1.f;
        const auto yOf = [&](float v) { return area.bottom() - (v - lo) / span * area.height(); };
        const double bw = static_cast<double>(area.width()) / m_bars;
        const double zero = yOf(0.f);
        for (int i = 0; i < m_bars; ++i) {
            const float v = m_tensor[i];
            const double y = yOf(std::isfinite(v) ? v : 0.f);
            p.fillRect(QRectF(area.left() + i * bw, std::min(y, zero), std::max(1.0, bw - (bw > 3 ? 1 : 0)), std::abs(zero - y)),
                       scaleColour(m_range.position(v)));
        }
        p.setPen(palette().text().color());
        p.drawLine(QPointF(area.left(), zero), QPointF(area.right(), zero));
        // Each name upwards under its bar, read with the head tilted left as on a book's spine.
        for (int i = 0; i < m_names.size(); ++i) {
            const QRect r = nameRect(i);
            p.save();
            p.translate(r.left(), r.bottom());
            p.rotate(-90);
            p.drawText(QRect(0, 0, r.height(), r.width()), Qt::AlignRight | Qt::AlignVCenter,
                       fontMetrics().elidedText(m_names[i], Qt::ElideRight, r.height()));
            p.restore();
        }
        p.drawText(QRect(0, area.top() - 6, 60, 14), Qt::AlignRight | Qt::AlignVCenter, number(hi));
        p.drawText(QRect(0, static_cast<int>(zero) - 7, 60, 14), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));
        p.drawText(QRect(0, area.bottom() - 7, 60, 14), Qt::AlignRight | Qt::AlignVCenter, number(lo));
    }
    // Legend: the colour scale with its ends.
    const QRect lr = legendRect();
    QLinearGradient g(lr.topLeft(), lr.topRight());
    for (int i = 0; i <= 8; ++i)
        g.setColorAt(i / 8.0, scaleColour(static_cast<float>(i) / 8.f));
    p.fillRect(lr, g);
    p.setPen(palette().text().color());
    p.drawRect(lr.adjusted(0, 0, -1, -1));
    const bool perMap = !m_shared && !m_tiles.empty();
    const QString lo = perMap ? QStringLiteral("min") : number(m_range.min);
    const QString hi = perMap ? QStringLiteral("max") : number(m_range.max);
    p.drawText(QRect(0, lr.top() - 2, lr.left() - 4, 16), Qt::AlignRight | Qt::AlignVCenter, lo);
    p.drawText(QRect(lr.right() + 4, lr.top() - 2, 80, 16), Qt::AlignLeft | Qt::AlignVCenter, hi);
    p.drawText(QRect(lr.left(), lr.bottom() + 1, lr.width(), 16), Qt::AlignCenter,
               perMap ? QStringLiteral("each map on its own scale (overall %1 … %2)").arg(number(m_range.min), number(m_range.max))
                      : QStringLiteral("one scale for all maps"));
}

QString FeatureMapGrid::describeAt(const QPoint& pos) const
{
    for (size_t i = 0; i < m_tiles.size(); ++i) {
        const QRect r = m_tiles[i].rect;
        if (!r.contains(pos))
            continue;
        const int col = std::clamp((pos.x() - r.left()) * m_layout.width / std::max(1, r.width()), 0, m_layout.width - 1);
        const int row = std::clamp((pos.y() - r.top()) * m_layout.height / std::max(1, r.height()), 0, m_layout.height - 1);
        const int64_t at = (static_cast<int64_t>(i) * m_layout.height + row) * m_layout.width + col;
        return QStringLiteral("channel %1, row %2, col %3: %4").arg(i).arg(row).arg(col).arg(number(m_tensor[at]));
    }
    if (m_bars > 0) {
        const QRect area = barsRect();
        if (area.contains(pos)) {
            const int i = std::clamp(static_cast<int>((pos.x() - area.left()) * static_cast<double>(m_bars) / area.width()), 0, m_bars - 1);
            const QString name = m_names.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m_names[i]);
            return QStringLiteral("feature %1%2: %3").arg(i).arg(name, number(m_tensor[i]));
        }
    }
    return {};
}

void FeatureMapGrid::mouseMoveEvent(QMouseEvent* event)
{
    emit hovered(describeAt(event->position().toPoint()));
}

void FeatureMapGrid::leaveEvent(QEvent*)
{
    emit hovered(QString());
}

} // namespace ml::ui
