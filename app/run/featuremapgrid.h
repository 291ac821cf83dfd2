#pragma once

#include "app/document/tensorimage.h"
#include "engine/tensor.h"

#include <QImage>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace ml::ui {

// Paints a tensor the way a teacher shows it: [N, C, H, W] as one tile per channel (first
// sample), [N, F] as a strip of bars (named when there is a name per feature: a model's output
// with a class name per output); a colour legend with min and max below. Hovering reports
// channel, row, column and value.
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
    // The rectangle a bar's name is drawn in (rotated text: its height is the name's length).
    QRect nameRect(int bar) const;
    // What lies under a widget position: "channel 3, row 5, col 7: 0.4172"; "" for nothing.
    QString describeAt(const QPoint& pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

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
    QRect barsRect() const;
    int nameStrip() const; // the height under the bars for their names

    ml::Tensor m_tensor;
    MapLayout m_layout;
    bool m_shared = true;
    std::vector<Tile> m_tiles;
    ValueRange m_range; // of everything shown
    int m_bars = 0;
    QStringList m_names;
};

} // namespace ml::ui
