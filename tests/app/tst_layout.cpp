// The main window's default layout at the sizes classrooms and desks have (1280x720,
// 1920x1080): the tree shows every column whole without scrolling sideways, the diagram keeps a
// readable width, no panel title is cut; the window's size and layout come back on the next start.
#include "app/document/diagnosticsmodel.h"
#include "app/document/moduletreemodel.h"
#include "app/lessons/lessonbook.h"
#include "app/lessons/lessonplayer.h"
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/run/runpanel.h"
#include "app/ui/diagnosticspanel.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"
#include "classroomwindow.h"
#include "layoutchecks.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QTableView>
#include <QTextLayout>
#include <QTest>

using namespace ml::ui;

class TestLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        ml::ui::testing::useOwnSettings(QStringLiteral("ModuleLabLayoutTest"));
        m_font = QApplication::font();
        m_styleSheet = qApp->styleSheet();
    }
    void cleanupTestCase() { QSettings().clear(); }
    // A window closed in classroom mode leaves its type to the application: each case starts
    // with the application's own.
    void cleanup()
    {
        QApplication::setFont(m_font);
        qApp->setStyleSheet(m_styleSheet);
    }

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
        const auto columnsFit = [tree] { return ml::ui::testing::treeCut(tree); };
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

    // Resized in either direction (1728x972 to 1600x1000 hid the parameters and mult-adds), and
    // after classroom mode at another size: the tree shows its parameters and mult-adds, every
    // shown column whole; the input shapes go only on the small screen and come back with room.
    void treeStaysWholeWhenTheWindowResizes_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* file : {"fashion_cnn.mlab", "net_modulelist_fixed.py", "autoencoder.py"})
            QTest::newRow(file) << QString::fromLatin1(file);
    }
    void treeStaysWholeWhenTheWindowResizes()
    {
        QFETCH(QString, file);
        QSettings().clear();
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1728, 972), QStringLiteral(MODULELAB_EXAMPLES "/") + file, false, &why),
                 qPrintable(why));
        ModuleTreePanel* tree = window.treePanel();
        QHeaderView* header = tree->header();
        const auto whole = [&](const QSize& size) -> QString {
            if (window.size() != size)
                return QStringLiteral("the window is %1x%2").arg(window.width()).arg(window.height());
            for (int c : {ModuleTreeModel::NameColumn, ModuleTreeModel::TypeColumn, ModuleTreeModel::OutputColumn,
                          ModuleTreeModel::ParamsColumn, ModuleTreeModel::MultAddsColumn})
                if (header->isSectionHidden(c))
                    return QStringLiteral("column %1 is hidden").arg(c);
            if (size.width() >= 1600 && header->isSectionHidden(ModuleTreeModel::InputColumn))
                return QStringLiteral("the input shapes are hidden at %1 pixels").arg(size.width());
            return testing::treeCut(tree);
        };
        QTRY_VERIFY2_WITH_TIMEOUT(whole(window.size()).isEmpty(), qPrintable(whole(window.size())), 15000);
        for (const QSize size : {QSize(1600, 1000), QSize(1280, 720), QSize(1440, 900), QSize(1920, 1080), QSize(1600, 1000)}) {
            window.resize(size);
            QTRY_VERIFY2_WITH_TIMEOUT(whole(size).isEmpty(),
                                      qPrintable(QStringLiteral("%1x%2: %3").arg(size.width()).arg(size.height()).arg(whole(size))),
                                      5000);
            testing::keepScreenshot(window, QStringLiteral("resized-") + QFileInfo(file).completeBaseName());
        }
        // Into classroom mode, resized there, and back.
        ClassroomMode* classroom = testing::classroomOf(window);
        const auto resizedInClassroom = [&](QSize size) {
            classroom->setActive(true);
            QTest::qWait(20);
            window.resize(size);
            QTest::qWait(20);
            classroom->setActive(false);
        };
        resizedInClassroom(QSize(1280, 720));
        QTRY_VERIFY2_WITH_TIMEOUT(whole(QSize(1280, 720)).isEmpty(), qPrintable(whole(QSize(1280, 720))), 5000);
        window.resize(1920, 1080);
        QTRY_VERIFY2_WITH_TIMEOUT(whole(QSize(1920, 1080)).isEmpty(), qPrintable(whole(QSize(1920, 1080))), 5000);
        resizedInClassroom(QSize(1600, 1000));
        QTRY_VERIFY2_WITH_TIMEOUT(whole(QSize(1600, 1000)).isEmpty(), qPrintable(whole(QSize(1600, 1000))), 5000);
        testing::keepScreenshot(window, QStringLiteral("after-classroom-") + QFileInfo(file).completeBaseName());
    }

    // An empty Diagnostics panel keeps only its title and column headers, the diagram above it
    // the rest of the column; messages that come get room enough to be read (every row whole,
    // or a third of the column when there are many), and the room goes back when they go.
    void diagnosticsTakeRoomOnlyWithMessages_data()
    {
        QTest::addColumn<QSize>("size");
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            QTest::addRow("%dx%d", size.width(), size.height()) << size;
    }
    void diagnosticsTakeRoomOnlyWithMessages()
    {
        QFETCH(QSize, size);
        QSettings().clear();
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py"), false, &why),
                 qPrintable(why));
        auto* diagram = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        auto* diags = window.findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
        DiagnosticsPanel* panel = window.diagnosticsPanel();
        QCOMPARE(panel->model()->rowCount(), 0);
        const auto emptyIsSmall = [&]() -> QString {
            if (!diags->isVisible())
                return QStringLiteral("the Diagnostics panel is not on show");
            // Its title and column headers; nothing more.
            if (diags->height() > diags->minimumSizeHint().height() + 4)
                return QStringLiteral("the empty Diagnostics panel is %1 px high, its title and headers %2 px")
                    .arg(diags->height())
                    .arg(diags->minimumSizeHint().height());
            if (diagram->height() < (diagram->height() + diags->height()) * 85 / 100)
                return QStringLiteral("the diagram is %1 px of %2").arg(diagram->height()).arg(diagram->height() + diags->height());
            return {};
        };
        QTRY_VERIFY2_WITH_TIMEOUT(emptyIsSmall().isEmpty(), qPrintable(emptyIsSmall()), 5000);
        testing::keepScreenshot(window, QStringLiteral("diagnostics-none"));

        // A model with messages: they are read whole.
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py")));
        QVERIFY(panel->model()->rowCount() > 0);
        const auto readable = [&]() -> QString {
            const int column = diagram->height() + diags->height();
            QTableView* view = panel->view();
            const bool allRows = view->verticalScrollBar()->maximum() == 0;
            if (!allRows && diags->height() < column * 30 / 100)
                return QStringLiteral("%1 messages scroll in a panel %2 px high of %3").arg(panel->model()->rowCount()).arg(diags->height()).arg(column);
            // The first message whole.
            const QRect first = view->visualRect(panel->model()->index(0, DiagnosticsModel::MessageColumn));
            if (first.top() < 0 || first.bottom() > view->viewport()->height())
                return QStringLiteral("the first message is cut: rows %1 to %2 in %3 px").arg(first.top()).arg(first.bottom()).arg(view->viewport()->height());
            if (diagram->height() < column / 2)
                return QStringLiteral("the diagram is %1 px of %2").arg(diagram->height()).arg(column);
            return {};
        };
        QTRY_VERIFY2_WITH_TIMEOUT(readable().isEmpty(), qPrintable(readable()), 5000);
        testing::keepScreenshot(window, QStringLiteral("diagnostics-some"));

        // Fixed: the room goes back to the diagram.
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py")));
        QTRY_VERIFY2_WITH_TIMEOUT(emptyIsSmall().isEmpty(), qPrintable(emptyIsSmall()), 5000);
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

    // The Run panel's buttons stay whole when the window shrinks to 1280x720 from a larger
    // size, as they are in a window that starts there, whether the run panels were shown
    // before or after: the panel scrolls only downwards. (The main window gave the left
    // column's width away down to the panel's scroll area's own small minimum: Save, Cancel
    // and Re-initialise were cut by up to 6 pixels.)
    void runPanelWholeAfterShrinking_data()
    {
        QTest::addColumn<QSize>("from");
        QTest::addColumn<bool>("shownFirst");
        for (const QSize size : {QSize(1280, 720), QSize(1400, 900), QSize(1920, 1080)})
            for (const bool shownFirst : {true, false})
                QTest::addRow("%dx%d, run panels shown %s", size.width(), size.height(), shownFirst ? "first" : "after")
                    << size << shownFirst;
    }
    void runPanelWholeAfterShrinking()
    {
        QFETCH(QSize, from);
        QFETCH(bool, shownFirst);
        QSettings().clear();
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, from, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"), false, &why),
                 qPrintable(why));
        RunDocks* run = window.runDocks();
        RunPanel* panel = run->runPanel();
        auto* scroll = qobject_cast<QScrollArea*>(panel->parentWidget()->parentWidget());
        QVERIFY(scroll);
        // Every button's right edge inside the panel's visible width.
        const auto cut = [&]() -> QString {
            for (QPushButton* b : panel->findChildren<QPushButton*>()) {
                if (!b->isVisibleTo(panel))
                    continue;
                const int right = b->mapTo(scroll->viewport(), QPoint(b->width(), 0)).x();
                if (right > scroll->viewport()->width())
                    return QStringLiteral("'%1' ends at %2 in a panel %3 wide").arg(b->text()).arg(right).arg(scroll->viewport()->width());
            }
            return {};
        };
        if (shownFirst) {
            run->raise();
            run->controller()->run();
            QVERIFY(run->controller()->waitForFinished(60000));
            QTRY_VERIFY2_WITH_TIMEOUT(cut().isEmpty(), qPrintable(cut()), 5000);
        }
        window.resize(1280, 720);
        QTest::qWait(50);
        if (!shownFirst)
            run->raise();
        QTest::qWait(200); // what the window does with the new size once it is idle
        QCOMPARE(window.size(), QSize(1280, 720));
        QVERIFY2(cut().isEmpty(), qPrintable(cut()));
        testing::keepScreenshot(window, QStringLiteral("run-from-%1x%2").arg(from.width()).arg(from.height()));
    }

    // Every step of every lesson at 1280x720: its title and whole text in view without
    // scrolling, its counter and Back and Next buttons whole; beside the editing panels, the
    // Lessons panel no taller than that needs, the Properties panel under it the rest (lesson 6
    // left it a strip whose Add/Remove/Up/Down row was the last thing in view); in classroom
    // mode's large type, the counter wraps only between its phrases.
    void everyLessonReadableAt1280x720_data()
    {
        QTest::addColumn<int>("lesson");
        QTest::addColumn<bool>("classroom");
        const int count = static_cast<int>(builtinLessons().size());
        for (const bool classroom : {false, true})
            for (int n = 0; n < count; ++n)
                QTest::addRow("lesson %d%s", n + 1, classroom ? " classroom" : "") << n << classroom;
    }
    void everyLessonReadableAt1280x720()
    {
        QFETCH(int, lesson);
        QFETCH(bool, classroom);
        QSettings().clear();
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QString(), classroom, &why), qPrintable(why));
        auto* tools = window.findChild<TeachingTools*>();
        tools->showLessons();
        LessonPlayer* player = tools->lessonPlayer();
        QDockWidget* lessons = tools->lessonsDock();
        auto* scroll = qobject_cast<QScrollArea*>(lessons->widget());
        auto* props = window.findChild<QDockWidget*>(QStringLiteral("propertiesDock"));
        QVERIFY(scroll);
        QCOMPARE(props->isVisible(), !classroom);
        const auto unreadable = [&]() -> QString {
            if (window.size() != QSize(1280, 720))
                return QStringLiteral("the window is %1x%2").arg(window.width()).arg(window.height());
            if (const int hidden = scroll->verticalScrollBar()->maximum() + player->hiddenTextHeight(); hidden > 0)
                return QStringLiteral("%1 px of the text are out of view").arg(hidden);
            for (QPushButton* b : {player->backButton(), player->nextButton()})
                if (b->visibleRegion().boundingRect() != b->rect())
                    return QStringLiteral("'%1' shows %2 of %3 px").arg(b->text()).arg(b->visibleRegion().boundingRect().height()).arg(b->height());
            if (!classroom) {
                const int column = lessons->height() + props->height();
                const int needed = lessons->height() - scroll->viewport()->height() + player->wantedHeight();
                if (lessons->height() > needed + 4)
                    return QStringLiteral("the Lessons panel is %1 px high, its step needs %2").arg(lessons->height()).arg(needed);
                if (props->height() < column * 40 / 100)
                    return QStringLiteral("the Properties panel is %1 px of %2").arg(props->height()).arg(column);
            }
            // The counter's lines end only where a phrase ends ("Lesson 10 of 15 ·" | "step 1 of 3").
            QLabel* counter = player->counterLabel();
            const QString text = counter->text();
            const QStringList phrases{text.trimmed(), text.section(QChar(0x00B7), 0, 0).trimmed(), text.section(QChar(0x00B7), 1).trimmed()};
            QTextLayout layout(text, counter->font());
            layout.beginLayout();
            for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
                line.setLineWidth(counter->contentsRect().width());
                QString piece = text.mid(line.textStart(), line.textLength()).trimmed();
                if (piece.endsWith(QChar(0x00B7)))
                    piece = piece.chopped(1).trimmed();
                if (!phrases.contains(piece))
                    return QStringLiteral("the counter '%1' breaks inside a phrase: '%2'").arg(text, piece);
            }
            layout.endLayout();
            if (const QString cut = testing::textCut(lessons); !cut.isEmpty())
                return cut;
            return {};
        };
        player->startLesson(lesson);
        for (int step = 0; step < static_cast<int>(player->lessons()[static_cast<size_t>(lesson)].steps.size()); ++step) {
            player->goToStep(step);
            QTRY_VERIFY2_WITH_TIMEOUT(unreadable().isEmpty(), qPrintable(QStringLiteral("step %1: %2").arg(step + 1).arg(unreadable())), 3000);
        }
    }

    // A diagnostic's location is whole in classroom mode's type at 1280x720, also for a model
    // opened from a file with a long name (its column read "net_se…ug.py:27:13").
    void diagnosticLocationWholeInClassroom()
    {
        QSettings().clear();
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QStringLiteral(MODULELAB_EXAMPLES "/net_sequential_viewbug.py"), true, &why),
                 qPrintable(why));
        QTableView* view = window.diagnosticsPanel()->view();
        QVERIFY(view->model()->rowCount() > 0);
        const auto cut = [&]() -> QString {
            constexpr int column = DiagnosticsModel::LocationColumn;
            if (view->horizontalHeader()->isSectionHidden(column))
                return QStringLiteral("the location column is hidden");
            for (int row = 0; row < view->model()->rowCount(); ++row) {
                const QString text = view->model()->index(row, column).data().toString();
                if (view->columnWidth(column) < view->fontMetrics().horizontalAdvance(text) + 8)
                    return QStringLiteral("'%1' in a column %2 px wide").arg(text).arg(view->columnWidth(column));
            }
            return {};
        };
        QTRY_VERIFY2_WITH_TIMEOUT(cut().isEmpty(), qPrintable(cut()), 5000);
        QVERIFY(view->model()->index(0, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("net_sequential_viewbug.py:")));
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

private:
    QFont m_font;
    QString m_styleSheet;
};

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
