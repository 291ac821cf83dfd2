#pragma once

#include "app/diagram/diagramlayout.h"

#include <QFont>
#include <QGraphicsItem>
#include <QImage>
#include <QPainterPath>

namespace ml::ui {

// One module drawn as a box: a layer, a Sequential, a custom Module or a shelf.
class BoxItem final : public QGraphicsItem {
public:
    explicit BoxItem(const DiagramBox& box);

    const QString& path() const { return m_box.path; }
    const DiagramBox& box() const { return m_box; }
    BoxStyle style() const { return m_box.style; }
    BoxStatus status() const { return m_box.status; }
    bool reached() const { return m_box.reached; }

    bool isSelectedBox() const { return m_selected; }
    void setSelectedBox(bool on);
    bool isHighlighted() const { return m_highlighted; }
    void setHighlighted(bool on);
    void setThumbnail(const QImage& image);
    bool hasThumbnail() const { return !m_thumbnail.isNull(); }
    // A short coloured label at the lower right of a layer's box; empty text: none.
    void setNote(const QString& text, const QColor& color, const QString& tooltip);
    QString noteText() const { return m_noteText; }
    QColor noteColor() const { return m_noteColor; }
    QRectF noteRect() const; // where the note is drawn (scene coordinates); empty without one

    // The colour the box border is drawn in (status, not selection): tests and legends use it.
    QColor borderColor() const;

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QColor fillColor() const;
    QFont nameFont() const; // italic after the first error
    void paintHeader(QPainter* p) const;
    void paintLayerText(QPainter* p) const;
    void paintSlots(QPainter* p) const;
    void paintBadge(QPainter* p) const;
    void paintNote(QPainter* p) const;
    QString badgeText() const;

    DiagramBox m_box;
    QImage m_thumbnail;
    QString m_noteText;
    QColor m_noteColor;
    bool m_selected = false;
    bool m_highlighted = false;
};

// An arrow between boxes, with the tensor shape it carries.
class EdgeItem final : public QGraphicsItem {
public:
    explicit EdgeItem(const DiagramEdge& edge);
    const DiagramEdge& edge() const { return m_edge; }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    // Where the shape label and the operations are drawn (item coordinates).
    QRectF labelRect() const;
    QRectF opsRect() const;

private:
    DiagramEdge m_edge;
    QPainterPath m_line;
    QPolygonF m_head;
    QRectF m_bounds;
};

// The model's input and output.
class PillItem final : public QGraphicsItem {
public:
    explicit PillItem(const DiagramPill& pill);
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    DiagramPill m_pill;
};

} // namespace ml::ui
