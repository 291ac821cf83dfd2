#include "app/ui/mainwindow.h"

#include "app/document/diagnosticsmodel.h"
#include "app/document/document.h"
#include "app/document/mimeformats.h"
#include "app/document/modelfiles.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/codepanel.h"
#include "app/ui/diagnosticspanel.h"
#include "app/ui/forwardwiring.h"
#include "app/ui/importdialog.h"
#include "app/ui/modelchoicedialog.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/palettewidget.h"
#include "app/ui/propertiespanel.h"
#include "app/ui/statusmessage.h"
#include "engine/analysis/runmemory.h"
#include "engine/modelfile.h"
#include "engine/python/importer.h"
#include "app/diagram/diagramview.h"
#include "app/ui/teachingtools.h"
#include "app/classroom/classroommode.h"
#include "app/run/rundocks.h"
#include "app/train/traindocks.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QShowEvent>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUndoView>

#include <algorithm>
#include <memory>
#include <utility>

static void initIconResources()
{
    Q_INIT_RESOURCE(icons);
}

namespace ml::ui {

// Saved dock layouts of another version are ignored (3: the history a tab beside the code).
constexpr int kLayoutVersion = 3;

static QDockWidget* dock(QMainWindow* window, const QString& title, const QString& name, QWidget* content,
                         Qt::DockWidgetArea area)
{
    auto* d = new QDockWidget(title, window);
    d->setObjectName(name);
    d->setWidget(content);
    window->addDockWidget(area, d);
    return d;
}

// Keeps a panel that scrolls only downwards (the run panel, the lessons) at least as wide as its
// contents need, also when the type grows (classroom mode) and after the window shrinks (the
// main window gives the side columns' width away down to their panels' minimum): nothing of it
// is cut off at the right.
class WholeWidth : public QObject {
public:
    explicit WholeWidth(QScrollArea* area)
        : QObject(area)
        , m_area(area)
    {
        area->widget()->installEventFilter(this);
        fit();
    }
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::LayoutRequest || event->type() == QEvent::FontChange || event->type() == QEvent::Resize)
            fit();
        return QObject::eventFilter(watched, event);
    }

private:
    void fit()
    {
        const int width = m_area->widget()->minimumSizeHint().width() + m_area->style()->pixelMetric(QStyle::PM_ScrollBarExtent)
            + 2 * m_area->frameWidth();
        if (m_area->minimumWidth() != width)
            m_area->setMinimumWidth(width);
    }
    QScrollArea* m_area;
};

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_document(new Document(this))
    , m_palette(new PaletteWidget(this))
    , m_tree(new ModuleTreePanel(m_document, this))
    , m_properties(new PropertiesPanel(m_document, this))
    , m_code(new CodePanel(m_document, this))
    , m_diagnostics(new DiagnosticsPanel(m_document, this))
    , m_totals(new QLabel(this))
{
    initIconResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/modulelab.svg")));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    createDocks();
    createMenus();
    m_message = new StatusMessage(statusBar());
    statusBar()->addPermanentWidget(m_totals);
    m_run = new RunDocks(this, m_document, m_tree, static_cast<DiagramView*>(m_diagram), m_viewMenu,
                         [this](const QString& path) { selectPath(path); });
    // The run workbench splits its predictions beside the diagram; by default they wait behind
    // the diagnostics so that the diagram keeps its height.
    if (auto* predictions = findChild<QDockWidget*>(QStringLiteral("predictionsDock")))
        if (auto* diags = findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
            diags && dockWidgetArea(diags) == dockWidgetArea(predictions)) {
            tabifyDockWidget(diags, predictions);
            diags->raise();
        }

    TeachingTools* tools = installTeachingTools(this);
    installTrainDocks(this);
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (auto* scroll = qobject_cast<QScrollArea*>(d->widget());
            scroll && scroll->widget() && scroll->horizontalScrollBarPolicy() == Qt::ScrollBarAlwaysOff)
            new WholeWidth(scroll);
    // The Diagnostics panel grows when messages come and gives the room back when they go.
    const auto diagnosticsChanged = [this] { later(m_fitDiagnosticsPending, [this] { fitDiagnostics(false); }); };
    connect(m_diagnostics->model(), &QAbstractItemModel::rowsInserted, this, diagnosticsChanged);
    connect(m_diagnostics->model(), &QAbstractItemModel::rowsRemoved, this, diagnosticsChanged);
    connect(m_diagnostics->model(), &QAbstractItemModel::modelReset, this, diagnosticsChanged);
    // The panel sharing its place (the predictions) gets its own height when its tab is chosen.
    for (const char* name : {"diagnosticsDock", "predictionsDock"})
        if (auto* d = findChild<QDockWidget*>(QLatin1String(name)))
            connect(d, &QDockWidget::visibilityChanged, this, [this](bool visible) {
                if (visible)
                    QTimer::singleShot(0, this, [this] { fitDiagnostics(false); });
            });
    // Back from classroom mode (once it has restored the layout) at whatever size the window has now.
    connect(tools->classroom(), &ClassroomMode::activeChanged, this, [this](bool on) {
        if (on)
            m_presentedAt = size();
        else if (size() != m_presentedAt) // at the same size the layout comes back as it was
            QTimer::singleShot(0, this, [this] {
                fitTree();
                fitDiagnostics(true);
            });
    });

    connect(m_document, &Document::analysisUpdated, this, &MainWindow::updateStatus);
    connect(m_document->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::filePathChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::documentReset, this, &MainWindow::updateTitle);
    connect(m_document, &Document::documentReset, this, [this] { m_replaceConfirmed.clear(); });
    connect(m_document->treeModel(), &ModuleTreeModel::editRefused, this, &MainWindow::showMessage);
    connect(m_tree, &ModuleTreePanel::currentNodeChanged, this, [this](const QModelIndex& i) {
        m_properties->setCurrent(i);
        static_cast<DiagramView*>(m_diagram)->selectPath(i.data(ModuleTreeModel::DottedPathRole).toString());
    });
    connect(m_palette, &PaletteWidget::insertRequested, this, &MainWindow::insertFromPalette);
    connect(m_diagnostics, &DiagnosticsPanel::pathActivated, this, &MainWindow::selectPath);

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) {
        // The first start: most of the screen, so that the diagram and the tree have room.
        const QRect screen = QGuiApplication::primaryScreen() ? QGuiApplication::primaryScreen()->availableGeometry() : QRect();
        if (screen.isValid())
            resize(screen.size() * 9 / 10);
    }
    m_layoutRestored = restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), kLayoutVersion);
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow()
{
    // The document is a child, destroyed after this object has stopped being a MainWindow: the
    // signals its undo stack sends while it goes must reach no slot of this window or of the
    // panels that ask it for things (the training docks, the teaching tools).
    m_document->undoStack()->disconnect();
    m_document->disconnect();
}

// The default layout: the tree in the middle with the code (and the history behind it) under it,
// the diagram over the diagnostics on the right, the palette over the properties on the left.
void MainWindow::createDocks()
{
    setCentralWidget(m_tree);
    auto* diagram = new DiagramView(this);
    m_diagram = diagram;
    // Zoom to Fit draws a small model whole; one as tall as a ResNet-50 fits the width and
    // scrolls rather than shrinking its 11-pixel labels below half their size.
    diagram->setMinFitZoom(0.5);
    // Rebuilt after every edit; its highlight follows the tree's current node, whose path a move
    // or an insertion before it may have changed.
    // Another model opened starts at its top (its input), not where the last one was scrolled to.
    auto fromTop = std::make_shared<bool>(false);
    auto refreshDiagram = [this, diagram, fromTop] {
        diagram->setModel(m_document->root(), &m_document->analysis());
        const QModelIndex current = m_tree->currentIndex();
        if (current.isValid())
            diagram->selectPath(current.data(ModuleTreeModel::DottedPathRole).toString());
        if (std::exchange(*fromTop, false))
            diagram->verticalScrollBar()->setValue(diagram->verticalScrollBar()->minimum());
    };
    connect(m_document, &Document::analysisUpdated, diagram, refreshDiagram);
    connect(diagram, &DiagramView::pathActivated, this, &MainWindow::selectPath);
    connect(m_document, &Document::documentReset, diagram, [diagram, fromTop] {
        *fromTop = true;
        diagram->fitWidth();
    });
    // Boxes drag like tree rows; a drop on the flow calls the module there (ForwardWiring).
    diagram->setDragData([this](const QString& path) -> QMimeData* {
        const ml::Module* m = m_document->moduleAtDotted(path);
        return m && m->parent() ? modulesMimeData(m_document, {m}) : nullptr;
    });
    diagram->setDropHandler([this](const QMimeData* data, const FlowDrop& drop, bool commit) {
        const ml::Module* container = m_document->moduleAtDotted(drop.container);
        const ml::Module* neighbour = drop.neighbour.isEmpty() ? nullptr : m_document->moduleAtDotted(drop.neighbour);
        if (!container)
            return QStringLiteral("the target no longer exists");
        const QString problem = ForwardWiring(m_document).dropOnFlow(data, indexPathOf(container),
                                                                     neighbour ? container->indexOfChild(neighbour) : -1,
                                                                     drop.after, commit);
        if (commit)
            showMessage(problem.isEmpty() ? QString() : QStringLiteral("Drop refused: %1").arg(problem));
        return problem;
    });
    refreshDiagram();
    auto* diagramDock = dock(this, QStringLiteral("Diagram"), QStringLiteral("diagramDock"), diagram, Qt::RightDockWidgetArea);
    auto* palette = dock(this, QStringLiteral("Layers"), QStringLiteral("paletteDock"), m_palette, Qt::LeftDockWidgetArea);
    auto* props = dock(this, QStringLiteral("Properties"), QStringLiteral("propertiesDock"), m_properties, Qt::LeftDockWidgetArea);
    auto* code = dock(this, QStringLiteral("Code"), QStringLiteral("codeDock"), m_code, Qt::BottomDockWidgetArea);
    auto* diags = dock(this, QStringLiteral("Diagnostics"), QStringLiteral("diagnosticsDock"), m_diagnostics,
                       diagramDock ? Qt::RightDockWidgetArea : Qt::BottomDockWidgetArea);
    auto* undoView = new QUndoView(m_document->undoStack(), this);
    undoView->setEmptyLabel(QStringLiteral("<opened>"));
    auto* history = dock(this, QStringLiteral("History"), QStringLiteral("historyDock"), undoView, Qt::BottomDockWidgetArea);
    // The side columns run the full height; the code and the history sit under the tree.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    splitDockWidget(palette, props, Qt::Vertical);
    // A column of its own would be too narrow for its entries at 1280 pixels.
    tabifyDockWidget(code, history);
    code->raise();
    if (diagramDock)
        splitDockWidget(diagramDock, diags, Qt::Vertical);
    else
        splitDockWidget(code, diags, Qt::Horizontal);
    m_viewMenu = new QMenu(QStringLiteral("&View"), this);
    for (QDockWidget* d : {diagramDock, palette, props, code, diags, history})
        if (d)
            m_viewMenu->addAction(d->toggleViewAction());
}

// Sizes in proportion to the window, once it has its size: a narrow left column, the tree as
// wide as its columns (when the diagram keeps at least 27% of the window), the rest for the
// diagram, a low bottom row.
void MainWindow::sizeDocks()
{
    const auto find = [this](const char* name) { return findChild<QDockWidget*>(QLatin1String(name)); };
    QDockWidget* palette = find("paletteDock");
    QDockWidget* props = find("propertiesDock");
    QDockWidget* code = find("codeDock");
    QDockWidget* diags = find("diagnosticsDock");
    const int w = width();
    const int h = height();
    m_tree->fitColumns(true);
    const int left = std::max(std::clamp(w * 18 / 100, 240, 300), leftColumnLeast());
    resizeDocks({palette}, {left}, Qt::Horizontal);
    if (QDockWidget* diagram = find("diagramDock")) {
        const int separators = 3 * style()->pixelMetric(QStyle::PM_DockWidgetSeparatorExtent, nullptr, this) + 2;
        // On a small screen (1280 pixels) the tree's columns would leave the diagram a strip:
        // the input shapes go (each is the output shape of the row before it, the diagram's
        // arrows and the Properties panel name them; the header's context menu brings them back).
        if (w - left - m_tree->contentWidth() - separators < w * 36 / 100) {
            m_tree->setColumnShown(ModuleTreeModel::InputColumn, false);
            m_inputHiddenForRoom = true;
        }
        // The tree as wide as its columns, the diagram the rest.
        const int rest = w - left - m_tree->contentWidth() - separators;
        resizeDocks({diagram}, {std::clamp(rest, w * 27 / 100, w * 62 / 100)}, Qt::Horizontal);
        // The diagram the column's height but for the diagnostics' rows.
        if (diags)
            resizeDocks({diagram, diags}, {h * 85 / 100, h * 15 / 100}, Qt::Vertical);
    }
    resizeDocks({palette, props}, {h * 50 / 100, h * 50 / 100}, Qt::Vertical);
    resizeDocks({code}, {std::clamp(h * 24 / 100, 150, 260)}, Qt::Vertical);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    fitDiagnostics(true);
}

// How wide a panel that scrolls (the run panel, the Train panel) must be to show its contents
// whole, with room for the scroll bar; 0 for other panels.
static int wholeWidth(const QDockWidget* d)
{
    auto* scroll = qobject_cast<QScrollArea*>(d->widget());
    return scroll && scroll->widget() ? scroll->widget()->minimumSizeHint().width() + 24 : 0;
}

// The left column wide enough for the panels in it (the run panel scrolls only downwards), a
// quarter of the window at most.
int MainWindow::leftColumnLeast() const
{
    int least = 240;
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (dockWidgetArea(d) == Qt::LeftDockWidgetArea)
            if (const int whole = wholeWidth(d); whole > 0)
                least = std::max(least, std::min(whole, width() / 4));
    return least;
}

bool MainWindow::presenting() const
{
    auto* tools = findChild<TeachingTools*>();
    return tools && tools->classroom()->isActive();
}

void MainWindow::later(bool& pending, std::function<void()> what)
{
    if (std::exchange(pending, true))
        return;
    QTimer::singleShot(0, this, [this, &pending, what = std::move(what)] {
        pending = false;
        if (m_docksSized && !presenting())
            what();
    });
}

// A panel the user sees: behind another panel's tab a panel stays visible, moved out of the window.
static bool onShow(const QDockWidget* d)
{
    return d->isVisible() && d->geometry().right() >= 0 && d->geometry().bottom() >= 0;
}

// The first panel on show in the right column other than `except` (the diagram when it is on show).
static QDockWidget* rightColumnDock(QMainWindow* window, const QDockWidget* except)
{
    QDockWidget* found = nullptr;
    for (QDockWidget* d : window->findChildren<QDockWidget*>())
        if (d != except && onShow(d) && !d->isFloating() && window->dockWidgetArea(d) == Qt::RightDockWidgetArea &&
            (!found || d->objectName() == QLatin1String("diagramDock")))
            found = d;
    return found;
}

void MainWindow::fitTree()
{
    if (presenting()) {
        // Classroom mode places the panels; the columns follow their contents, and the panel on
        // show beside the tree (the Train panel while training) gives what they lack.
        m_tree->fitColumns(true);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        const int missing = m_tree->contentWidth() - m_tree->width();
        if (QDockWidget* right = rightColumnDock(this, nullptr); right && missing > 0)
            resizeDocks({right}, {std::max({right->minimumSizeHint().width(), width() * 30 / 100, right->width() - missing})},
                        Qt::Horizontal);
        return;
    }
    if (!m_docksSized)
        return;
    QDockWidget* right = rightColumnDock(this, nullptr);
    if (!right)
        return;
    QHeaderView* header = m_tree->header();
    const int w = width();
    // A panel of the column that scrolls only downwards (the Train panel) keeps its contents
    // whole and its charts readable: 30% of the window at least.
    int least = w * 27 / 100;
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (onShow(d) && !d->isFloating() && dockWidgetArea(d) == Qt::RightDockWidgetArea)
            if (const int whole = wholeWidth(d); whole > 0)
                least = std::max({least, whole, w * 30 / 100});
    const int most = std::max(least, w * 62 / 100);
    const auto settle = [] { QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); };
    settle();
    m_tree->fitColumns(true);
    // What the columns lack (more than zero) or leave empty (less than zero).
    const auto missing = [this] { return m_tree->contentWidth() - m_tree->width(); };
    // The input shapes come back when the diagram keeps over a third of the window beside them.
    if (m_inputHiddenForRoom) {
        constexpr int input = ModuleTreeModel::InputColumn;
        const int inputWidth = std::max(static_cast<QAbstractItemView*>(m_tree)->sizeHintForColumn(input), header->sectionSizeHint(input)) + 6;
        if (right->width() - missing() - inputWidth >= w * 36 / 100) {
            m_inputHiddenForRoom = false;
            m_tree->setColumnShown(input, true);
            m_tree->fitColumns(true);
        }
    }
    if (const int target = std::clamp(right->width() - missing(), least, most); target != right->width()) {
        resizeDocks({right}, {target}, Qt::Horizontal);
        settle();
    }
    if (missing() > 0 && !header->isSectionHidden(ModuleTreeModel::InputColumn)) {
        m_tree->setColumnShown(ModuleTreeModel::InputColumn, false);
        m_inputHiddenForRoom = true;
        settle();
    }
    // What the right column cannot spare, the left one gives (down to what its panels need whole).
    if (missing() > 0)
        for (QDockWidget* d : findChildren<QDockWidget*>())
            if (const int leftLeast = leftColumnLeast(); d->isVisible() && !d->isFloating() &&
                                                         dockWidgetArea(d) == Qt::LeftDockWidgetArea && d->width() > leftLeast) {
                resizeDocks({d}, {std::max(leftLeast, d->width() - missing())}, Qt::Horizontal);
                settle();
                break;
            }
}

void MainWindow::fitDiagnostics(bool force)
{
    auto* diags = findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
    if (!m_docksSized || presenting() || !diags || diags->isFloating() || dockWidgetArea(diags) != Qt::RightDockWidgetArea)
        return;
    // The panel on show in the diagnostics' place: they, or a panel on a tab beside them.
    QDockWidget* shown = onShow(diags) ? diags : nullptr;
    for (QDockWidget* d : tabifiedDockWidgets(diags))
        if (!shown && onShow(d))
            shown = d;
    if (!shown)
        return;
    // The panel above it in the column (the diagram, or the Train panel).
    QDockWidget* above = nullptr;
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (d != shown && onShow(d) && !d->isFloating() && dockWidgetArea(d) == Qt::RightDockWidgetArea &&
            d->geometry().bottom() < shown->geometry().top() && (!above || d->geometry().bottom() > above->geometry().bottom()))
            above = d;
    if (!above)
        return;
    const int column = above->height() + shown->height();
    const int chrome = shown->height() - shown->widget()->height();
    const int rows = m_diagnostics->model()->rowCount();
    int wanted = 0;
    if (shown != diags) {
        // Another panel (the predictions): a third of the column or what it asks for, never less
        // than it has now.
        wanted = std::clamp(shown->widget()->sizeHint().height() + chrome, column / 3, column * 3 / 5);
        if (shown->height() >= wanted)
            return;
    } else if (rows == 0) {
        // Nothing to say: the title and the column headers, the rest for the panel above.
        wanted = diags->minimumSizeHint().height();
        if (!force && m_diagnosticsSizedRows == 0)
            return;
    } else {
        m_diagnostics->fitColumns();
        m_diagnostics->view()->resizeRowsToContents();
        const int least = diags->minimumSizeHint().height() + 3 * m_diagnostics->view()->fontMetrics().lineSpacing();
        wanted = std::clamp(m_diagnostics->fittingHeight() + chrome, least, std::max(least, column / 3));
        // New messages make it grow; it is not shrunk under the user's hands while it has some.
        if (!force && m_diagnosticsSizedRows > 0 && diags->height() >= wanted)
            return;
    }
    if (shown == diags)
        m_diagnosticsSizedRows = rows;
    // The sizes given include the tabs under the panels tabbed together: what they take is added.
    int asked = wanted;
    for (int pass = 0; pass < 2; ++pass) {
        resizeDocks({above, shown}, {column - asked, asked}, Qt::Vertical);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        if (shown->height() >= wanted)
            break;
        asked += wanted - shown->height();
    }
}

void MainWindow::resizeEvent(QResizeEvent* event)
{
    QMainWindow::resizeEvent(event);
    if (!m_docksSized)
        return;
    if (auto* tools = findChild<TeachingTools*>(); tools && tools->classroom()->isActive()) {
        tools->classroom()->arrangeLater(); // the presentation arranges itself for the new size
        return;
    }
    later(m_fitTreePending, [this] { fitTree(); });
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (std::exchange(m_docksSized, true))
        return;
    if (!m_layoutRestored) {
        sizeDocks();
        // Again once the shown widgets are polished and laid out: the tree's columns measure
        // their contents in the style and fonts they are drawn with.
        QTimer::singleShot(0, this, [this] {
            // Classroom mode, switched on as the window opened, arranges the panels itself.
            if (auto* tools = findChild<TeachingTools*>(); tools && tools->classroom()->isActive())
                return;
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            sizeDocks();
            if (auto* tools = findChild<TeachingTools*>()) // a lesson open from the start keeps its room
                tools->fitLessonsLater();
        });
    }
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
    file->addAction(QStringLiteral("&New"), QKeySequence::New, this, &MainWindow::newDocument);
    file->addAction(QStringLiteral("&Open…"), QKeySequence::Open, this, &MainWindow::open);
    m_recentMenu = file->addMenu(QStringLiteral("Open &Recent"));
    QMenu* examples = file->addMenu(QStringLiteral("&Examples"));
    for (const QString& name : QDir(QStringLiteral(":/examples")).entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name))
        examples->addAction(name, this, [this, name] {
            if (maybeSave())
                openFile(QStringLiteral(":/examples/") + name);
        });
    file->addAction(QStringLiteral("&Import PyTorch Code…"), QKeySequence(QStringLiteral("Ctrl+I")), this, &MainWindow::importCode);
    file->addSeparator();
    file->addAction(QStringLiteral("&Save"), QKeySequence::Save, this, &MainWindow::save);
    // QKeySequence::SaveAs is empty on some desktops: Ctrl+Shift+S everywhere.
    file->addAction(QStringLiteral("Save &As…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), this, &MainWindow::saveAs);
    file->addAction(QStringLiteral("Export &Diagram…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export diagram"), QString(),
                                                          QStringLiteral("PNG image (*.png);;SVG image (*.svg)"));
        QString error;
        if (!path.isEmpty() && !static_cast<DiagramView*>(m_diagram)->exportImage(path, &error))
            showError(error);
    });
    file->addSeparator();
    file->addAction(QStringLiteral("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);

    QMenu* edit = menuBar()->addMenu(QStringLiteral("&Edit"));
    QAction* undo = m_document->undoStack()->createUndoAction(this);
    undo->setShortcuts(QKeySequence::Undo);
    QAction* redo = m_document->undoStack()->createRedoAction(this);
    redo->setShortcuts(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(QStringLiteral("Cu&t"), QKeySequence::Cut, this, [this] { copySelection(true); });
    edit->addAction(QStringLiteral("&Copy"), QKeySequence::Copy, this, [this] { copySelection(false); });
    edit->addAction(QStringLiteral("&Paste"), QKeySequence::Paste, this, &MainWindow::paste);
    edit->addAction(QStringLiteral("D&uplicate"), QKeySequence(QStringLiteral("Ctrl+D")), this, [this] {
        showMessage(ModuleEditor(m_document).duplicate(m_tree->selectedPaths()));
    });
    QAction* del = edit->addAction(QStringLiteral("&Delete"), this, [this] {
        showMessage(ModuleEditor(m_document).remove(m_tree->selectedPaths()));
    });
    del->setShortcut(QKeySequence::Delete);
    del->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_tree->addAction(del);
    edit->addAction(QStringLiteral("&Rename"), QKeySequence(Qt::Key_F2), this, [this] {
        m_tree->edit(m_tree->currentIndex().siblingAtColumn(ModuleTreeModel::NameColumn));
    });
    menuBar()->addMenu(m_viewMenu);
    auto* diagram = static_cast<DiagramView*>(m_diagram);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(QStringLiteral("Zoom &In"), QKeySequence::ZoomIn, diagram, &DiagramView::zoomIn);
    m_viewMenu->addAction(QStringLiteral("Zoom &Out"), QKeySequence::ZoomOut, diagram, &DiagramView::zoomOut);
    m_viewMenu->addAction(QStringLiteral("Zoom to &Fit"), diagram, &DiagramView::zoomToFit);
}

void MainWindow::insertFromPalette(const QString& typeName)
{
    bool valid = false;
    const IndexPath current = m_tree->currentPath(&valid);
    IndexPath parent;
    int index = 0;
    ModuleEditor editor(m_document);
    editor.insertionPoint(valid ? &current : nullptr, parent, index);
    const QString problem = editor.insertNew(typeName, parent, index);
    if (!problem.isEmpty()) {
        showMessage(QStringLiteral("Cannot insert %1: %2").arg(typeName, problem));
        return;
    }
    const QModelIndex inserted = m_document->treeModel()->indexOf(m_document->moduleAt(parent)->child(index));
    m_tree->setCurrentIndex(inserted);
}

bool MainWindow::selectPath(const QString& dottedPath)
{
    if (!m_document->moduleAtDotted(dottedPath))
        return false;
    m_tree->selectDottedPath(dottedPath);
    return true;
}

void MainWindow::copySelection(bool cut)
{
    std::vector<const ml::Module*> modules;
    for (const IndexPath& p : m_tree->selectedPaths())
        if (!p.empty())
            modules.push_back(m_document->moduleAt(p));
    if (modules.empty()) {
        showMessage(QStringLiteral("Select modules inside the model to copy them"));
        return;
    }
    QApplication::clipboard()->setMimeData(modulesMimeData(m_document, modules));
    if (cut)
        showMessage(ModuleEditor(m_document).remove(m_tree->selectedPaths()));
}

void MainWindow::paste()
{
    const QMimeData* data = QApplication::clipboard()->mimeData();
    if (!data || !data->hasFormat(kModulesMimeType)) {
        showMessage(QStringLiteral("The clipboard holds no modules"));
        return;
    }
    bool valid = false;
    const IndexPath current = m_tree->currentPath(&valid);
    IndexPath parent;
    int index = 0;
    ModuleEditor editor(m_document);
    editor.insertionPoint(valid ? &current : nullptr, parent, index);
    showMessage(editor.insertModules(decodeModules(data), parent, index, QStringLiteral("Paste")));
}

// What Python code can build, as the engine lists it; empty for projects and for code the
// engine cannot list (loading it then says why).
static std::vector<ml::python::ModelChoice> pythonChoices(const QString& path, const QByteArray& text)
{
    if (!path.endsWith(QStringLiteral(".py"), Qt::CaseInsensitive))
        return {};
    auto listed = ml::python::listModelChoices(std::string_view(text.constData(), static_cast<size_t>(text.size())),
                                               path.toStdString());
    auto* choices = std::get_if<std::vector<ml::python::ModelChoice>>(&listed);
    return choices ? std::move(*choices) : std::vector<ml::python::ModelChoice>{};
}

// Which of the code's models, classes or factories to build, with which arguments; a failed
// try is said in the dialog, which stays open. False when the user cancels.
bool MainWindow::chooseModel(const QString& path, const QByteArray& text, bool imported,
                             std::vector<ml::python::ModelChoice> choices, QString& error)
{
    ModelChoiceDialog dialog(path, std::move(choices), QString(), this);
    while (dialog.exec() == QDialog::Accepted) {
        const ml::python::ImportOptions chosen = dialog.options();
        if (m_document->loadText(text, path, &error, ml::ModelLoadOptions{chosen.className, chosen.args}, nullptr, imported))
            return true;
        dialog.showError(error);
    }
    error = QStringLiteral("Nothing was opened: no model of %1 was chosen").arg(QFileInfo(path).fileName());
    return false;
}

// Python code that creates several models, or none by itself, asks which to build; `asked` says
// whether the dialog was shown (it has said what went wrong).
bool MainWindow::buildModel(const QString& path, const QByteArray& text, bool imported, QString& error, bool& asked)
{
    std::vector<ml::python::ModelChoice> choices = m_quiet ? std::vector<ml::python::ModelChoice>{} : pythonChoices(path, text);
    const auto models = std::count_if(choices.begin(), choices.end(),
                                      [](const auto& c) { return c.kind == ml::python::ModelChoice::Kind::Variable; });
    asked = models > 1;
    if (!asked) {
        bool needsChoice = false;
        if (m_document->loadText(text, path, &error, {}, &needsChoice, imported))
            return true;
        asked = needsChoice && !choices.empty();
    }
    return asked && chooseModel(path, text, imported, std::move(choices), error);
}

bool MainWindow::openFile(const QString& path, QString* errorOut)
{
    QString error;
    bool asked = false;
    // The file is read once: its text is listed for models to choose from and built.
    auto source = readModelSource(path);
    if (auto* err = std::get_if<ml::ParseError>(&source))
        error = QString::fromStdString(err->toString());
    else if (buildModel(path, std::get<QByteArray>(source), false, error, asked)) {
        if (!path.startsWith(QLatin1Char(':')))
            addRecentFile(QFileInfo(path).absoluteFilePath());
        showMessage(QStringLiteral("Opened %1").arg(QFileInfo(path).fileName()));
        m_run->modelOpened();
        return true;
    }
    if (asked)
        showMessage(error); // the dialog said the rest
    else
        showError(error);
    if (errorOut)
        *errorOut = error;
    return false;
}

bool MainWindow::openFileAsking(const QString& path)
{
    return maybeSave() && openFile(path);
}

void MainWindow::newDocument()
{
    if (!maybeSave())
        return;
    auto root = createPaletteModule(QStringLiteral("Module"));
    static_cast<ml::CustomModule*>(root.get())->setClassName("Net");
    m_document->reset(std::move(root), ml::Shape{1, 1, 28, 28}, QString());
}

void MainWindow::open()
{
    if (!maybeSave())
        return;
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open model"), QString(),
                                                      QStringLiteral("Models (*.mlab *.py);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::importCode()
{
    if (!maybeSave())
        return;
    ImportDialog dialog(this);
    while (dialog.exec() == QDialog::Accepted) {
        // Code that needs a choice asks as File > Open does; cancelling it returns here.
        QString error;
        bool asked = false;
        if (buildModel(dialog.fileName(), dialog.code().toUtf8(), true, error, asked)) {
            showMessage(QStringLiteral("Imported %1").arg(dialog.fileName()));
            return;
        }
        dialog.showError(error);
    }
}

bool MainWindow::save()
{
    if (m_document->filePath().isEmpty())
        return saveAs();
    // The user's own Python code is never replaced without asking: generated code keeps the
    // model, not the file's comments, loops and helpers.
    const QString path = m_document->filePath();
    if (QFileInfo(path).suffix().compare(QLatin1String("py"), Qt::CaseInsensitive) == 0 && path != m_replaceConfirmed)
        return saveOverPython(path);
    return saveTo(path);
}

bool MainWindow::saveOverPython(const QString& path)
{
    const QString name = QFileInfo(path).fileName();
    if (m_quiet) {
        showMessage(QStringLiteral("Not saved: %1 is Python code; save the model as a project (.mlab) with Save As").arg(name));
        return false;
    }
    QMessageBox box(QMessageBox::Question, QStringLiteral("Save %1").arg(name),
                    QStringLiteral("%1 is Python code. ModuleLab can save the model as a project (.mlab) and leave %1 "
                                   "as it is, or replace %1 with code it generates from the model.")
                        .arg(name),
                    QMessageBox::NoButton, this);
    box.setInformativeText(QStringLiteral("Generated code keeps the model's layers, their arguments and forward(), but not "
                                          "the file's comments, loops, helper methods or anything else it held."));
    QPushButton* project = box.addButton(QStringLiteral("Save as Project…"), QMessageBox::AcceptRole);
    QPushButton* replace = box.addButton(QStringLiteral("Replace %1").arg(name), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(project);
    box.exec();
    if (box.clickedButton() == project) {
        const QFileInfo info(path);
        QString target = QFileDialog::getSaveFileName(this, QStringLiteral("Save project"),
                                                      info.dir().filePath(info.completeBaseName() + QStringLiteral(".mlab")),
                                                      QStringLiteral("ModuleLab project (*.mlab)"));
        if (target.isEmpty())
            return false;
        if (QFileInfo(target).suffix().isEmpty())
            target += QStringLiteral(".mlab");
        if (QFileInfo(target).suffix().compare(QLatin1String("py"), Qt::CaseInsensitive) == 0) {
            showError(QStringLiteral("A project is saved as .mlab: %1 is not written").arg(QFileInfo(target).fileName()));
            return false;
        }
        return saveTo(target);
    }
    if (box.clickedButton() != replace)
        return false;
    if (!saveTo(path))
        return false;
    m_replaceConfirmed = path; // it holds generated code now: later saves need not ask
    return true;
}

bool MainWindow::saveTo(const QString& path)
{
    QString error;
    QString note;
    if (!m_document->save(path, &error, &note)) {
        showError(error);
        return false;
    }
    addRecentFile(QFileInfo(path).absoluteFilePath());
    showMessage(note.isEmpty() ? QStringLiteral("Saved %1").arg(path) : QStringLiteral("Saved %1; %2").arg(path, note));
    return true;
}

bool MainWindow::saveAs()
{
    QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save model"), m_document->filePath(),
                                                QStringLiteral("ModuleLab project (*.mlab);;PyTorch code (*.py)"));
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".mlab");
    return saveTo(path);
}

bool MainWindow::maybeSave()
{
    if (m_document->undoStack()->isClean() || m_quiet)
        return true;
    const auto answer = QMessageBox::warning(this, QStringLiteral("Unsaved changes"),
                                             QStringLiteral("The model has unsaved changes. Save them first?"),
                                             QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
        return save();
    return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (!m_quiet) {
        // The window as it is outside classroom mode is the one to come back to.
        if (auto* tools = findChild<TeachingTools*>(); tools && tools->classroom()->isActive())
            tools->classroom()->setActive(false);
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
        settings.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
    }
    event->accept();
}

void MainWindow::addRecentFile(const QString& path)
{
    if (m_quiet)
        return;
    QSettings settings;
    QStringList files = settings.value(QStringLiteral("recentFiles")).toStringList();
    files.removeAll(path);
    files.prepend(path);
    settings.setValue(QStringLiteral("recentFiles"), files.mid(0, 10));
}

void MainWindow::fillRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (const QString& f : files)
        m_recentMenu->addAction(f, this, [this, f] {
            if (maybeSave())
                openFile(f);
        });
    if (files.isEmpty())
        m_recentMenu->addAction(QStringLiteral("(none)"))->setEnabled(false);
}

void MainWindow::updateStatus()
{
    const auto& t = m_document->totals();
    const auto fmt = [](int64_t v) { return QString::fromStdString(ml::withThousands(v)); };
    const ml::Analysis& analysis = m_document->analysis();
    // Short enough for classroom mode's large type at 1280 pixels: trainable only when it differs.
    const QString params = t.trainableParams == t.totalParams
                               ? QStringLiteral("Params %1").arg(fmt(t.totalParams))
                               : QStringLiteral("Params %1 (%2 trainable)").arg(fmt(t.totalParams), fmt(t.trainableParams));
    m_totals->setText(QStringLiteral("Output %1 · %2 · %3 · Mult-adds %4")
                          .arg(analysis.outputs.empty() ? QStringLiteral("—") : QString::fromStdString(analysis.outputText()), params,
                               QString::fromStdString(ml::byteSize(t.paramsBytes)), fmt(t.totalMultAdds)));
}

void MainWindow::updateTitle()
{
    const QString name = m_document->displayName();
    setWindowTitle(QStringLiteral("%1[*] — ModuleLab").arg(name.isEmpty() ? QStringLiteral("untitled") : name));
    setWindowModified(!m_document->undoStack()->isClean());
}

void MainWindow::showMessage(const QString& text)
{
    if (!text.isEmpty())
        statusBar()->showMessage(text, 8000);
}

void MainWindow::showError(const QString& text)
{
    showMessage(text);
    if (!m_quiet)
        QMessageBox::warning(this, QStringLiteral("ModuleLab"), text);
}

} // namespace ml::ui
