#include "app/run/featuremapgrid.h"

#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ml::ui {

static constexpr int kMaxTiles = 256;
static constexpr int kMaxBars = 1024;
static constexpr int kLegendStrip = 12;
static constexpr int kGap = 4;

static QString number(float v)
{
    return QString::number(static_cast<double>(v), 'g', 4);
}

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
    // Rows: each name and value whole at the widget's type size, a bar between them.
    if (drawsRows())
        return {2 * kGap + rowNameWidth() + rowValueWidth() + 80, 2 * kGap + m_bars * (fontMetrics().height() + 4)};
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
    updateGeometry(); // rows ask for the height of their names
    update();
}

void FeatureMapGrid::layoutTiles()
{
    if (m_tiles.empty())
        return;
    const QRect area = rect().adjusted(kGap, kGap, -kGap, -kGap - legendHeight());
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

// The legend's strip with its caption under it, and the width of the numbers beside it, in the
// widget's type (classroom mode's large type too).
int FeatureMapGrid::legendHeight() const
{
    return 4 + kLegendStrip + 2 + fontMetrics().height();
}

int FeatureMapGrid::scaleLabelWidth() const
{
    const float lo = std::min(0.f, m_range.min);
    const float hi = std::max(0.f, m_range.max);
    return std::max({48, fontMetrics().horizontalAdvance(number(lo)), fontMetrics().horizontalAdvance(number(hi))}) + 8;
}

QRect FeatureMapGrid::legendRect() const
{
    const int side = scaleLabelWidth();
    return QRect(kGap + side, height() - legendHeight() + 4, std::max(40, width() - 2 * kGap - 2 * side), kLegendStrip);
}

QRect FeatureMapGrid::barsRect() const
{
    return rect().adjusted(kGap + scaleLabelWidth(), kGap + fontMetrics().height() / 2, -kGap,
                           -kGap - legendHeight() - 4 - nameStrip());
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
    if (drawsRows()) {
        if (bar < 0 || bar >= m_bars)
            return {};
        const QRect bars = rowBarsRect();
        return QRect(kGap, bars.top() + bar * rowHeight(), rowNameWidth(), rowHeight());
    }
    if (bar < 0 || bar >= m_names.size())
        return {};
    const QRect area = barsRect();
    const double bw = static_cast<double>(area.width()) / m_bars;
    const int x = area.left() + static_cast<int>(bar * bw + bw / 2) - fontMetrics().height() / 2;
    return QRect(x, area.bottom() + 4, fontMetrics().height(), nameStrip() - 2);
}

QRect FeatureMapGrid::valueRect(int bar) const
{
    if (!drawsRows() || bar < 0 || bar >= m_bars)
        return {};
    const QRect bars = rowBarsRect();
    return QRect(width() - kGap - rowValueWidth(), bars.top() + bar * rowHeight(), rowValueWidth(), rowHeight());
}

QString FeatureMapGrid::barLabel(int bar) const
{
    return m_names.isEmpty() ? QString::number(bar) : m_names[bar];
}

// The widget's type, or smaller (down to 70%) when the rows would not fit in its height: the
// last row is never cut off.
QFont FeatureMapGrid::rowFont() const
{
    QFont f = font();
    const int needed = m_bars * (fontMetrics().height() + 4);
    const int available = height() - 2 * kGap;
    if (m_bars <= 0 || available >= needed)
        return f;
    const double scale = std::max(0.7, static_cast<double>(available) / needed);
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * scale);
    else
        f.setPixelSize(std::max(1, static_cast<int>(f.pixelSize() * scale)));
    return f;
}

// A row as high as its type and a little air, up to twice the widget's type when there is room.
int FeatureMapGrid::rowHeight() const
{
    const int type = QFontMetrics(rowFont()).height();
    if (m_bars <= 0)
        return type + 4;
    const int fit = (height() - 2 * kGap) / m_bars;
    return std::clamp(fit, std::min(type + 4, std::max(type, fit)), std::max(type + 4, 2 * fontMetrics().height()));
}

int FeatureMapGrid::rowNameWidth() const
{
    const QFontMetrics metrics(rowFont());
    int widest = 0;
    for (int i = 0; i < m_bars; ++i)
        widest = std::max(widest, metrics.horizontalAdvance(barLabel(i)));
    return widest + 2;
}

int FeatureMapGrid::rowValueWidth() const
{
    const QFontMetrics metrics(rowFont());
    int widest = 0;
    for (int i = 0; i < m_bars; ++i)
        widest = std::max(widest, metrics.horizontalAdvance(number(m_tensor[i])));
    return widest + 2;
}

QRect FeatureMapGrid::rowBarsRect() const
{
    const int left = kGap + rowNameWidth() + 2 * kGap;
    const int right = width() - kGap - rowValueWidth() - 2 * kGap;
    return QRect(left, kGap, std::max(1, right - left), m_bars * rowHeight());
}

void FeatureMapGrid::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutTiles();
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
        const QFontMetrics fm(f);
        for (size_t i = 0; i < m_tiles.size(); ++i) {
            const QRect r = m_tiles[i].rect;
            const QRect label(r.left() + 1, r.top() + 1, fm.horizontalAdvance(QString::number(i)) + 6, fm.height());
            p.fillRect(label, QColor(0, 0, 0, 120));
            p.setPen(Qt::white);
            p.drawText(label, Qt::AlignCenter, QString::number(i));
        }
        p.setFont(font());
    }
    if (drawsRows()) {
        paintRows(p);
        return; // every value is written out: no legend needed
    }
    if (m_bars > 0)
        paintStrip(p);
    paintLegend(p);
}

// One row per feature: the name, a bar from zero (left for negative values, right for
// positive), the value.
void FeatureMapGrid::paintRows(QPainter& p) const
{
    const QRect area = rowBarsRect();
    const float lo = std::min(0.f, m_range.min);
    const float hi = std::max(0.f, m_range.max);
    const float span = hi > lo ? hi - lo : 1.f;
    const auto xOf = [&](float v) { return area.left() + (v - lo) / span * area.width(); };
    const double zero = xOf(0.f);
    const int rowH = rowHeight();
    const int barH = std::max(2, rowH * 2 / 3);
    p.setFont(rowFont());
    for (int i = 0; i < m_bars; ++i) {
        const float v = m_tensor[i];
        const double x = xOf(std::isfinite(v) ? v : 0.f);
        const int top = area.top() + i * rowH;
        if (i % 2 == 1)
            p.fillRect(QRect(0, top, width(), rowH), palette().alternateBase());
        p.fillRect(QRectF(std::min(x, zero), top + (rowH - barH) / 2.0, std::max(1.0, std::abs(x - zero)), barH),
                   scaleColour(m_range.position(v)));
        p.setPen(palette().text().color());
        p.drawText(nameRect(i), Qt::AlignRight | Qt::AlignVCenter, barLabel(i));
        p.drawText(valueRect(i), Qt::AlignRight | Qt::AlignVCenter, number(v));
    }
    p.setPen(palette().text().color());
    p.drawLine(QPointF(zero, area.top()), QPointF(zero, area.top() + m_bars * rowH));
}

// Upright bars from zero, the names written upwards under them, the top, zero and bottom of
// the scale beside them (zero only where it does not run into the others).
void FeatureMapGrid::paintStrip(QPainter& p) const
{
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
    const int lineH = fontMetrics().height();
    const int labelW = area.left() - kGap - 2;
    const auto label = [&](double y, const QString& text) {
        p.drawText(QRect(0, static_cast<int>(y) - lineH / 2, labelW, lineH), Qt::AlignRight | Qt::AlignVCenter, text);
    };
    label(area.top(), number(hi));
    label(area.bottom(), number(lo));
    if (zero - area.top() >= lineH && area.bottom() - zero >= lineH)
        label(zero, QStringLiteral("0"));
}

// The colour scale with its ends.
void FeatureMapGrid::paintLegend(QPainter& p) const
{
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
    const int lineH = fontMetrics().height();
    p.drawText(QRect(0, lr.center().y() - lineH / 2, lr.left() - 4, lineH), Qt::AlignRight | Qt::AlignVCenter, lo);
    p.drawText(QRect(lr.right() + 4, lr.center().y() - lineH / 2, width() - lr.right() - 4, lineH), Qt::AlignLeft | Qt::AlignVCenter, hi);
    p.drawText(QRect(lr.left(), lr.bottom() + 1, lr.width(), lineH), Qt::AlignCenter,
               perMap ? QStringLiteral("each map on its own scale (overall %1 … %2)").arg(number(m_range.min), number(m_range.max))
                      : m_tiles.empty() ? QStringLiteral("one scale for all features") : QStringLiteral("one scale for all maps"));
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
    if (drawsRows()) {
        const QRect area = rowBarsRect();
        if (pos.y() < area.top() || pos.y() >= area.bottom() + 1)
            return {};
        const int i = std::clamp((pos.y() - area.top()) / rowHeight(), 0, m_bars - 1);
        const QString name = m_names.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m_names[i]);
        return QStringLiteral("feature %1%2: %3").arg(i).arg(name, number(m_tensor[i]));
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
