#pragma once

#include "engine/analysis/analysis.h"
#include "engine/module.h"

#include <QColor>
#include <QGraphicsView>
#include <QHash>
#include <QImage>
#include <QPoint>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QGraphicsLineItem;
class QGraphicsScene;
class QMimeData;

namespace ml::ui {

class BoxItem;

// A short coloured label on a layer's box (how much training changed its weights, say), with a
// tooltip that says it in full.
struct DiagramNote {
    QString text;
    QString tooltip;
    QColor color;
};

// Where a module dropped on the drawing would go in a flow: into `container` (a Sequential or a
// custom Module, by dotted path) before or after its child `neighbour` ("" when it has none).
struct FlowDrop {
    QString container;
    QString neighbour;
    bool after = false;
};

// The model drawn as nested boxes, top to bottom: Sequentials with arrows in stored order,
// ModuleLists and ModuleDicts as shelves without arrows, plain lists as dashed warning shelves,
// custom Modules with the arrows of their forward() in call order; tensor shapes on the
// arrows, parameters on the boxes, errors red, warnings amber, unreached nodes grey.
class DiagramView : public QGraphicsView {
    Q_OBJECT
public:
    explicit DiagramView(QWidget* parent = nullptr);
    ~DiagramView() override;

    // Rebuilds the drawing; both may be null. They must stay valid until the next setModel()
    // (setThumbnails() lays out again when thumbnails appear or disappear).
    void setModel(const ml::Module* root, const ml::Analysis* analysis);
    // Highlights the box of a dotted path ("" is the root) and scrolls to it; clears on unknown.
    void selectPath(const QString& dottedPath);
    void clearSelection();
    bool hasSelection() const { return m_hasSelection; }
    QString selectedPath() const { return m_selectedPath; } // meaningful when hasSelection()
    // Small activation images drawn on layer boxes, keyed by dotted path.
    void setThumbnails(const QHash<QString, QImage>& byPath);
    // Notes drawn at the lower right of layer boxes, keyed by dotted path; kept across rebuilds.
    void setNotes(const QHash<QString, DiagramNote>& byPath);
    // The node currently running in a step-through; "" (the whole model) or unknown: none.
    void setHighlightedPath(const QString& dottedPath);
    // Writes the whole drawing as PNG or SVG, chosen by the file's extension.
    bool exportImage(const QString& file, QString* error);

    BoxItem* boxForPath(const QString& dottedPath) const; // nullptr if absent
    int boxCount() const { return static_cast<int>(m_boxes.size()); }
    double zoom() const;
    bool isFittingWidth() const { return m_fitWidth; }
    // A fixed zoom factor, as the user's zooming sets it (ends fitting the width).
    void setZoomFactor(double factor);
    // How far fitting the width may enlarge the drawing (1: never; a presentation enlarges it).
    void setMaxFitZoom(double factor);
    // How small Zoom to Fit may draw a model too tall to fit whole (0: as small as it takes);
    // below it the width is fitted instead and the view scrolls.
    void setMinFitZoom(double factor);
    double minFitZoom() const { return m_minFitZoom; }

    // Dragging a box out of the drawing: the data for the node at a dotted path (null: no drag).
    void setDragData(std::function<QMimeData*(const QString& dottedPath)> factory) { m_dragData = std::move(factory); }
    // Dropping onto the flow: the handler checks (commit false) or makes (commit true) the edit
    // and returns why it cannot, empty when it can.
    using DropHandler = std::function<QString(const QMimeData*, const FlowDrop&, bool commit)>;
    void setDropHandler(DropHandler handler);
    // The flow position under a point of the viewport; nullopt off the model.
    std::optional<FlowDrop> flowDropAt(const QPoint& viewPos) const;
    // A point of the viewport where a drop lands in `container` before/after its child (in the
    // gap beside that box; under the header when `neighbour` is empty), scrolled into view.
    QPoint flowPoint(const QString& container, const QString& neighbour, bool after);
    bool isShowingDropMarker() const;

public slots:
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    // Until the user zooms: no wider than the view (never enlarged), also after edits and resizes.
    void fitWidth();

signals:
    void pathActivated(const QString& dottedPath);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;

private:
    void rebuild();
    void setZoom(double factor);
    void applyFitWidth();
    BoxItem* boxAt(const QPoint& viewPos) const;
    bool isFlowContainer(const QString& path) const;
    void showDropMarker(const std::optional<FlowDrop>& drop);
    void startBoxDrag();

    QGraphicsScene* m_scene;
    const ml::Module* m_root = nullptr;
    const ml::Analysis* m_analysis = nullptr;
    QHash<QString, BoxItem*> m_boxes;
    QHash<QString, QImage> m_thumbnails;
    QHash<QString, DiagramNote> m_notes;
    QString m_selectedPath;
    bool m_hasSelection = false;
    QString m_highlightedPath;
    bool m_fitWidth = true;
    double m_maxFitZoom = 1.0;
    double m_minFitZoom = 0.0;
    bool m_spaceHeld = false;
    bool m_panning = false;
    QPoint m_panLast;
    QHash<QString, QString> m_parentOf;   // dotted path -> parent's dotted path
    QHash<QString, QStringList> m_childrenOf;
    std::function<QMimeData*(const QString&)> m_dragData;
    DropHandler m_dropHandler;
    QGraphicsLineItem* m_dropMarker = nullptr;
    QString m_pressedPath; // a box pressed and not yet released or dragged
    bool m_boxPressed = false;
    QPoint m_pressPos;
};

} // namespace ml::ui
