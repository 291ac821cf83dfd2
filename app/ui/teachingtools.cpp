#include "app/ui/teachingtools.h"


#include "app/classroom/classroommode.h"
#include "app/compare/compareview.h"
#include "app/compare/concepttablewidget.h"
#include "app/compare/slideexport.h"
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/modelfiles.h"
#include "app/document/summaryexport.h"
#include "app/lessons/lessonplayer.h"
#include "app/ui/mainwindow.h"
#include "engine/analysis/concepts.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDockWidget>
#include <QEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

namespace {

QMenu* findMenu(QMainWindow* w, const QString& title)
{
    for (QAction* a : w->menuBar()->actions())
        if (a->menu() && a->text() == title)
            return a->menu();
    return nullptr;
}

QAction* findByShortcut(QMenu* menu, const QKeySequence& key)
{
    if (menu)
        for (QAction* a : menu->actions())
            if (a->shortcuts().contains(key))
                return a;
    return nullptr;
}

} // namespace

TeachingTools::TeachingTools(MainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_classroom(new ClassroomMode(window))
    , m_player(new LessonPlayer(window))
    , m_lessonsDock(new QDockWidget(QStringLiteral("Lessons"), window))
{
    setObjectName(QStringLiteral("teachingTools"));
    QList<QDockWidget*> editing;
    for (const char* name : {"paletteDock", "propertiesDock", "historyDock"})
        if (auto* d = window->findChild<QDockWidget*>(QString::fromLatin1(name)))
            editing << d;
    m_classroom->setEditingDocks(editing);
    m_diagram = window->findChild<DiagramView*>();
    m_classroom->addDiagram(m_diagram);

    m_player->setLessons(builtinLessons());
    m_lessonsDock->setObjectName(QStringLiteral("lessonsDock"));
    // In a scroll area: the lesson's text asks for the height it needs, and the window must
    // still fit a 1280x720 screen.
    auto* scroll = new QScrollArea(m_lessonsDock);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidget(m_player);
    m_lessonsDock->setWidget(scroll);
    window->addDockWidget(Qt::LeftDockWidgetArea, m_lessonsDock);
    // A tab beside the palette: a third panel in the left column would not fit 720 pixels.
    if (auto* palette = window->findChild<QDockWidget*>(QStringLiteral("paletteDock")))
        window->tabifyDockWidget(palette, m_lessonsDock);
    m_lessonsDock->hide();
    // A lesson's model replaces the open one only after asking about unsaved changes.
    connect(m_player, &LessonPlayer::openRequested, window, [window](const QString& path) { window->openFileAsking(path); });
    connect(m_player, &LessonPlayer::selectRequested, window, &MainWindow::selectPath);
    connect(m_player, &LessonPlayer::stepShown, this, [this] {
        if (m_lessonsDock->isVisible())
            fitLessonsLater();
    });
    connect(m_player, &LessonPlayer::compareRequested, this, &TeachingTools::showCompare);
    installMenus();
}

void TeachingTools::installMenus()
{
    QMainWindow* w = m_window;
    if (QMenu* file = findMenu(w, QStringLiteral("&File"))) {
        QAction* quit = findByShortcut(file, QKeySequence::Quit);
        auto* compare = new QAction(QStringLiteral("Co&mpare Models…"), this);
        compare->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+M")));
        connect(compare, &QAction::triggered, this, [this] { showCompare({}, {}); });
        auto* slides = new QAction(QStringLiteral("Export Diagram for S&lides…"), this);
        connect(slides, &QAction::triggered, this, [this] {
            const QString path = QFileDialog::getSaveFileName(m_window, QStringLiteral("Export diagram"), QString(), slideImageFilter());
            if (const QString e = path.isEmpty() ? QString() : exportDiagram(path); !e.isEmpty())
                QMessageBox::warning(m_window, QStringLiteral("Export"), e);
        });
        auto* summary = new QAction(QStringLiteral("Export Su&mmary…"), this);
        connect(summary, &QAction::triggered, this, [this] {
            const QString path = QFileDialog::getSaveFileName(m_window, QStringLiteral("Export summary"), QString(),
                                                              QStringLiteral("Markdown (*.md);;CSV (*.csv)"));
            if (const QString e = path.isEmpty() ? QString() : exportSummary(path); !e.isEmpty())
                QMessageBox::warning(m_window, QStringLiteral("Export"), e);
        });
        file->insertActions(quit, {compare, slides, summary});
        file->insertSeparator(quit);
    }

    QMenu* view = findMenu(w, QStringLiteral("&View"));
    if (!view)
        view = w->menuBar()->addMenu(QStringLiteral("&View"));
    view->addSeparator();
    view->addAction(m_classroom->toggleAction());
    // The window's own zoom actions zoom the diagram; with Ctrl+= as well, they scale the
    // type in classroom mode. Without them, classroom mode brings its own.
    QAction* zoomIn = findByShortcut(view, QKeySequence::ZoomIn);
    QAction* zoomOut = findByShortcut(view, QKeySequence::ZoomOut);
    if (zoomIn && zoomOut) {
        zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(QStringLiteral("Ctrl+="))});
        connect(zoomIn, &QAction::triggered, m_classroom, [this] { m_classroom->scaleType(true); });
        connect(zoomOut, &QAction::triggered, m_classroom, [this] { m_classroom->scaleType(false); });
    } else {
        auto* in = view->addAction(QStringLiteral("Zoom &In"), m_classroom, &ClassroomMode::zoomIn);
        in->setShortcuts({QKeySequence::ZoomIn, QKeySequence(QStringLiteral("Ctrl+="))});
        view->addAction(QStringLiteral("Zoom &Out"), m_classroom, &ClassroomMode::zoomOut)->setShortcut(QKeySequence::ZoomOut);
    }
    view->addAction(QStringLiteral("&Reset Zoom"), m_classroom, &ClassroomMode::resetZoom)
        ->setShortcut(QKeySequence(QStringLiteral("Ctrl+0")));
    view->addAction(m_lessonsDock->toggleViewAction());

    QMenu* help = findMenu(w, QStringLiteral("&Help"));
    if (!help)
        help = w->menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("&Lessons"), this, &TeachingTools::showLessons)->setShortcut(QKeySequence(Qt::Key_F1));
    help->addAction(QStringLiteral("&Container Concepts…"), this, &TeachingTools::showConcepts);
}

void TeachingTools::showLessons()
{
    m_lessonsDock->show();
    m_lessonsDock->raise();
    if (m_player->lessonIndex() < 0 && !m_player->lessons().empty())
        m_player->startLesson(0);
    fitLessonsLater();
}

// Once the panel has its width: the lesson's title, text and its Back and Next buttons without
// scrolling, and the properties under it the rest of the column.
void TeachingTools::fitLessonsLater()
{
    QTimer::singleShot(0, this, [this] { fitLessons(); });
}

// The Lessons panel as high as the step needs (its title and whole text, the counter and the
// buttons), the Properties panel under it the rest: a short step leaves no empty room above a
// cramped forward editor. A step too long for 60% of the column scrolls its text and widens the
// panel, up to 36% of the window (also in classroom mode's large type, where the column is the
// lessons' alone).
void TeachingTools::fitLessons()
{
    if (!m_lessonsDock->isVisible() || m_lessonsDock->isFloating())
        return;
    auto* scroll = qobject_cast<QScrollArea*>(m_lessonsDock->widget());
    // A new minimum height travels up through the text's view, the player, its scroll area
    // and the dock, one layout request at a time.
    const auto settle = [] {
        for (int round = 0; round < 4; ++round)
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    };
    const auto overflow = [this, scroll, &settle] {
        settle();
        return (scroll ? scroll->verticalScrollBar()->maximum() : 0) + m_player->hiddenTextHeight();
    };
    auto* props = m_window->findChild<QDockWidget*>(QStringLiteral("propertiesDock"));
    const bool sharing = scroll && props && props->isVisible() && !props->isFloating() &&
                         m_window->dockWidgetArea(props) == m_window->dockWidgetArea(m_lessonsDock);
    // False when the step needs more than 60% of the column.
    const auto fitHeight = [&] {
        settle();
        const int column = m_lessonsDock->height() + props->height();
        const int chrome = m_lessonsDock->height() - scroll->viewport()->height();
        const int needed = chrome + std::max(m_player->wantedHeight(), m_player->minimumSizeHint().height());
        const int wanted = std::min(needed, column * 60 / 100);
        // The sizes given include the tabs under the panels tabbed together: what they take is added.
        int asked = wanted;
        for (int pass = 0; pass < 3 && (m_lessonsDock->height() < wanted || m_lessonsDock->height() > wanted + 2); ++pass) {
            m_window->resizeDocks({m_lessonsDock, props}, {asked, column - asked}, Qt::Vertical);
            settle();
            asked += wanted - m_lessonsDock->height();
        }
        return needed <= wanted;
    };
    if (!sharing || !fitHeight()) {
        const int widest = m_window->width() * 36 / 100;
        for (int tries = 0; tries < 12 && overflow() > 0 && m_lessonsDock->width() < widest; ++tries)
            m_window->resizeDocks({m_lessonsDock}, {std::min(widest, m_lessonsDock->width() + 24)}, Qt::Horizontal);
        if (sharing) // the wider text is shorter
            fitHeight();
    }
    // The diagram in classroom mode fits the width it has now.
    if (m_classroom->isActive())
        m_classroom->arrangeLater();
}

CompareView* TeachingTools::compareView()
{
    if (m_compare)
        return m_compare;
    auto* window = new QWidget(m_window, Qt::Window);
    window->setObjectName(QStringLiteral("compareWindow"));
    window->setWindowTitle(QStringLiteral("Compare Models — ModuleLab"));
    window->setAttribute(Qt::WA_DeleteOnClose, false);
    auto* layout = new QVBoxLayout(window);
    layout->setContentsMargins(0, 0, 0, 0);
    m_compare = new CompareView(window);
    layout->addWidget(m_compare);
    window->resize(1280, 800);
    m_compareWindow = window;
    Document* doc = m_window->document();
    m_compare->setDocumentSource([doc](ml::Shape& input, QString& label) -> std::unique_ptr<ml::Module> {
        if (!doc->root())
            return nullptr;
        input = doc->inputShape();
        label = doc->filePath().isEmpty() ? QStringLiteral("document") : QFileInfo(doc->filePath()).fileName();
        return doc->root()->clone();
    });
    m_classroom->addDiagram(m_compare->diagram(0));
    m_classroom->addDiagram(m_compare->diagram(1));
    return m_compare;
}

void TeachingTools::showCompare(const QString& pathA, const QString& pathB, const QString& tab)
{
    CompareView* view = compareView();
    QString error;
    for (int side = 0; side < 2; ++side) {
        const QString& p = side == 0 ? pathA : pathB;
        if (!p.isEmpty() && !view->loadSide(side, p, &error))
            QMessageBox::warning(m_window, QStringLiteral("Compare models"), error);
    }
    for (int i = 0; !tab.isEmpty() && i < view->tabs()->count(); ++i)
        if (view->tabs()->tabText(i) == tab)
            view->tabs()->setCurrentIndex(i);
    m_compareWindow->show();
    m_compareWindow->raise();
}

void TeachingTools::showConcepts()
{
    // The open document plus one shipped example of each container kind, traced live.
    struct Source {
        std::unique_ptr<ml::Module> root;
        ml::Shape input;
        std::string label;
    };
    std::vector<Source> sources;
    Document* doc = m_window->document();
    if (doc->root())
        sources.push_back({doc->root()->clone(), doc->inputShape(), "document"});
    for (const char* name : {"net_sequential_fixed.py", "net_modulelist_fixed.py", "net_moduledict.py", "net_plainlist.py"}) {
        auto r = readModelFile(QStringLiteral(":/examples/") + QLatin1String(name));
        if (auto* m = std::get_if<LoadedModel>(&r); m && m->root)
            sources.push_back({std::move(m->root), m->inputShape.value_or(ml::Shape{1, 1, 28, 28}), name});
    }
    std::vector<ml::ContainerFacts> facts;
    for (const Source& s : sources) {
        auto f = ml::containerFacts(*s.root, ml::traceExecution(*s.root, s.input), s.label);
        facts.insert(facts.end(), f.begin(), f.end());
    }
    QDialog dialog(m_window);
    dialog.setWindowTitle(QStringLiteral("Container concepts, read from the models"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* table = new ConceptTableWidget(&dialog);
    table->setFacts(facts);
    layout->addWidget(table);
    dialog.resize(900, 420);
    dialog.exec();
}

QString TeachingTools::exportDiagram(const QString& path)
{
    return m_diagram ? exportScene(m_diagram->scene(), path) : QStringLiteral("No diagram to export");
}

QString TeachingTools::exportSummary(const QString& path)
{
    Document* doc = m_window->document();
    if (!doc->root())
        return QStringLiteral("No model to summarise");
    return writeSummary(path, *doc->root(), doc->inputShape(), doc->analysis());
}

TeachingTools* installTeachingTools(MainWindow* window) { return new TeachingTools(window); }

} // namespace ml::ui

