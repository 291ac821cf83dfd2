#include "app/classroom/classroommode.h"

#include "app/classroom/nodecard.h"
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramview.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/diagnosticspanel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QToolButton>
#include <QScrollBar>
#include <QTreeView>
#include <QGraphicsItem>
#include <QMainWindow>
#include <QStatusBar>
#include <QTabBar>
#include <QTableView>
#include <QLayout>
#include <QTimer>

#include <algorithm>

namespace ml::ui {

namespace {

constexpr int kInputColumn = ModuleTreeModel::InputColumn;

QPalette highContrastPalette()
{
    // Black on white with saturated accents: projectors wash out greys and pastels.
    QPalette p;
    const QColor white(Qt::white), black(Qt::black), panel(0xf2, 0xf2, 0xf2), accent(0x00, 0x3c, 0xc8);
    for (QPalette::ColorGroup g : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(g, QPalette::Window, white);
        p.setColor(g, QPalette::WindowText, black);
        p.setColor(g, QPalette::Base, white);
        p.setColor(g, QPalette::AlternateBase, panel);
        p.setColor(g, QPalette::Text, black);
        p.setColor(g, QPalette::Button, panel);
        p.setColor(g, QPalette::ButtonText, black);
        p.setColor(g, QPalette::Highlight, accent);
        p.setColor(g, QPalette::HighlightedText, white);
        p.setColor(g, QPalette::ToolTipBase, QColor(0xff, 0xff, 0xcc));
        p.setColor(g, QPalette::ToolTipText, black);
        p.setColor(g, QPalette::PlaceholderText, QColor(0x40, 0x40, 0x40));
        p.setColor(g, QPalette::Link, accent);
    }
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x55, 0x55, 0x55));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x55, 0x55, 0x55));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x55, 0x55, 0x55));
    return p;
}

// The title of a panel shown in classroom mode (the lessons, the diagnostics), in the large
// type: QDockWidget draws its own title in the platform's title font, which the application
// font does not reach. Dragging the title still moves the panel (QLabel ignores the mouse).
QWidget* classroomTitleBar(QDockWidget* dock)
{
    auto* bar = new QWidget(dock);
    bar->setObjectName(QStringLiteral("classroomTitleBar"));
    auto* layout = new QHBoxLayout(bar);
    layout->setContentsMargins(8, 4, 4, 4);
    auto* title = new QLabel(dock->windowTitle(), bar);
    title->setObjectName(QStringLiteral("classroomDockTitle"));
    title->setTextFormat(Qt::PlainText);
    layout->addWidget(title, 1);
    auto* close = new QToolButton(bar);
    close->setObjectName(QStringLiteral("classroomDockClose"));
    close->setText(QStringLiteral("✕"));
    close->setToolTip(QStringLiteral("Close %1").arg(dock->windowTitle()));
    close->setAutoRaise(true);
    QObject::connect(close, &QToolButton::clicked, dock, &QDockWidget::close);
    layout->addWidget(close);
    return bar;
}

} // namespace

ClassroomMode::ClassroomMode(QMainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_toggle(new QAction(QStringLiteral("&Classroom Mode"), this))
{
    setObjectName(QStringLiteral("classroomMode"));
    m_toggle->setCheckable(true);
    m_toggle->setShortcut(QKeySequence(Qt::Key_F11));
    m_toggle->setToolTip(QStringLiteral("Large type, high contrast and no editing panels, for a projector"));
    connect(m_toggle, &QAction::toggled, this, [this](bool on) { setActive(on, true); });
}

void ClassroomMode::setDiagrams(const QList<DiagramView*>& diagrams)
{
    m_diagrams.clear();
    for (DiagramView* d : diagrams)
        addDiagram(d);
}

void ClassroomMode::addDiagram(DiagramView* diagram)
{
    if (!diagram)
        return;
    m_diagrams.append(diagram);
    // One made during the presentation (the compare window's) is presented as the others are,
    // and gets back its own zoom when the presentation ends.
    if (m_active) {
        m_savedZooms.append({diagram, diagram->isFittingWidth(), diagram->zoom(), diagram->minFitZoom(),
                             diagram->horizontalScrollBar()->value(), diagram->verticalScrollBar()->value()});
        diagram->setMinFitZoom(1.0);
        diagram->setMaxFitZoom(m_fontScale);
        diagram->fitWidth();
    }
}

void ClassroomMode::setActive(bool on, bool fullScreen)
{
    if (on == m_active)
        return;
    m_active = on;
    if (on) {
        m_savedFont = QApplication::font();
        m_savedPalette = QApplication::palette();
        m_savedStyleSheet = qApp->styleSheet();
        m_savedVisible.clear();
        m_savedLayout = m_window->saveState();
        m_savedHeaders.clear();
        for (QHeaderView* h : m_window->findChildren<QHeaderView*>())
            m_savedHeaders.insert(h, h->saveState());
        m_savedWindowState = m_window->windowState();
        m_savedFonts.clear();
        for (QWidget* w : m_window->findChildren<QWidget*>())
            if (w->testAttribute(Qt::WA_SetFont))
                m_savedFonts.insert(w, w->font());
        m_savedZooms.clear();
        for (const auto& d : m_diagrams)
            if (d)
                m_savedZooms.append({d, d->isFittingWidth(), d->zoom(), d->minFitZoom(), d->horizontalScrollBar()->value(),
                                     d->verticalScrollBar()->value()});
        m_presentedSize = m_window->size();
        m_wentFullScreen = fullScreen && !m_window->isFullScreen();
        if (m_wentFullScreen)
            m_window->setWindowState(m_window->windowState() | Qt::WindowFullScreen);
        // The editing panels always; the other panels too unless they present the model (the
        // diagram, diagnostics, lessons): at 1280x720 and large type there is no room, and the
        // module tree needs the height the code panel would take.
        const QStringList presenting{QStringLiteral("diagramDock"), QStringLiteral("diagnosticsDock"),
                                     QStringLiteral("lessonsDock")};
        for (QDockWidget* d : m_window->findChildren<QDockWidget*>()) {
            if (d == m_cardDock)
                continue;
            // A panel shown or closed later (the lessons) gives or takes the diagram's room.
            connect(d, &QDockWidget::visibilityChanged, this, &ClassroomMode::arrangeLater, Qt::UniqueConnection);
            m_savedVisible.insert(d, d->isVisible());
            if (m_editingDocks.contains(d) || !presenting.contains(d->objectName()))
                d->hide();
        }
        // The weights' source is for the workbench; the totals and messages keep the room.
        m_hiddenStatus.clear();
        if (auto* status = m_window->findChild<QStatusBar*>())
            for (QWidget* w : status->findChildren<QWidget*>(QStringLiteral("weightsStatus")))
                if (w->isVisibleTo(status)) {
                    m_hiddenStatus.append(w);
                    w->hide();
                }
        m_fontScale = kClassroomFontScale;
        // The diagrams start fitted to their column (arrange() enlarges them with the type);
        // Zoom to Fit never draws the labels smaller than their own size (the model scrolls).
        for (const auto& d : m_diagrams)
            if (d) {
                d->setMinFitZoom(1.0);
                d->fitWidth();
            }
        QApplication::setPalette(highContrastPalette());
        applyFont();
        if (auto* diagramDock = m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock"))) {
            diagramDock->show();
            diagramDock->raise();
        }
        showCard();
        setTitleBars(false);
        // Once the large type has reached every widget.
        QTimer::singleShot(0, this, &ClassroomMode::arrange);
    } else {
        m_fontScale = 1.0;
        if (m_cardDock)
            m_cardDock->hide();
        setTitleBars(true);
        for (const auto& w : std::as_const(m_hiddenStatus))
            if (w)
                w->show();
        m_hiddenStatus.clear();
        for (const auto& d : m_diagrams)
            if (d)
                d->setMaxFitZoom(1.0);
        qApp->setStyleSheet(m_savedStyleSheet);
        QApplication::setPalette(m_savedPalette);
        QApplication::setFont(m_savedFont);
        if (m_wentFullScreen)
            m_window->setWindowState(m_savedWindowState);
        m_wentFullScreen = false;
        // The panels come back in their own type: in the large type their minimum widths side
        // by side would widen the window.
        restoreFonts();
        for (auto it = m_savedVisible.cbegin(); it != m_savedVisible.cend(); ++it)
            it.key()->setVisible(it.value());
        restoreLayout();
        // Again once the normal type has reached every widget: the large type's minimum sizes
        // no longer hold the panels apart.
        QTimer::singleShot(0, this, [this] {
            if (m_active)
                return;
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            restoreLayout();
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            restoreZooms();
        });
        restoreZooms();
    }
    {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(on);
    }
    emit activeChanged(on);
}

// The style sheet re-styles only the widgets on show: panels hidden in classroom mode would
// keep its large type. Each widget gets back its own font, or none (the application's).
void ClassroomMode::restoreFonts()
{
    for (QWidget* w : m_window->findChildren<QWidget*>()) {
        const auto own = m_savedFonts.constFind(w);
        w->setFont(own != m_savedFonts.cend() ? *own : QFont());
    }
}

void ClassroomMode::restoreLayout()
{
    restoreFonts();
    // The menu and status bars shrink back to the normal type before the panels get their sizes.
    if (QWidget* menu = m_window->menuWidget())
        menu->updateGeometry();
    if (QWidget* status = m_window->findChild<QStatusBar*>())
        status->updateGeometry();
    m_window->layout()->invalidate();
    m_window->layout()->activate();
    m_window->restoreState(m_savedLayout);
    for (QHeaderView* h : m_window->findChildren<QHeaderView*>())
        if (auto it = m_savedHeaders.constFind(h); it != m_savedHeaders.cend())
            h->restoreState(*it);
}

void ClassroomMode::arrangeLater()
{
    if (m_active && !m_arrangePending) {
        m_arrangePending = true;
        QTimer::singleShot(0, this, [this] {
            m_arrangePending = false;
            arrange();
        });
    }
}

void ClassroomMode::arrange()
{
    if (!m_active)
        return;
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const int w = m_window->width();
    const int h = m_window->height();
    // Tree columns as wide as their large-type contents; when they would take more than 60% of
    // the window, the input shapes go (each is the output shape of the row above it, and the
    // diagram's arrows name them), so that the diagram keeps its room.
    int treeWidth = 0;
    if (auto* tree = qobject_cast<QTreeView*>(m_window->centralWidget())) {
        QHeaderView* header = tree->header();
        // The card under the tree shows the selected node's input shape and counts.
        for (int c : {kInputColumn, int(ModuleTreeModel::ParamsColumn), int(ModuleTreeModel::MultAddsColumn)})
            header->setSectionHidden(c, m_cardDock != nullptr);
        header->resizeSections(QHeaderView::ResizeToContents);
        const int extra = tree->verticalScrollBar()->sizeHint().width() + 2 * tree->frameWidth() + 4;
        treeWidth = header->length() + extra;
    }
    const bool runPanels = stackRunPanels();
    // With the run panels beside the card, the column as wide as their tabs' names.
    if (runPanels)
        if (QTabBar* tabs = cardTabs())
            treeWidth = std::max(treeWidth, tabs->sizeHint().width() + 8);
    // A panel on the left (the lessons) takes its width from the diagram, not from the tree.
    int left = 0;
    QDockWidget* leftDock = nullptr;
    for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
        if (d->isVisible() && !d->isFloating() && m_window->dockWidgetArea(d) == Qt::LeftDockWidgetArea && d->width() > left) {
            left = d->width();
            leftDock = d;
        }
    if (auto* diagramDock = m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock")); diagramDock && treeWidth > 0) {
        m_window->resizeDocks({diagramDock}, {std::clamp(w - left - treeWidth - 12, w * 30 / 100, w * 68 / 100)},
                              Qt::Horizontal);
        // The left panel keeps the width it had (the lessons widen to show a step whole): the
        // tree gives what the diagram took from it.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        if (leftDock && leftDock->width() < left)
            m_window->resizeDocks({leftDock}, {left}, Qt::Horizontal);
    }
    // Diagnostics only when there is something to say (and the panel was open).
    if (auto* diags = m_window->findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"))) {
        auto* view = diags->findChild<QAbstractItemView*>();
        const bool any = view && view->model() && view->model()->rowCount() > 0;
        diags->setVisible(any && m_savedVisible.value(diags, true));
        if (diags->isVisible())
            fitDiagnostics(diags, h);
    }
    // The card as high as its numbers; with the run panels among its tabs, the most of the
    // column that leaves the tree a few rows (the charts need their rows in the large type).
    if (m_cardDock && m_card)
        m_window->resizeDocks({m_cardDock},
                              {runPanels ? std::max(m_cardDock->minimumSizeHint().height(), h * 62 / 100) : m_card->sizeHint().height()},
                              Qt::Vertical);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    // The diagram as wide as its column (no sideways scrolling, enlarged with the type), the
    // selected box in view. A diagram the user has zoomed (Ctrl+=, Ctrl+-, Zoom to Fit) keeps
    // that zoom: fitting it again would undo what the user asked for.
    for (const auto& d : m_diagrams) {
        if (!d)
            continue;
        d->setMaxFitZoom(m_fontScale); // fits the width again when it is fitting the width
        if (d->hasSelection())
            if (auto* box = d->boxForPath(d->selectedPath()))
                showBox(d, box);
    }
}

// The diagnostics as high as their messages in the large type (each row whole, its node and
// message side by side), between a fifth and 45% of the window: more rows than that scroll.
void ClassroomMode::fitDiagnostics(QDockWidget* diags, int windowHeight)
{
    auto* panel = qobject_cast<DiagnosticsPanel*>(diags->widget());
    if (!panel)
        return;
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const int title = diags->titleBarWidget() ? diags->titleBarWidget()->sizeHint().height() : 0;
    // Twice: the panel's width settles its columns, the columns the rows' heights.
    for (int pass = 0; pass < 2; ++pass) {
        panel->fitColumns();
        panel->view()->resizeRowsToContents();
        const int wanted = panel->fittingHeight() + title + 4;
        m_window->resizeDocks({diags}, {std::clamp(wanted, windowHeight * 20 / 100, windowHeight * 45 / 100)}, Qt::Vertical);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    }
}

// The selected box in the middle of the view; one taller than the view (the whole model) from
// its top, with what flows into it, rather than from its middle.
void ClassroomMode::showBox(DiagramView* view, QGraphicsItem* box)
{
    const QRectF r = box->sceneBoundingRect();
    const QRectF visible = view->mapToScene(view->viewport()->rect()).boundingRect();
    if (r.height() <= visible.height())
        view->centerOn(box);
    else {
        // Its top, and the arrow into it; the diagram's own top (the input) when that is near.
        double top = r.top() - 60;
        if (top - view->sceneRect().top() < visible.height() / 3)
            top = view->sceneRect().top();
        view->centerOn(r.center().x(), top + visible.height() / 2);
    }
}

// The run panels brought back in classroom mode (Run > Show Run Panels) do not fit beside the
// presentation in the large type one beside the other: the samples, the run controls, the
// activations and the predictions join the card under the tree as tabs (the samples in front
// when they first come, unless another run panel is), so that the diagram keeps the whole height of its column. The window
// keeps the size it was presented at (the panels' minimum widths side by side would have
// widened it past the screen). Leaving classroom mode restores the layout as it was. True when
// run panels are among the card's tabs.
bool ClassroomMode::stackRunPanels()
{
    if (!m_cardDock || !m_cardDock->isVisible() || m_cardDock->isFloating())
        return false;
    bool stacked = false;
    bool any = false;
    QDockWidget* front = nullptr;
    // A run panel the user has brought to the front stays there when others join.
    bool runPanelInFront = false;
    for (QDockWidget* d : m_window->tabifiedDockWidgets(m_cardDock))
        runPanelInFront = runPanelInFront || !d->visibleRegion().isEmpty();
    for (const char* name : {"samplesDock", "runDock", "activationsDock", "predictionsDock"}) {
        auto* d = m_window->findChild<QDockWidget*>(QLatin1String(name));
        if (!d || !d->isVisible() || d->isFloating())
            continue;
        any = true;
        if (m_window->tabifiedDockWidgets(m_cardDock).contains(d))
            continue;
        m_window->tabifyDockWidget(m_cardDock, d);
        if (!front)
            front = d;
        stacked = true;
    }
    if (!stacked)
        return any;
    if (front && !runPanelInFront)
        front->raise();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    if (!m_window->isFullScreen() && m_presentedSize.isValid() && m_window->size() != m_presentedSize)
        m_window->resize(m_presentedSize);
    return true;
}

// The tab bar of the card and the panels tabbed with it (QMainWindow keeps it as its child).
QTabBar* ClassroomMode::cardTabs() const
{
    if (!m_cardDock)
        return nullptr;
    for (QTabBar* bar : m_window->findChildren<QTabBar*>(Qt::FindDirectChildrenOnly))
        if (bar->isVisible())
            for (int i = 0; i < bar->count(); ++i)
                if (bar->tabText(i) == m_cardDock->windowTitle())
                    return bar;
    return nullptr;
}

// The selected node's card under the tree, made on first use.
void ClassroomMode::showCard()
{
    auto* tree = qobject_cast<QTreeView*>(m_window->centralWidget());
    if (!tree)
        return;
    if (!m_cardDock) {
        m_cardDock = new QDockWidget(QStringLiteral("Selected node"), m_window);
        m_cardDock->setObjectName(QStringLiteral("nodeCardDock"));
        m_card = new NodeCard(tree, m_cardDock);
        m_cardDock->setWidget(m_card);
        m_window->addDockWidget(Qt::BottomDockWidgetArea, m_cardDock);
        if (auto* diags = m_window->findChild<QDockWidget*>(QStringLiteral("diagnosticsDock")))
            if (auto* view = diags->findChild<QAbstractItemView*>(); view && view->model()) {
                const auto rearrange = [this] {
                    if (m_active)
                        QTimer::singleShot(0, this, &ClassroomMode::arrange);
                };
                connect(view->model(), &QAbstractItemModel::modelReset, this, rearrange);
                connect(view->model(), &QAbstractItemModel::rowsInserted, this, rearrange);
                connect(view->model(), &QAbstractItemModel::rowsRemoved, this, rearrange);
            }
    }
    m_card->refresh();
    m_cardDock->show();
}

// A presentation needs no panel titles: the diagram and the card speak for themselves, and the
// run panels among the card's tabs are named by their tabs.
void ClassroomMode::setTitleBars(bool shown)
{
    if (shown) {
        for (const auto& d : std::as_const(m_untitled))
            if (d) {
                QWidget* bar = d->titleBarWidget();
                d->setTitleBarWidget(nullptr);
                delete bar;
            }
        m_untitled.clear();
        return;
    }
    const QStringList untitled{QStringLiteral("diagramDock"),     QStringLiteral("nodeCardDock"),
                               QStringLiteral("samplesDock"),     QStringLiteral("runDock"),
                               QStringLiteral("activationsDock"), QStringLiteral("predictionsDock")};
    for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
        if (!d->titleBarWidget()) {
            d->setTitleBarWidget(untitled.contains(d->objectName()) ? new QWidget(d) : classroomTitleBar(d));
            m_untitled.append(d);
        }
}

void ClassroomMode::restoreZooms()
{
    for (const DiagramZoom& z : std::as_const(m_savedZooms)) {
        if (!z.view)
            continue;
        z.view->setMinFitZoom(z.minFit);
        if (z.fitWidth)
            z.view->fitWidth();
        else
            z.view->setZoomFactor(z.zoom);
        z.view->horizontalScrollBar()->setValue(z.x);
        z.view->verticalScrollBar()->setValue(z.y);
    }
}

double ClassroomMode::typeSize() const
{
    const double base = m_savedFont.pointSizeF() > 0 ? m_savedFont.pointSizeF() : 10.0;
    return base * m_fontScale;
}

void ClassroomMode::applyFont()
{
    // Both: the application font for widgets that read it, and the style sheet (which wins
    // over it for widgets already polished by the style-sheet style).
    QFont f = m_savedFont;
    f.setPointSizeF(typeSize());
    QApplication::setFont(f);
    qApp->setStyleSheet(styleSheet());
}

QString ClassroomMode::styleSheet() const
{
    // Thick frames and roomy rows; sizes follow the application font set by applyFont().
    return QStringLiteral("QWidget { font-size: %1pt; }").arg(typeSize(), 0, 'f', 1) + QStringLiteral(
        "QTreeView, QTableView, QListView, QPlainTextEdit, QTextEdit, QGraphicsView { border: 3px solid black; }"
        "QTreeView::item, QTableView::item { padding: 4px; }"
        "QHeaderView::section { font-weight: bold; padding: 4px; border: 1px solid black; background: #e6e6e6; }"
        "QDockWidget::title { background: #d0d0d0; border-bottom: 2px solid black; padding: 6px; }"
        "QStatusBar { font-weight: bold; border-top: 2px solid black; }"
        "QPushButton { border: 2px solid black; padding: 6px 14px; background: #f2f2f2; }"
        "QPushButton:focus { border: 3px solid #003cc8; }"
        "QLabel#cardCaption { color: #333333; }"
        "QWidget#classroomTitleBar { background: #d0d0d0; border-bottom: 2px solid black; }"
        "QLabel#classroomDockTitle { font-weight: bold; }") + QStringLiteral(
        "QLabel#cardTitle, QLabel#cardValue { font-size: %1pt; font-weight: bold; }").arg(typeSize() * 1.3, 0, 'f', 1);
}

void ClassroomMode::scaleType(bool larger)
{
    if (!m_active)
        return;
    m_fontScale = larger ? std::min(m_fontScale * 1.15, 4.0) : std::max(m_fontScale / 1.15, 0.8);
    applyFont();
    QTimer::singleShot(0, this, &ClassroomMode::arrange);
}

void ClassroomMode::zoomIn()
{
    for (const auto& d : m_diagrams)
        if (d)
            d->zoomIn();
    scaleType(true);
}

void ClassroomMode::zoomOut()
{
    for (const auto& d : m_diagrams)
        if (d)
            d->zoomOut();
    scaleType(false);
}

// Back to the zoom the diagrams were first shown at: fitted to the width of their panel (in
// classroom mode enlarged with the type), and the classroom type at its first size.
void ClassroomMode::resetZoom()
{
    for (const auto& d : m_diagrams)
        if (d)
            d->fitWidth();
    if (m_active) {
        m_fontScale = kClassroomFontScale;
        applyFont();
        QTimer::singleShot(0, this, &ClassroomMode::arrange);
    }
}

} // namespace ml::ui
