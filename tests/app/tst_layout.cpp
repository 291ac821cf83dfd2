// The main window's default layout at the sizes classrooms and desks have (1280x720,
// 1920x1080): the tree shows every column whole without scrolling sideways, the diagram keeps a
// readable width, no panel title is cut; the window's size and layout come back on the next start.
#include "app/document/moduletreemodel.h"
#include "app/lessons/lessonplayer.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QDockWidget>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace ml::ui;

class TestLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("ModuleLabLayoutTest"));
        QApplication::setApplicationName(QStringLiteral("ModuleLabLayoutTest"));
        QSettings().clear();
    }
    void cleanupTestCase() { QSettings().clear(); }

    void defaultLayoutFits_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QString>("file");
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            for (const char* file : {"net_modulelist_fixed.py", "net_modulelist.py", "net_sequential_fixed.py", "fashion_cnn.mlab"})
                QTest::addRow("%dx%d %s", size.width(), size.height(), file) << size << QString::fromLatin1(file);
    }
    void defaultLayoutFits()
    {
        QFETCH(QSize, size);
        QFETCH(QString, file);
        MainWindow window;
        window.setQuiet(true);
        window.resize(size);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/") + file));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // Shapes arrive from the analysis after the window shows: wait for the columns to settle.
        ModuleTreePanel* tree = window.treePanel();
        QHeaderView* header = tree->header();
        auto columnsFit = [&]() -> QString {
            for (int c = 0; c < header->count(); ++c) {
                if (header->isSectionHidden(c))
                    continue;
                const int needed = static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c);
                if (header->sectionSize(c) < needed)
                    return QStringLiteral("column %1 is %2 wide, its contents %3").arg(c).arg(header->sectionSize(c)).arg(needed);
            }
            if (header->length() > tree->viewport()->width())
                return QStringLiteral("columns %1 in a view of %2").arg(header->length()).arg(tree->viewport()->width());
            if (tree->horizontalScrollBar()->maximum() != 0)
                return QStringLiteral("the tree scrolls sideways by %1").arg(tree->horizontalScrollBar()->maximum());
            return {};
        };
        QTRY_VERIFY_WITH_TIMEOUT(columnsFit().isEmpty(), 15000);
        // Only the input shapes may give way, and only on the small screen.
        for (int c = 0; c < header->count(); ++c)
            QVERIFY2(!header->isSectionHidden(c) || (c == ModuleTreeModel::InputColumn && size.width() < 1600),
                     qPrintable(QStringLiteral("column %1 is hidden").arg(c)));
        QVERIFY2(columnsFit().isEmpty(), qPrintable(columnsFit()));
        auto* diagram = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        // The diagram has the room the tree does not need: over a third of 1280 pixels, half of 1920.
        QTRY_VERIFY_WITH_TIMEOUT(diagram->width() >= size.width() * (size.width() < 1600 ? 35 : 48) / 100, 15000);
        QVERIFY2(diagram->width() >= size.width() * (size.width() < 1600 ? 35 : 48) / 100,
                 qPrintable(QStringLiteral("the diagram is %1 of %2 pixels").arg(diagram->width()).arg(size.width())));
        // Every visible panel's title fits its title bar (tabbed panels show theirs on tabs).
        for (QDockWidget* d : window.findChildren<QDockWidget*>()) {
            if (!d->isVisible() || !window.tabifiedDockWidgets(d).isEmpty())
                continue;
            QVERIFY2(d->fontMetrics().horizontalAdvance(d->windowTitle()) + 60 <= d->width(),
                     qPrintable(QStringLiteral("%1 is %2 wide").arg(d->windowTitle()).arg(d->width())));
        }
    }

    // The Lessons panel opens as a tab beside the palette: the window still fits a 1280x720
    // screen (it never grows past it) and the tree keeps every column whole.
    void lessonsFitTheScreen()
    {
        QSettings().clear();
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* tools = window.findChild<TeachingTools*>();
        tools->showLessons();
        QTest::qWait(50);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QVERIFY(tools->lessonsDock()->isVisible());
        QVERIFY2(window.minimumSizeHint().height() <= 720 && window.minimumSizeHint().width() <= 1280,
                 qPrintable(QStringLiteral("%1x%2").arg(window.minimumSizeHint().width()).arg(window.minimumSizeHint().height())));
        QCOMPARE(window.size(), QSize(1280, 720));
        auto* tree = window.treePanel();
        QTRY_COMPARE(tree->horizontalScrollBar()->maximum(), 0);
        // The lesson's text and its Back and Next buttons without scrolling.
        auto* scroll = qobject_cast<QScrollArea*>(tools->lessonsDock()->widget());
        QVERIFY(scroll);
        QTRY_COMPARE(scroll->verticalScrollBar()->maximum(), 0);
        // A step longer than the panel (the last of "Find the bug"): its text scrolls, the
        // counter and the Back and Next buttons stay whole in view.
        LessonPlayer* player = tools->lessonPlayer();
        player->startLesson(5);
        player->goToStep(static_cast<int>(player->lessons()[5].steps.size()) - 1);
        QTest::qWait(50);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCOMPARE(window.size(), QSize(1280, 720));
        for (QWidget* w : {static_cast<QWidget*>(player->backButton()), static_cast<QWidget*>(player->nextButton())})
            QTRY_VERIFY2(w->isVisible() && w->visibleRegion().boundingRect() == w->rect(),
                         qPrintable(QStringLiteral("'%1' shows %2 of %3 px").arg(static_cast<QPushButton*>(w)->text())
                                        .arg(w->visibleRegion().boundingRect().height()).arg(w->height())));
        QCOMPARE(player->nextButton()->text(), QStringLiteral("Next lesson ▶"));
    }

    // Size, panel layout and column widths are remembered between runs; classroom mode is not.
    void sizeAndLayoutRemembered()
    {
        QSettings().clear();
        {
            MainWindow first;
            first.resize(1100, 700);
            first.show();
            QVERIFY(QTest::qWaitForWindowExposed(&first));
            auto* code = first.findChild<QDockWidget*>(QStringLiteral("codeDock"));
            code->hide();
            QTest::qWait(20);
            QVERIFY(first.close());
        }
        MainWindow second;
        QCOMPARE(second.size(), QSize(1100, 700));
        second.show();
        QVERIFY(QTest::qWaitForWindowExposed(&second));
        QVERIFY(!second.findChild<QDockWidget*>(QStringLiteral("codeDock"))->isVisible());
        QVERIFY(second.findChild<QDockWidget*>(QStringLiteral("diagramDock"))->isVisible());
        second.setQuiet(true);
    }
};

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
