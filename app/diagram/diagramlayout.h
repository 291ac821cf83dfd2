#pragma once

#include "engine/analysis/analysis.h"
#include "engine/module.h"

#include <QPolygonF>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace ml::ui {

enum class BoxStyle {
    Layer,      // a leaf
    Sequential, // children joined by arrows in stored order
    Custom,     // children joined by the arrows of its forward(), in call order
    Shelf,      // ModuleList / ModuleDict: indexed slots, no arrows
    PlainShelf, // a plain Python list: a dashed warning shelf, not registered
};

enum class BoxStatus { Normal, Warning, Error };

struct DiagramBox {
    const Module* module = nullptr;
    QString path;          // dotted, "" for the root
    QString title;         // name, or the type for positional entries
    QString subtitle;      // the type (or "" when the title is the type)
    QString prefix;        // "(0)" for positional Sequential entries
    QString meta;          // "320 params", "10 entries · 1,234 params"
    QString tooltip;       // rich text
    BoxStyle style = BoxStyle::Layer;
    BoxStatus status = BoxStatus::Normal;
    bool reached = true;   // false: the analysis never called it
    bool afterError = false; // called only after the first error: PyTorch stops before it (its values assume the fix)
    QList<int> callNumbers; // 1-based positions in the enclosing forward()'s call order
    QRectF rect;
    int depth = 0;
    std::vector<int> children;                        // indices into DiagramLayout::boxes
    std::vector<std::pair<QRectF, QString>> slotLabels; // shelves: index column cells
};

struct DiagramEdge {
    enum class Kind { Sequence, Flow, Io };
    Kind kind = Kind::Sequence;
    QPolygonF points;   // from source to arrow tip
    QString label;      // the tensor shape flowing along it
    QString ops;        // functional ops on the way ("F.relu() · .view()")
    bool side = false;  // routed through a side lane (non-adjacent boxes)
    QPointF labelPos;   // side edges: top left of the label block
    int depth = 0;
    bool afterError = false; // a call PyTorch never makes: it comes after the first error
};

struct DiagramPill {
    QRectF rect;
    QString text;
    bool error = false; // forward() produced no output
};

struct DiagramLayout {
    std::vector<DiagramBox> boxes; // boxes[0] is the root; parents before children
    std::vector<DiagramEdge> edges;
    std::vector<DiagramPill> pills; // input and output of the model
    QRectF bounds;

    int indexOfPath(const QString& path) const; // -1 if absent
};

struct LayoutOptions {
    bool thumbnails = false; // reserve room for activation thumbnails on layers
    double noteWidth = 0.0;  // room for a note beside a layer's parameter count (DiagramView::setNotes)
};

// Lays the module tree out top to bottom as nested boxes. `analysis` may be null.
DiagramLayout layoutDiagram(const Module& root, const Analysis* analysis, const LayoutOptions& options = {});

} // namespace ml::ui
