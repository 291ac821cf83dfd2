#pragma once

#include "app/document/tensorimage.h"
#include "engine/tensor.h"

#include <QFont>
#include <QImage>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QWidget>

class QPainter;

#include <vector>

namespace ml::ui {

// Paints a tensor the way a teacher shows it: [N, C, H, W] as one tile per channel (first
// sample) with a colour legend (min and max) below; a short [N, F] vector (a model's output)
// as one row per feature, its name (the class name when there is one per feature, else its
// index) whole on the left and its value written at the right, readable from the back of a
// room; a long one as a strip of bars. Hovering reports channel, row, column and value.
class FeatureMapGrid : public QWidget {
    Q_OBJECT
public:
    explicit FeatureMapGrid(QWidget* parent = nullptr);

    void setTensor(const ml::Tensor& tensor, const QStringList& featureNames = {}); // copies
    void clear();
    void setSharedScale(bool shared);
    bool sharedScale() const { return m_shared; }

    int tileCount() const { return static_cast<int>(m_tiles.size()); } // maps shown (0 for vectors)
    int barCount() const { return m_bars; }
    // The names under the bars (empty when the bars are numbered only).
    const QStringList& barNames() const { return m_names; }
    // One row per feature (a short vector) rather than a strip of upright bars.
    bool drawsRows() const { return m_bars > 0 && m_bars <= kMaxRows; }
    // The rectangle a bar's name is drawn in: level in a row (its width is the name's room), or
    // rotated under an upright bar (its height is the name's room).
    QRect nameRect(int bar) const;
    // The rectangle a row's value is written in (rows only).
    QRect valueRect(int bar) const;

    static constexpr int kMaxRows = 16;
    // What lies under a widget position: "channel 3, row 5, col 7: 0.4172"; "" for nothing.
    QString describeAt(const QPoint& pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // The rows' type: the widget's, smaller (to 70%) when every row would not fit its height.
    QFont rowFont() const;

signals:
    void hovered(const QString& text);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    struct Tile {
        QImage image;
        ValueRange range;
        QRect rect;
    };
    void rebuildImages();
    void layoutTiles();
    QRect legendRect() const;
    int legendHeight() const;
    int scaleLabelWidth() const;
    QRect barsRect() const;
    int nameStrip() const; // the height under the bars for their names
    QString barLabel(int bar) const;
    int rowHeight() const;
    int rowNameWidth() const;
    int rowValueWidth() const;
    QRect rowBarsRect() const; // where the rows' bars are drawn, between names and values
    void paintRows(QPainter& p) const;
    void paintStrip(QPainter& p) const;
    void paintLegend(QPainter& p) const;

    ml::Tensor m_tensor;
    MapLayout m_layout;
    bool m_shared = true;
    std::vector<Tile> m_tiles;
    ValueRange m_range; // of everything shown
    int m_bars = 0;
    QStringList m_names;
};

} // namespace ml::ui
