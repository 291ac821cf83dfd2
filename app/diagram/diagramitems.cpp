#include "app/diagram/diagramitems.h"

#include "app/diagram/diagramstyle.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStringList>

#include <cmath>

namespace ml::ui {

namespace st = diagramstyle;

namespace {

constexpr double kBadgeHeight = 18;

bool isContainer(BoxStyle s) { return s != BoxStyle::Layer; }

} // namespace

// ---- BoxItem ------------------------------------------------------------------------------

BoxItem::BoxItem(const DiagramBox& box) : m_box(box)
{
    setZValue(box.depth * 2);
    setToolTip(box.tooltip);
    setAcceptHoverEvents(false);
    if (!box.reached)
        setOpacity(0.45);
    else if (box.afterError)
        setOpacity(0.7); // with a dashed border and an italic name: PyTorch never gets here
}

void BoxItem::setSelectedBox(bool on)
{
    if (on != m_selected) {
        m_selected = on;
        update();
    }
}

void BoxItem::setHighlighted(bool on)
{
    if (on != m_highlighted) {
        m_highlighted = on;
        update();
    }
}

void BoxItem::setNote(const QString& text, const QColor& color, const QString& tooltip)
{
    if (text == m_noteText && color == m_noteColor && tooltip == toolTip())
        return;
    m_noteText = text;
    m_noteColor = color;
    setToolTip(tooltip);
    update();
}

void BoxItem::setThumbnail(const QImage& image)
{
    m_thumbnail = image;
    update();
}

QColor BoxItem::borderColor() const
{
    switch (m_box.status) {
    case BoxStatus::Error: return st::errorBorder();
    case BoxStatus::Warning: return st::warningBorder();
    case BoxStatus::Normal: break;
    }
    switch (m_box.style) {
    case BoxStyle::Layer: return st::layerBorder();
    case BoxStyle::Sequential: return st::sequentialBorder();
    case BoxStyle::Custom: return st::customBorder();
    case BoxStyle::Shelf: return st::shelfBorder();
    case BoxStyle::PlainShelf: return st::plainBorder();
    }
    return st::layerBorder();
}

QColor BoxItem::fillColor() const
{
    if (m_box.style == BoxStyle::Layer) {
        if (m_box.status == BoxStatus::Error)
            return st::errorFill();
        if (m_box.status == BoxStatus::Warning)
            return st::warningFill();
        return st::layerFill();
    }
    switch (m_box.style) {
    case BoxStyle::Sequential: return st::sequentialFill();
    case BoxStyle::Custom: return m_box.status == BoxStatus::Error ? st::errorFill() : st::customFill();
    case BoxStyle::Shelf: return st::shelfFill();
    case BoxStyle::PlainShelf: return st::plainFill();
    case BoxStyle::Layer: break;
    }
    return st::layerFill();
}

QFont BoxItem::nameFont() const
{
    QFont f = st::nameFont();
    f.setItalic(m_box.afterError);
    return f;
}

QRectF BoxItem::boundingRect() const
{
    return m_box.rect.adjusted(-6, -kBadgeHeight / 2 - 2, 6, 6);
}

QPainterPath BoxItem::shape() const
{
    QPainterPath p;
    p.addRoundedRect(m_box.rect, st::kRadius, st::kRadius);
    return p;
}

QString BoxItem::badgeText() const
{
    QStringList parts;
    for (int k = 0; k < m_box.callNumbers.size() && k < 4; ++k)
        parts << QString::number(m_box.callNumbers[k]);
    if (m_box.callNumbers.size() > 4)
        parts << QStringLiteral("…");
    return parts.join(QStringLiteral(", "));
}

void BoxItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*)
{
    p->setRenderHint(QPainter::Antialiasing);
    const QRectF r = m_box.rect;
    const bool container = isContainer(m_box.style);

    QPen pen(borderColor(), m_box.status == BoxStatus::Normal ? 1.2 : 2.0);
    if (m_box.style == BoxStyle::PlainShelf || m_box.afterError)
        pen.setStyle(Qt::DashLine);
    p->setPen(pen);
    p->setBrush(fillColor());
    p->drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), st::kRadius, st::kRadius);

    if (m_box.style == BoxStyle::Shelf || m_box.style == BoxStyle::PlainShelf) {
        // The board the entries stand on: what makes a shelf read as storage, not a pipeline.
        p->setPen(Qt::NoPen);
        p->setBrush(borderColor());
        p->drawRoundedRect(QRectF(r.left() + 4, r.bottom() - 5, r.width() - 8, 4), 2, 2);
        paintSlots(p);
    }
    if (container)
        paintHeader(p);
    else
        paintLayerText(p);

    if (m_highlighted) {
        p->setPen(QPen(st::highlight(), 3));
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(r.adjusted(-3, -3, 3, 3), st::kRadius + 3, st::kRadius + 3);
        QPolygonF tri;
        const double cy = container ? r.top() + st::kHeaderHeight / 2 : r.center().y();
        tri << QPointF(r.left() - 12, cy - 6) << QPointF(r.left() - 4, cy) << QPointF(r.left() - 12, cy + 6);
        p->setPen(Qt::NoPen);
        p->setBrush(st::highlight());
        p->drawPolygon(tri);
    }
    if (m_selected) {
        QColor halo = st::selection();
        halo.setAlpha(60);
        p->setBrush(Qt::NoBrush);
        p->setPen(QPen(halo, 6));
        p->drawRoundedRect(r.adjusted(-2, -2, 2, 2), st::kRadius + 2, st::kRadius + 2);
        p->setPen(QPen(st::selection(), 2));
        p->drawRoundedRect(r.adjusted(-1, -1, 1, 1), st::kRadius + 1, st::kRadius + 1);
    }
    if (!m_box.callNumbers.isEmpty())
        paintBadge(p);
}

void BoxItem::paintHeader(QPainter* p) const
{
    const QRectF r = m_box.rect;
    const QRectF line(r.left() + st::kPad, r.top() + 2, r.width() - 2 * st::kPad, st::kHeaderHeight - 4);
    const QColor titleColour = m_box.status == BoxStatus::Error     ? st::errorText()
                               : m_box.status == BoxStatus::Warning ? st::warningText()
                               : m_box.style == BoxStyle::PlainShelf ? st::plainText()
                                                                     : st::text();
    double x = line.left();
    const QFontMetricsF fmName(st::nameFont()), fmType(st::typeFont()), fmMeta(st::metaFont());
    if (!m_box.prefix.isEmpty()) {
        p->setFont(st::metaFont());
        p->setPen(st::textMuted());
        p->drawText(QRectF(x, line.top(), line.width(), line.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.prefix);
        x += fmMeta.horizontalAdvance(m_box.prefix) + 6;
    }
    p->setFont(nameFont());
    p->setPen(titleColour);
    p->drawText(QRectF(x, line.top(), line.right() - x, line.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.title);
    x += fmName.horizontalAdvance(m_box.title) + 8;
    if (!m_box.subtitle.isEmpty()) {
        p->setFont(st::typeFont());
        p->setPen(st::textSecondary());
        p->drawText(QRectF(x, line.top(), line.right() - x, line.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.subtitle);
    }
    p->setFont(st::metaFont());
    p->setPen(m_box.style == BoxStyle::PlainShelf ? st::plainText() : st::textMuted());
    p->drawText(line, Qt::AlignRight | Qt::AlignVCenter, m_box.meta);
}

void BoxItem::paintLayerText(QPainter* p) const
{
    const QRectF r = m_box.rect;
    double x = r.left() + st::kLayerPadX;
    const double right = r.right() - st::kLayerPadX;
    const QRectF line1(x, r.top() + 6, right - x, 19);
    const QRectF line2(x, r.top() + 25, right - x, 15);
    const QFontMetricsF fmName(st::nameFont()), fmMeta(st::metaFont());
    if (!m_box.prefix.isEmpty()) {
        p->setFont(st::metaFont());
        p->setPen(st::textMuted());
        p->drawText(QRectF(x, line1.top(), right - x, line1.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.prefix);
        x += fmMeta.horizontalAdvance(m_box.prefix) + 6;
    }
    p->setFont(nameFont());
    p->setPen(m_box.status == BoxStatus::Error ? st::errorText() : m_box.status == BoxStatus::Warning ? st::warningText() : st::text());
    p->drawText(QRectF(x, line1.top(), right - x, line1.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.title);
    x += fmName.horizontalAdvance(m_box.title) + 8;
    if (!m_box.subtitle.isEmpty()) {
        p->setFont(st::typeFont());
        p->setPen(st::textSecondary());
        p->drawText(QRectF(x, line1.top(), right - x, line1.height()), Qt::AlignLeft | Qt::AlignVCenter, m_box.subtitle);
    }
    p->setFont(st::metaFont());
    p->setPen(st::textMuted());
    p->drawText(line2, Qt::AlignLeft | Qt::AlignVCenter, m_box.meta);

    paintNote(p);
    if (!m_thumbnail.isNull()) {
        const QRectF frame(r.right() - st::kLayerPadX - st::kThumbSize, r.center().y() - st::kThumbSize / 2, st::kThumbSize,
                           st::kThumbSize);
        QSizeF s = QSizeF(m_thumbnail.size()).scaled(frame.size(), Qt::KeepAspectRatio);
        const QRectF target(frame.center().x() - s.width() / 2, frame.center().y() - s.height() / 2, s.width(), s.height());
        p->drawImage(target, m_thumbnail);
        p->setPen(QPen(st::layerBorder(), 1));
        p->setBrush(Qt::NoBrush);
        p->drawRect(target);
    }
}

void BoxItem::paintSlots(QPainter* p) const
{
    const bool plain = m_box.style == BoxStyle::PlainShelf;
    p->setFont(st::labelFont());
    for (const auto& [cell, text] : m_box.slotLabels) {
        p->setPen(Qt::NoPen);
        p->setBrush(plain ? st::warningFill().darker(104) : st::shelfLabelFill());
        p->drawRoundedRect(cell, 4, 4);
        p->setPen(plain ? st::plainText() : st::shelfLabelText());
        p->drawText(cell, Qt::AlignCenter, text);
    }
}

QRectF BoxItem::noteRect() const
{
    if (m_noteText.isEmpty())
        return {};
    const QRectF r = m_box.rect;
    const double right = r.right() - st::kLayerPadX - (m_thumbnail.isNull() ? 0.0 : st::kThumbSize + 6);
    const double w = QFontMetricsF(st::badgeFont()).horizontalAdvance(m_noteText) + 10;
    return QRectF(right - w, r.top() + 25, w, 15);
}

void BoxItem::paintNote(QPainter* p) const
{
    if (m_noteText.isEmpty())
        return;
    const QRectF note = noteRect();
    p->setPen(Qt::NoPen);
    p->setBrush(m_noteColor);
    p->drawRoundedRect(note, 4, 4);
    p->setFont(st::badgeFont());
    p->setPen(Qt::white);
    p->drawText(note, Qt::AlignCenter, m_noteText);
}

void BoxItem::paintBadge(QPainter* p) const
{
    const QString text = badgeText();
    const QFontMetricsF fm(st::badgeFont());
    const double w = std::max(kBadgeHeight, fm.horizontalAdvance(text) + 10);
    const QRectF r = m_box.rect;
    const QRectF badge(r.right() - 8 - w, r.top() - kBadgeHeight / 2, w, kBadgeHeight);
    p->setPen(QPen(Qt::white, 1.5));
    p->setBrush(st::flowArrow());
    p->drawRoundedRect(badge, kBadgeHeight / 2, kBadgeHeight / 2);
    p->setFont(st::badgeFont());
    p->setPen(Qt::white);
    p->drawText(badge, Qt::AlignCenter, text);
}

// ---- EdgeItem ----------------------------------------------------------------------------

EdgeItem::EdgeItem(const DiagramEdge& edge) : m_edge(edge)
{
    // Side lanes run outside all nested content, but their short horizontal legs cross the
    // padding of the containers in between: draw them above every box.
    setZValue(edge.side ? 10000 : edge.depth * 2 + 1);
    const QPolygonF& pts = m_edge.points;
    if (pts.size() < 2)
        return;
    // Polyline with rounded corners, stopping short of the tip for the arrowhead.
    constexpr double kHead = 8, kCorner = 6;
    const QPointF tip = pts.back();
    const QPointF prev = pts[pts.size() - 2];
    const QPointF d = tip - prev;
    const double len = std::hypot(d.x(), d.y());
    const QPointF unit = len > 0 ? d / len : QPointF(0, 1);
    const QPointF base = tip - unit * kHead;
    m_line.moveTo(pts.front());
    for (int k = 1; k + 1 < pts.size(); ++k) {
        const QPointF a = pts[k - 1], c = pts[k], b = pts[k + 1];
        const auto towards = [](QPointF from, QPointF to, double dist) {
            const QPointF v = to - from;
            const double l = std::hypot(v.x(), v.y());
            return l > 0 ? from + v * (std::min(dist, l / 2) / l) : from;
        };
        m_line.lineTo(towards(c, a, kCorner));
        m_line.quadTo(c, towards(c, b, kCorner));
    }
    m_line.lineTo(base);
    const QPointF normal(-unit.y(), unit.x());
    m_head << tip << base + normal * 4.5 << base - normal * 4.5;
    m_bounds = m_line.boundingRect().united(m_head.boundingRect()).adjusted(-3, -3, 3, 3);
    if (!m_edge.label.isEmpty())
        m_bounds |= labelRect();
    if (!m_edge.ops.isEmpty())
        m_bounds |= opsRect();
}

QRectF EdgeItem::labelRect() const
{
    const QPolygonF& pts = m_edge.points;
    const QFontMetricsF fm(st::labelFont());
    const double w = fm.horizontalAdvance(m_edge.label) + 8;
    if (m_edge.side)
        return QRectF(m_edge.labelPos, QSizeF(w, 16));
    const double midY = (pts.front().y() + pts.back().y()) / 2;
    return QRectF(pts.front().x() + 6, midY - 8, w, 16);
}

QRectF EdgeItem::opsRect() const
{
    const QPolygonF& pts = m_edge.points;
    const QFontMetricsF fm(st::opsFont());
    const double w = fm.horizontalAdvance(m_edge.ops) + 8;
    if (m_edge.side)
        return QRectF(m_edge.labelPos + QPointF(0, m_edge.label.isEmpty() ? 0 : 16), QSizeF(w, 16));
    const double midY = (pts.front().y() + pts.back().y()) / 2;
    return QRectF(pts.front().x() - 6 - w, midY - 8, w, 16);
}

QRectF EdgeItem::boundingRect() const { return m_bounds; }

void EdgeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*)
{
    if (m_edge.points.size() < 2)
        return;
    p->setRenderHint(QPainter::Antialiasing);
    const QColor colour = m_edge.kind == DiagramEdge::Kind::Flow ? st::flowArrow()
                          : m_edge.kind == DiagramEdge::Kind::Io ? st::textMuted()
                                                                 : st::sequenceArrow();
    p->setPen(QPen(colour, m_edge.kind == DiagramEdge::Kind::Flow ? 1.6 : 1.4, m_edge.afterError ? Qt::DashLine : Qt::SolidLine,
                   Qt::RoundCap, Qt::RoundJoin));
    p->setBrush(Qt::NoBrush);
    p->drawPath(m_line);
    p->setPen(Qt::NoPen);
    p->setBrush(colour);
    p->drawPolygon(m_head);

    const auto chip = [&](const QRectF& r) {
        if (!m_edge.side)
            return;
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(255, 255, 255, 215));
        p->drawRoundedRect(r, 3, 3);
    };
    if (!m_edge.label.isEmpty()) {
        const QRectF r = labelRect();
        chip(r);
        p->setFont(st::labelFont());
        p->setPen(st::edgeLabel());
        p->drawText(r.adjusted(4, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, m_edge.label);
    }
    if (!m_edge.ops.isEmpty()) {
        const QRectF r = opsRect();
        chip(r);
        p->setFont(st::opsFont());
        p->setPen(st::opsText());
        p->drawText(r.adjusted(4, 0, -4, 0), (m_edge.side ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter, m_edge.ops);
    }
}

// ---- PillItem ----------------------------------------------------------------------------

PillItem::PillItem(const DiagramPill& pill) : m_pill(pill) {}

QRectF PillItem::boundingRect() const { return m_pill.rect.adjusted(-1, -1, 1, 1); }

void PillItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*)
{
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(QPen(m_pill.error ? st::errorBorder() : st::customBorder(), 1.2));
    p->setBrush(m_pill.error ? st::errorFill() : st::layerFill());
    const double radius = m_pill.rect.height() / 2;
    p->drawRoundedRect(m_pill.rect, radius, radius);
    p->setFont(st::labelFont());
    p->setPen(m_pill.error ? st::errorText() : st::text());
    p->drawText(m_pill.rect, Qt::AlignCenter, m_pill.text);
}

} // namespace ml::ui
