#include "app/diagram/diagramview.h"

#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramlayout.h"
#include "app/diagram/diagramstyle.h"

#include <QApplication>
#include <QDrag>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QMimeData>
#include <QImageWriter>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QSaveFile>
#include <QScrollBar>
#include <QSvgGenerator>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace ml::ui {

namespace {

// The widest note, as BoxItem draws it, and at least a percentage's width (so that changing
// numbers rarely lay the drawing out again): the layout keeps room for it beside the parameter count.
double noteWidth(const QHash<QString, DiagramNote>& notes)
{
    const QFontMetricsF fm(diagramstyle::badgeFont());
    double w = notes.isEmpty() ? 0.0 : fm.horizontalAdvance(QStringLiteral("Δ100.0%")) + 10;
    for (const DiagramNote& n : notes)
        if (!n.text.isEmpty())
            w = std::max(w, fm.horizontalAdvance(n.text) + 10);
    return std::ceil(w);
}

} // namespace

namespace st = diagramstyle;

namespace {
constexpr double kZoomStep = 1.2;
constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 6.0;
constexpr double kExportScale = 2.0;   // PNG pixels per scene unit, when it fits
constexpr double kMaxExportSide = 16000;
} // namespace

DiagramView::DiagramView(QWidget* parent) : QGraphicsView(parent), m_scene(new QGraphicsScene(this))
{
    setScene(m_scene);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
    setDragMode(QGraphicsView::NoDrag);
    setFocusPolicy(Qt::StrongFocus);
    setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    setAcceptDrops(true);
}

DiagramView::~DiagramView() = default;

void DiagramView::setModel(const ml::Module* root, const ml::Analysis* analysis)
{
    m_root = root;
    m_analysis = analysis;
    rebuild();
}

void DiagramView::rebuild()
{
    m_boxes.clear();
    m_parentOf.clear();
    m_childrenOf.clear();
    m_dropMarker = nullptr; // owned by the scene
    m_scene->clear();
    if (!m_root) {
        m_scene->setSceneRect(QRectF());
        return;
    }
    LayoutOptions options;
    options.thumbnails = !m_thumbnails.isEmpty();
    options.noteWidth = noteWidth(m_notes);
    const DiagramLayout layout = layoutDiagram(*m_root, m_analysis, options);
    m_boxes.reserve(static_cast<int>(layout.boxes.size()));
    for (const DiagramBox& b : layout.boxes) {
        auto* item = new BoxItem(b);
        if (auto it = m_thumbnails.constFind(b.path); it != m_thumbnails.constEnd() && b.style == BoxStyle::Layer)
            item->setThumbnail(*it);
        if (auto it = m_notes.constFind(b.path); it != m_notes.constEnd() && b.style == BoxStyle::Layer)
            item->setNote(it->text, it->color, it->tooltip);
        m_scene->addItem(item);
        m_boxes.insert(b.path, item);
    }
    for (const DiagramBox& b : layout.boxes)
        for (int c : b.children) {
            const QString& child = layout.boxes[static_cast<size_t>(c)].path;
            m_parentOf.insert(child, b.path);
            m_childrenOf[b.path].append(child);
        }
    for (const DiagramEdge& e : layout.edges)
        m_scene->addItem(new EdgeItem(e));
    for (const DiagramPill& p : layout.pills)
        m_scene->addItem(new PillItem(p));
    m_scene->setSceneRect(layout.bounds);
    applyFitWidth();

    BoxItem* selected = m_hasSelection ? m_boxes.value(m_selectedPath) : nullptr;
    if (selected)
        selected->setSelectedBox(true);
    else
        clearSelection();
    if (BoxItem* b = m_highlightedPath.isEmpty() ? nullptr : m_boxes.value(m_highlightedPath))
        b->setHighlighted(true);
}

BoxItem* DiagramView::boxForPath(const QString& dottedPath) const { return m_boxes.value(dottedPath); }

void DiagramView::clearSelection()
{
    if (BoxItem* old = m_hasSelection ? m_boxes.value(m_selectedPath) : nullptr)
        old->setSelectedBox(false);
    m_hasSelection = false;
    m_selectedPath.clear();
}

void DiagramView::selectPath(const QString& dottedPath)
{
    clearSelection();
    BoxItem* b = m_boxes.value(dottedPath);
    if (!b)
        return;
    m_hasSelection = true;
    m_selectedPath = dottedPath;
    b->setSelectedBox(true);
    // Show the whole box when it fits, its header otherwise.
    const QRectF r = b->box().rect;
    const QRectF target = r.height() * zoom() > viewport()->height() - 40 ? QRectF(r.topLeft(), QSizeF(r.width(), st::kHeaderHeight)) : r;
    ensureVisible(target, 30, 30);
}

void DiagramView::setThumbnails(const QHash<QString, QImage>& byPath)
{
    const bool relayout = byPath.isEmpty() != m_thumbnails.isEmpty();
    m_thumbnails = byPath;
    if (relayout) {
        rebuild();
        return;
    }
    for (auto it = m_boxes.constBegin(); it != m_boxes.constEnd(); ++it)
        if (it.value()->style() == BoxStyle::Layer)
            it.value()->setThumbnail(m_thumbnails.value(it.key()));
}

void DiagramView::setNotes(const QHash<QString, DiagramNote>& byPath)
{
    const bool relayout = noteWidth(byPath) != noteWidth(m_notes);
    m_notes = byPath;
    if (relayout) {
        rebuild();
        return;
    }
    for (auto it = m_boxes.constBegin(); it != m_boxes.constEnd(); ++it)
        if (it.value()->style() == BoxStyle::Layer) {
            const DiagramNote note = m_notes.value(it.key());
            it.value()->setNote(note.text, note.color, note.tooltip);
        }
}

void DiagramView::setHighlightedPath(const QString& dottedPath)
{
    if (BoxItem* old = m_boxes.value(m_highlightedPath))
        old->setHighlighted(false);
    m_highlightedPath = dottedPath;
    if (BoxItem* b = dottedPath.isEmpty() ? nullptr : m_boxes.value(dottedPath)) {
        b->setHighlighted(true);
        const QRectF r = b->box().rect;
        ensureVisible(QRectF(r.topLeft(), QSizeF(r.width(), std::min(r.height(), 80.0))), 30, 30);
    }
}

bool DiagramView::exportImage(const QString& file, QString* error)
{
    auto fail = [&](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    const QString ext = QFileInfo(file).suffix().toLower();
    if (ext != QLatin1String("png") && ext != QLatin1String("svg"))
        return fail(tr("Cannot export the diagram to \"%1\": the file name must end in .png or .svg").arg(file));
    const QRectF source = m_scene->sceneRect();
    if (!m_root || source.isEmpty())
        return fail(tr("There is no model to export"));

    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return fail(tr("Cannot write %1: %2").arg(file, out.errorString()));

    if (ext == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setOutputDevice(&out);
        svg.setSize(source.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
        svg.setTitle(m_root->typeName().empty() ? QStringLiteral("Model") : QString::fromStdString(m_root->typeName()));
        svg.setDescription(tr("ModuleLab diagram"));
        QPainter p;
        if (!p.begin(&svg))
            return fail(tr("Cannot write %1: the SVG generator did not start").arg(file));
        p.fillRect(QRectF(QPointF(0, 0), source.size()), st::background());
        m_scene->render(&p, QRectF(QPointF(0, 0), source.size()), source);
        p.end();
    } else {
        const double scale = std::min(kExportScale, kMaxExportSide / std::max(source.width(), source.height()));
        const QSize size = (source.size() * scale).toSize().expandedTo(QSize(1, 1));
        QImage image(size, QImage::Format_ARGB32_Premultiplied);
        if (image.isNull())
            return fail(tr("The diagram is too large to export as PNG (%1 x %2 pixels); export SVG instead")
                            .arg(size.width())
                            .arg(size.height()));
        image.fill(st::background());
        QPainter p(&image);
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
        m_scene->render(&p, QRectF(QPointF(0, 0), QSizeF(size)), source);
        p.end();
        QImageWriter writer(&out, "png");
        if (!writer.write(image))
            return fail(tr("Cannot write %1: %2").arg(file, writer.errorString()));
    }
    if (!out.commit())
        return fail(tr("Cannot write %1: %2").arg(file, out.errorString()));
    return true;
}

double DiagramView::zoom() const { return transform().m11(); }

void DiagramView::setZoom(double factor)
{
    const double z = std::clamp(factor, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(z, z));
}

void DiagramView::setZoomFactor(double factor)
{
    m_fitWidth = false;
    setZoom(factor);
}

void DiagramView::zoomIn()
{
    m_fitWidth = false;
    setZoom(zoom() * kZoomStep);
}

void DiagramView::zoomOut()
{
    m_fitWidth = false;
    setZoom(zoom() / kZoomStep);
}

void DiagramView::fitWidth()
{
    m_fitWidth = true;
    applyFitWidth();
}

void DiagramView::applyFitWidth()
{
    const QRectF r = m_scene->sceneRect();
    if (!m_fitWidth || r.isEmpty())
        return;
    // The width beside a vertical scroll bar, whether or not one shows: fitted to the width
    // without it, a diagram just taller than the view would get the bar, be fitted smaller,
    // lose it, be fitted larger, again and again.
    const int bar = verticalScrollBar()->isVisibleTo(this) || verticalScrollBarPolicy() == Qt::ScrollBarAlwaysOff
                        ? 0
                        : verticalScrollBar()->sizeHint().width();
    setZoom(std::min((viewport()->width() - bar - 8) / r.width(), m_maxFitZoom));
}

void DiagramView::setMinFitZoom(double factor)
{
    m_minFitZoom = std::clamp(factor, 0.0, 1.0);
}

void DiagramView::setMaxFitZoom(double factor)
{
    m_maxFitZoom = std::max(factor, kMinZoom);
    applyFitWidth();
}

void DiagramView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    applyFitWidth();
}

void DiagramView::zoomToFit()
{
    m_fitWidth = false;
    const QRectF r = m_scene->sceneRect();
    if (r.isEmpty())
        return;
    const QSizeF avail = viewport()->size() - QSizeF(8, 8);
    const double whole = std::min({avail.width() / r.width(), avail.height() / r.height(), 1.0});
    // A model too tall to fit whole at a readable size (ResNet-50) fits the width instead, no
    // smaller than the readable floor, shown from the selected box or from its top.
    const double z = std::max(whole, std::min({avail.width() / r.width(), m_minFitZoom, 1.0}));
    setZoom(z);
    if (z <= whole) {
        centerOn(r.center());
        return;
    }
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    const BoxItem* box = m_hasSelection ? boxForPath(m_selectedPath) : nullptr;
    if (box && box->sceneBoundingRect().height() < visible.height())
        centerOn(box);
    else
        centerOn(r.center().x(), (box ? box->sceneBoundingRect().top() : r.top()) + visible.height() / 2);
}

void DiagramView::wheelEvent(QWheelEvent* event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const double steps = event->angleDelta().y() / 120.0;
        if (steps != 0) {
            m_fitWidth = false;
            setZoom(zoom() * std::pow(kZoomStep, steps));
        }
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

BoxItem* DiagramView::boxAt(const QPoint& viewPos) const
{
    // Topmost box under the cursor: the deepest module (children are stacked above parents).
    for (QGraphicsItem* item : items(viewPos))
        if (auto* box = dynamic_cast<BoxItem*>(item))
            return box;
    return nullptr;
}

void DiagramView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    if (event->button() == Qt::LeftButton) {
        // Selected on release: a press that becomes a drag leaves the selection (and the panels
        // that follow it) where the module is to be dropped.
        if (BoxItem* box = boxAt(event->position().toPoint())) {
            m_boxPressed = true;
            m_pressedPath = box->path();
            m_pressPos = event->position().toPoint();
            event->accept();
            return;
        }
    }
    QGraphicsView::mousePressEvent(event);
}

void DiagramView::mouseMoveEvent(QMouseEvent* event)
{
    if (m_panning) {
        const QPoint pos = event->position().toPoint();
        const QPoint delta = pos - m_panLast;
        m_panLast = pos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    if (m_boxPressed && (event->buttons() & Qt::LeftButton)
        && (event->position().toPoint() - m_pressPos).manhattanLength() >= QApplication::startDragDistance()) {
        startBoxDrag();
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void DiagramView::mouseReleaseEvent(QMouseEvent* event)
{
    if (m_panning && (event->button() == Qt::MiddleButton || event->button() == Qt::LeftButton)) {
        m_panning = false;
        viewport()->setCursor(m_spaceHeld ? Qt::OpenHandCursor : Qt::ArrowCursor);
        event->accept();
        return;
    }
    if (m_boxPressed && event->button() == Qt::LeftButton) {
        m_boxPressed = false;
        const QString path = m_pressedPath;
        selectPath(path);
        emit pathActivated(path);
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void DiagramView::startBoxDrag()
{
    m_boxPressed = false;
    QMimeData* data = m_dragData && !m_pressedPath.isEmpty() ? m_dragData(m_pressedPath) : nullptr;
    if (!data)
        return;
    auto* drag = new QDrag(this);
    drag->setMimeData(data);
    drag->exec(Qt::CopyAction | Qt::MoveAction, Qt::CopyAction);
}

void DiagramView::setDropHandler(DropHandler handler)
{
    m_dropHandler = std::move(handler);
}

bool DiagramView::isFlowContainer(const QString& path) const
{
    const BoxItem* b = m_boxes.value(path);
    return b && (b->style() == BoxStyle::Sequential || b->style() == BoxStyle::Custom);
}

std::optional<FlowDrop> DiagramView::flowDropAt(const QPoint& viewPos) const
{
    BoxItem* box = boxAt(viewPos);
    if (!box)
        return std::nullopt;
    const QPointF at = mapToScene(viewPos);
    FlowDrop drop;
    if (isFlowContainer(box->path())) {
        // Inside a flow, between its boxes: before the first child whose middle is lower.
        drop.container = box->path();
        const QStringList children = m_childrenOf.value(box->path());
        for (const QString& c : children)
            if (const BoxItem* child = m_boxes.value(c); child && child->box().rect.center().y() > at.y()) {
                drop.neighbour = c;
                return drop;
            }
        if (!children.isEmpty()) {
            drop.neighbour = children.back();
            drop.after = true;
        }
        return drop;
    }
    // On a box: before or after it in the nearest enclosing flow.
    for (QString path = box->path(); m_parentOf.contains(path); path = m_parentOf.value(path)) {
        const QString parent = m_parentOf.value(path);
        if (!isFlowContainer(parent))
            continue;
        drop.container = parent;
        drop.neighbour = path;
        drop.after = at.y() > m_boxes.value(path)->box().rect.center().y();
        return drop;
    }
    return std::nullopt;
}

// The height of the bar that marks a drop: in the gap before or after the neighbour, under the
// container's header when it has no children.
static double markerY(const QRectF& container, const QRectF* neighbour, bool after)
{
    if (!neighbour)
        return container.top() + st::kHeaderHeight + 2;
    return after ? neighbour->bottom() + st::kPad / 2 : neighbour->top() - st::kPad / 2;
}

QPoint DiagramView::flowPoint(const QString& container, const QString& neighbour, bool after)
{
    const BoxItem* c = m_boxes.value(container);
    if (!c)
        return {};
    const BoxItem* n = neighbour.isEmpty() ? nullptr : m_boxes.value(neighbour);
    const QRectF r = c->box().rect;
    const QPointF point(n ? n->box().rect.center().x() : r.center().x(), markerY(r, n ? &n->box().rect : nullptr, after));
    ensureVisible(QRectF(point - QPointF(20, 20), QSizeF(40, 40)), 10, 10);
    return mapFromScene(point);
}

bool DiagramView::isShowingDropMarker() const
{
    return m_dropMarker && m_dropMarker->isVisible();
}

// A bar across the flow where the dropped module's call would go.
void DiagramView::showDropMarker(const std::optional<FlowDrop>& drop)
{
    const BoxItem* c = drop ? m_boxes.value(drop->container) : nullptr;
    if (!c) {
        if (m_dropMarker)
            m_dropMarker->hide();
        return;
    }
    if (!m_dropMarker) {
        m_dropMarker = m_scene->addLine(QLineF(), QPen(st::selection(), 4, Qt::SolidLine, Qt::RoundCap));
        m_dropMarker->setZValue(1e6);
    }
    const QRectF r = c->box().rect;
    const BoxItem* n = drop->neighbour.isEmpty() ? nullptr : m_boxes.value(drop->neighbour);
    const double y = markerY(r, n ? &n->box().rect : nullptr, drop->after);
    m_dropMarker->setLine(QLineF(r.left() + st::kPad / 2, y, r.right() - st::kPad / 2, y));
    m_dropMarker->show();
}

// A drag comes in over the background or a box that takes nothing as often as over a flow
// (from the palette, it crosses the margin beside the drawing first). The enter is accepted
// whenever the data could be dropped on some flow of the model: a refused enter would bring no
// move events, and the flow the user then moves to would never take the drop. Each move says
// whether its point takes it.
void DiagramView::dragEnterEvent(QDragEnterEvent* event)
{
    bool somewhere = false;
    if (m_dropHandler)
        for (auto it = m_boxes.constBegin(); it != m_boxes.constEnd() && !somewhere; ++it)
            somewhere = isFlowContainer(it.key()) && m_dropHandler(event->mimeData(), FlowDrop{it.key(), QString(), false}, false).isEmpty();
    if (!somewhere) {
        event->ignore();
        return;
    }
    dragMoveEvent(event);
    event->setDropAction(Qt::CopyAction);
    event->accept();
}

void DiagramView::dragMoveEvent(QDragMoveEvent* event)
{
    const QPoint pos = event->position().toPoint();
    const std::optional<FlowDrop> drop = m_dropHandler ? flowDropAt(pos) : std::nullopt;
    if (drop && m_dropHandler(event->mimeData(), *drop, false).isEmpty()) {
        showDropMarker(drop);
        event->setDropAction(Qt::CopyAction); // the handler makes the edit; the source removes nothing
        event->accept();
    } else {
        showDropMarker(std::nullopt);
        event->ignore();
    }
}

void DiagramView::dragLeaveEvent(QDragLeaveEvent* event)
{
    showDropMarker(std::nullopt);
    event->accept();
}

void DiagramView::dropEvent(QDropEvent* event)
{
    showDropMarker(std::nullopt);
    const std::optional<FlowDrop> drop = m_dropHandler ? flowDropAt(event->position().toPoint()) : std::nullopt;
    if (!drop || !m_dropHandler(event->mimeData(), *drop, true).isEmpty()) {
        event->ignore();
        return;
    }
    event->setDropAction(Qt::CopyAction);
    event->accept();
}

void DiagramView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Space) {
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void DiagramView::keyReleaseEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (!m_panning)
            viewport()->setCursor(Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void DiagramView::drawBackground(QPainter* painter, const QRectF& rect)
{
    painter->fillRect(rect, st::background());
}

} // namespace ml::ui
