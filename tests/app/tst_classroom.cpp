// Classroom mode: one toggle for large type, a high-contrast palette, a larger diagram and no
// editing panels; switching back restores everything; keyboard zoom; a screenshot at 1280x720.
#include "app/classroom/classroommode.h"
#include "app/classroom/nodecard.h"
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/predictions.h"
#include "app/document/runcontroller.h"
#include "app/lessons/lessonplayer.h"
#include "app/run/activationview.h"
#include "app/run/featuremapgrid.h"
#include "app/run/predictionchart.h"
#include "app/run/probabilitybars.h"
#include "app/run/rundocks.h"
#include "app/run/samplespanel.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/statusmessage.h"
#include "app/ui/teachingtools.h"
#include "engine/module.h"
#include "classroomwindow.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLayout>
#include <QListView>
#include <QProcess>
#include <QScopeGuard>
#include <QScrollBar>
#include <QStatusBar>
#include <QTabBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <functional>

using namespace ml::ui;

class TestClassroom : public QObject {
    Q_OBJECT

    // At 1280x720 in classroom mode: every shown tree column as wide as its contents and the
    // tree not scrolled sideways; the diagram at least a third of the window, not scrolled
    // sideways either.
    static void checkPresentation(MainWindow& window, DiagramView* diagram)
    {
        auto* tree = window.treePanel();
        QHeaderView* header = tree->header();
        for (int c = 0; c < header->count(); ++c)
            if (!header->isSectionHidden(c))
                QVERIFY2(header->sectionSize(c) >= static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c),
                         qPrintable(QStringLiteral("column %1: %2 < %3").arg(c).arg(header->sectionSize(c)).arg(static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c))));
        QVERIFY2(header->length() <= tree->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(header->length()).arg(tree->viewport()->width())));
        QVERIFY(tree->horizontalScrollBar()->maximum() == 0);
        auto* diagramDock = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        QVERIFY(diagramDock->width() >= window.width() / 3);
        QCOMPARE(diagram->horizontalScrollBar()->maximum(), 0);
    }

    // Every shown tree column as wide as its contents, the tree not scrolled sideways.
    static bool treeFits(MainWindow& window)
    {
        auto* tree = window.treePanel();
        QHeaderView* header = tree->header();
        for (int c = 0; c < header->count(); ++c)
            if (!header->isSectionHidden(c) && header->sectionSize(c) < static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c))
                return false;
        return header->length() <= tree->viewport()->width();
    }

    static bool presentationFits(MainWindow& window, DiagramView* diagram)
    {
        auto* diagramDock = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        return treeFits(window) && diagramDock->width() >= window.width() / 3 && diagram->horizontalScrollBar()->maximum() == 0;
    }

private slots:
    void toggleAndRestore()
    {
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QStringLiteral(":/examples/net_sequential_fixed.py"), false, &why), qPrintable(why));
        ClassroomMode* mode = testing::classroomOf(window);
        QCOMPARE(mode->toggleAction()->shortcut(), QKeySequence(Qt::Key_F11));
        auto* palette = window.findChild<QDockWidget*>(QStringLiteral("paletteDock"));
        auto* props = window.findChild<QDockWidget*>(QStringLiteral("propertiesDock"));
        auto* history = window.findChild<QDockWidget*>(QStringLiteral("historyDock"));
        QVERIFY(palette && props && history);
        const bool paletteVisible = palette->isVisible();
        const QFont font = QApplication::font();
        const QColor window0 = QApplication::palette().color(QPalette::Window);
        auto* diagram = window.findChild<DiagramView*>();
        QVERIFY(diagram);
        const auto fontsAndHeaders = [&] {
            QStringList facts;
            for (QWidget* w : window.findChildren<QWidget*>())
                if (w->isVisible())
                    facts << QStringLiteral("%1 %2 %3pt%4").arg(w->metaObject()->className(), w->objectName()).arg(w->font().pointSizeF()).arg([w] { QString c; for (QWidget* p = w->parentWidget(); p; p = p->parentWidget()) c += QLatin1Char('/') + QString::fromLatin1(p->metaObject()->className()) + p->objectName(); return c; }());
            // The columns of the views on show: a view behind another tab is laid out when shown.
            for (QHeaderView* h : window.findChildren<QHeaderView*>())
                for (int k = 0; k < h->count() && !h->parentWidget()->visibleRegion().isEmpty(); ++k)
                    facts << QStringLiteral("%1 column %2: %3").arg(h->parent()->objectName()).arg(k).arg(h->sectionSize(k));
            return facts;
        };
        QVERIFY(window.selectPath(QStringLiteral("conv_block1")));
        // The automatic run's prediction changes the panels' minimum sizes: wait for it.
        QVERIFY(window.runDocks()->controller()->waitForFinished(60000));
        QTest::qWait(50);
        // What the user sees of the panel layout: every visible panel's place and size.
        const auto visibleDocks = [&] {
            QStringList docks;
            for (QDockWidget* d : window.findChildren<QDockWidget*>())
                if (d->isVisible() && d->x() >= 0 && d->y() >= 0) // not behind another tab
                    docks << QStringLiteral("%1 %2,%3 %4x%5")
                                 .arg(d->objectName())
                                 .arg(d->x())
                                 .arg(d->y())
                                 .arg(d->width())
                                 .arg(d->height());
            docks.sort();
            return docks;
        };
        // The layout as it stands, pending resizes applied.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        window.layout()->activate();
        const QStringList docksBefore = visibleDocks();
        const QStringList before = fontsAndHeaders();

        mode->setActive(true);
        QVERIFY(mode->isActive());
        QVERIFY(!palette->isVisible() && !props->isVisible() && !history->isVisible());
        QVERIFY(QApplication::font().pointSizeF() >= font.pointSizeF() * 1.5);
        QCOMPARE(QApplication::palette().color(QPalette::Text), QColor(Qt::black));
        QCOMPARE(QApplication::palette().color(QPalette::Base), QColor(Qt::white));
        QTRY_VERIFY(presentationFits(window, diagram));
        checkPresentation(window, diagram);

        // Keyboard zoom: Ctrl+= and Ctrl+- change the diagram and the type; Ctrl+0 resets.
        const double size0 = QApplication::font().pointSizeF();
        const double zoom0 = diagram->zoom();
        QTest::keyClick(&window, Qt::Key_Equal, Qt::ControlModifier);
        QVERIFY(QApplication::font().pointSizeF() > size0);
        QVERIFY(diagram->zoom() > zoom0);
        // The larger type still fits the tree; the diagram stays enlarged once the panels are
        // arranged for it (wider than its column, it scrolls sideways).
        QTRY_VERIFY(treeFits(window));
        QTest::qWait(50);
        QVERIFY(diagram->zoom() > zoom0);
        QTest::keyClick(&window, Qt::Key_Minus, Qt::ControlModifier);
        QTest::keyClick(&window, Qt::Key_Minus, Qt::ControlModifier);
        QVERIFY(QApplication::font().pointSizeF() < size0);
        QTest::keyClick(&window, Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(mode->fontScale(), ClassroomMode::kClassroomFontScale);

        QTemporaryDir dir;
        const QString shot = dir.filePath(QStringLiteral("classroom.png"));
        QVERIFY(window.grab().save(shot));
        QCOMPARE(QImage(shot).size(), QSize(1280, 720));

        mode->setActive(false);
        QVERIFY(!mode->isActive());
        QCOMPARE(palette->isVisible(), paletteVisible);
        QCOMPARE(QApplication::font(), font);
        QCOMPARE(QApplication::palette().color(QPalette::Window), window0);
        // Every panel, column and widget font exactly as before, once the layout has settled.
        QTRY_COMPARE(visibleDocks(), docksBefore);
        const QStringList after = fontsAndHeaders();
        QStringList changed;
        for (const QString& f : after)
            if (!before.contains(f))
                changed << QStringLiteral("now: ") + f;
        for (const QString& f : before)
            if (!after.contains(f))
                changed << QStringLiteral("was: ") + f;
        QVERIFY2(changed.isEmpty(), qPrintable(changed.join(QLatin1Char('\n'))));
        QTRY_COMPARE(visibleDocks(), docksBefore);
    }

    // Keyboard zoom and Zoom to Fit in classroom mode do what their names say, whichever of the
    // diagram and the tree has the focus, also once the panels have been arranged for the new
    // type: Ctrl+= draws the diagram larger (with larger type), Ctrl+- smaller, Ctrl+0 goes back
    // to the presentation's start (the diagram fitted to its column, the classroom type), Zoom
    // to Fit shows the model whole or, when that would make its labels smaller than their own
    // size, as wide as the column from its top. The tree's columns stay whole throughout.
    void keyboardZoomDoesWhatItSays_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("diagramFocused");
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            for (const char* file : {"net_residual.py"})
                for (const bool diagramFocused : {true, false})
                    QTest::addRow("%s %dx%d %s", file, size.width(), size.height(), diagramFocused ? "diagram" : "tree")
                        << size << QString::fromLatin1(file) << diagramFocused;
    }

    void keyboardZoomDoesWhatItSays()
    {
        QFETCH(QSize, size);
        QFETCH(QString, file);
        QFETCH(bool, diagramFocused);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/") + file, false, &why), qPrintable(why));
        if (window.runDocks())
            QVERIFY(window.runDocks()->controller()->waitForFinished(60000));
        QVERIFY(window.selectPath(QString()));
        ClassroomMode* mode = testing::classroomOf(window);
        mode->setActive(true);
        const auto leave = qScopeGuard([mode] { mode->setActive(false); }); // the next case starts in the usual type
        auto* diagram = window.findChild<DiagramView*>();
        QTRY_VERIFY(presentationFits(window, diagram));
        QWidget* focus = diagramFocused ? static_cast<QWidget*>(diagram) : static_cast<QWidget*>(window.treePanel());
        focus->setFocus();
        QTRY_VERIFY(focus->hasFocus());
        // Whatever the mode does after the key (arranging the panels for the new type) is done.
        const auto settle = [] {
            QTest::qWait(30);
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            QTest::qWait(30);
        };
        const auto key = [&](Qt::Key k) {
            QTest::keyClick(focus, k, Qt::ControlModifier);
            settle();
            QVERIFY(focus->hasFocus());
        };
        settle();
        const double startZoom = diagram->zoom();
        const double startType = QApplication::font().pointSizeF();
        QVERIFY(diagram->isFittingWidth());
        QCOMPARE(diagram->horizontalScrollBar()->maximum(), 0);

        key(Qt::Key_Equal);
        QVERIFY2(diagram->zoom() > startZoom * 1.1, qPrintable(QStringLiteral("%1 -> %2").arg(startZoom).arg(diagram->zoom())));
        QVERIFY(QApplication::font().pointSizeF() > startType);
        QTRY_VERIFY(treeFits(window));
        const double larger = diagram->zoom();
        key(Qt::Key_Equal);
        QVERIFY2(diagram->zoom() > larger * 1.1, qPrintable(QStringLiteral("%1 -> %2").arg(larger).arg(diagram->zoom())));
        QTRY_VERIFY(treeFits(window));

        key(Qt::Key_Minus);
        key(Qt::Key_Minus);
        key(Qt::Key_Minus);
        QVERIFY2(diagram->zoom() < startZoom * 0.9, qPrintable(QStringLiteral("%1 -> %2").arg(startZoom).arg(diagram->zoom())));
        QVERIFY(QApplication::font().pointSizeF() < startType);
        QTRY_VERIFY(treeFits(window));

        key(Qt::Key_0);
        QCOMPARE(mode->fontScale(), ClassroomMode::kClassroomFontScale);
        QVERIFY(diagram->isFittingWidth());
        QTRY_COMPARE(diagram->horizontalScrollBar()->maximum(), 0);
        QVERIFY2(std::abs(diagram->zoom() - startZoom) < 0.02 * startZoom,
                 qPrintable(QStringLiteral("%1 != %2").arg(diagram->zoom()).arg(startZoom)));
        QVERIFY(presentationFits(window, diagram));

        // Zoom to Fit: the whole model in view, or its labels at their own size at least and
        // the width in view, from the top.
        QAction* fit = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("Zoom to &Fit"))
                fit = a;
        QVERIFY(fit);
        fit->trigger();
        settle();
        const QRect drawn = diagram->mapFromScene(diagram->sceneRect()).boundingRect();
        const bool whole = drawn.width() <= diagram->viewport()->width() + 2 && drawn.height() <= diagram->viewport()->height() + 2;
        QVERIFY2(whole || (diagram->zoom() >= 1.0 - 1e-9 && diagram->horizontalScrollBar()->maximum() == 0),
                 qPrintable(QStringLiteral("zoom %1, drawn %2x%3 in %4x%5")
                                .arg(diagram->zoom())
                                .arg(drawn.width())
                                .arg(drawn.height())
                                .arg(diagram->viewport()->width())
                                .arg(diagram->viewport()->height())));
        if (!whole) { // the selected model from its top
            const int top = diagram->mapFromScene(diagram->boxForPath(QString())->box().rect.topLeft()).y();
            QVERIFY2(top >= 0 && top < diagram->viewport()->height() / 3, qPrintable(QString::number(top)));
        }
        testing::keepScreenshot(window, QStringLiteral("classroom-fit-%1").arg(QFileInfo(file).baseName()));
    }

    // The presentation at projector sizes: the diagram takes most of the width, enlarged; the
    // selected node's card shows its numbers in type larger than the rest, none of it cut; the
    // status bar's totals and message are whole.
    void presentationAtProjectorSizes_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x720") << QSize(1280, 720);
        QTest::newRow("1920x1080") << QSize(1920, 1080);
    }

    void presentationAtProjectorSizes()
    {
        QFETCH(QSize, size);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"), false, &why), qPrintable(why));
        QVERIFY(window.runDocks()->controller()->waitForFinished(60000));
        QVERIFY(window.selectPath(QStringLiteral("features.4")));
        ClassroomMode* mode = testing::classroomOf(window);
        mode->setActive(true);
        auto* diagram = window.findChild<DiagramView*>();
        QTRY_VERIFY(presentationFits(window, diagram));
        checkPresentation(window, diagram);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);

        auto* diagramDock = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        QVERIFY2(diagramDock->width() >= window.width() * 45 / 100, qPrintable(QString::number(diagramDock->width())));
        QVERIFY2(diagram->zoom() > 1.2, qPrintable(QString::number(diagram->zoom()))); // drawn larger than in the editor
        for (const char* hidden : {"paletteDock", "propertiesDock", "historyDock", "codeDock", "samplesDock"})
            if (auto* d = window.findChild<QDockWidget*>(QLatin1String(hidden)))
                QVERIFY2(!d->isVisible(), hidden);
        // No diagnostics for this model: no empty panel either.
        QVERIFY(!window.findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"))->isVisible());

        NodeCard* card = mode->nodeCard();
        QVERIFY(card && card->isVisible());
        QCOMPARE(card->titleLabel()->text(), QStringLiteral("features.4"));
        QStringList values;
        for (QLabel* v : card->valueLabels())
            values << v->text();
        QCOMPARE(values, (QStringList{QStringLiteral("Conv2d"), QStringLiteral("[1, 16, 14, 14]"), QStringLiteral("[1, 32, 14, 14]"),
                                      QStringLiteral("4,640"), QStringLiteral("909,440")}));
        const auto whole = [](QLabel* l) {
            const int need = QFontMetrics(l->font()).horizontalAdvance(l->text());
            return l->isVisible() && l->visibleRegion().boundingRect().width() >= need && l->contentsRect().width() >= need;
        };
        QVERIFY2(whole(card->titleLabel()), qPrintable(card->titleLabel()->text()));
        for (QLabel* l : card->valueLabels()) {
            QVERIFY2(whole(l), qPrintable(l->text()));
            QVERIFY(l->font().pointSizeF() > QApplication::font().pointSizeF()); // larger than the rest
        }
        for (QLabel* l : card->captionLabels())
            QVERIFY2(whole(l), qPrintable(l->text()));
        // Following the selection.
        QVERIFY(window.selectPath(QStringLiteral("head.1")));
        QTRY_COMPARE(card->titleLabel()->text(), QStringLiteral("head.1"));
        QCOMPARE(card->valueLabels()[3]->text(), QStringLiteral("100,416"));

        // The status bar: the totals whole, and room for the message beside them.
        QStatusBar* status = window.statusBar();
        QLabel* totals = window.totalsLabel();
        QVERIFY2(whole(totals), qPrintable(totals->text()));
        status->showMessage(QStringLiteral("Opened fashion_cnn.mlab"));
        StatusMessage* message = window.statusMessage();
        QTRY_COMPARE(message->message(), QStringLiteral("Opened fashion_cnn.mlab"));
        QVERIFY2(QFontMetrics(message->font()).horizontalAdvance(message->message()) <= message->contentsRect().width(),
                 qPrintable(QStringLiteral("%1 px for the message").arg(message->contentsRect().width())));
        QVERIFY(message->font().pointSizeF() >= QApplication::font().pointSizeF()); // classroom type
        mode->setActive(false);
        QVERIFY(!card->isVisible());
    }

    // A lesson open beside the presentation takes its width from the diagram: the tree keeps
    // every shown column whole without scrolling sideways, the diagram a third of the window.
    void presentationWithALesson_data() { presentationAtProjectorSizes_data(); }
    void presentationWithALesson()
    {
        QFETCH(QSize, size);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QString(), false, &why), qPrintable(why));
        auto* tools = window.findChild<TeachingTools*>();
        tools->showLessons();
        tools->lessonPlayer()->startLesson(2); // nn.ModuleList: its model has the widest tree
        QTRY_VERIFY(window.document()->root()->childCount() > 0);
        tools->classroom()->setActive(true);
        auto* diagram = window.findChild<DiagramView*>();
        QVERIFY(tools->lessonsDock()->isVisible());
        QTRY_VERIFY(presentationFits(window, diagram));
        checkPresentation(window, diagram);
        tools->classroom()->setActive(false);
    }

    // A panel shown beside the presentation (the lessons) has its title in the classroom type,
    // bold, with a button that closes it; leaving classroom mode gives back the usual title.
    void panelTitlesInClassroomType()
    {
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QString(), false, &why), qPrintable(why));
        auto* tools = window.findChild<TeachingTools*>();
        tools->showLessons();
        tools->lessonPlayer()->startLesson(0);
        tools->classroom()->setActive(true);
        QDockWidget* lessons = tools->lessonsDock();
        QTRY_VERIFY(lessons->isVisible());
        QWidget* bar = lessons->titleBarWidget();
        QVERIFY(bar && bar->isVisible());
        auto* title = bar->findChild<QLabel*>();
        QVERIFY(title);
        QCOMPARE(title->text(), QStringLiteral("Lessons"));
        QVERIFY2(title->font().pointSizeF() >= QApplication::font().pointSizeF(),
                 qPrintable(QStringLiteral("%1 < %2").arg(title->font().pointSizeF()).arg(QApplication::font().pointSizeF())));
        QVERIFY(title->font().bold());
        QVERIFY(title->width() >= QFontMetrics(title->font()).horizontalAdvance(title->text()));
        QVERIFY(bar->height() >= QFontMetrics(title->font()).height());
        auto* close = bar->findChild<QToolButton*>();
        QVERIFY(close && close->isVisible());
        close->click();
        QTRY_VERIFY(!lessons->isVisible());
        tools->classroom()->setActive(false);
        QVERIFY(!lessons->titleBarWidget());
    }

    // With the whole model selected (taller than the view), the diagram starts at its top: the
    // input and the model's title in view, not the middle of the model.
    void wholeModelShownFromItsTop()
    {
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py"), false, &why), qPrintable(why));
        QVERIFY(window.selectPath(QString()));
        ClassroomMode* mode = testing::classroomOf(window);
        mode->setActive(true);
        auto* diagram = window.findChild<DiagramView*>();
        QTRY_VERIFY(presentationFits(window, diagram));
        QTest::qWait(50);
        QVERIFY(diagram->verticalScrollBar()->maximum() > 0); // enlarged: taller than the view
        QCOMPARE(diagram->verticalScrollBar()->value(), diagram->verticalScrollBar()->minimum());
        mode->setActive(false);
    }

    // The diagnostics in classroom mode: every row's text whole in its cell (no row taller than
    // the panel, the first in view from top to bottom), the node beside the start of its message,
    // nothing scrolled sideways. The plain-list warning is six lines in the large type at 1280x720.
    void diagnosticsReadInClassroomMode_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QString>("file");
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            for (const char* file : {"net_plainlist.py", "net.py"})
                QTest::addRow("%s %dx%d", file, size.width(), size.height()) << size << QString::fromLatin1(file);
    }
    void diagnosticsReadInClassroomMode()
    {
        QFETCH(QSize, size);
        QFETCH(QString, file);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/") + file, true, &why), qPrintable(why));
        const auto leave = qScopeGuard([&window] { testing::classroomOf(window)->setActive(false); });
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
        QTRY_VERIFY(dock->isVisible());
        auto* view = dock->findChild<QTableView*>();
        QVERIFY(view && view->model()->rowCount() > 0);
        QTest::qWait(50);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        testing::keepScreenshot(window, QStringLiteral("classroom-diagnostics-") + file);
        const QRect viewport = view->viewport()->rect();
        QCOMPARE(view->horizontalScrollBar()->maximum(), 0);
        QCOMPARE(view->verticalScrollBar()->value(), 0);
        const int node = 1; // DiagnosticsModel::NodeColumn
        const int message = 3; // DiagnosticsModel::MessageColumn
        QVERIFY(!view->isColumnHidden(node) && !view->isColumnHidden(message));
        for (int row = 0; row < view->model()->rowCount(); ++row) {
            const int need = static_cast<QAbstractItemView*>(view)->sizeHintForRow(row);
            QVERIFY2(view->rowHeight(row) >= need, qPrintable(QStringLiteral("row %1: %2 px of %3").arg(row).arg(view->rowHeight(row)).arg(need)));
            QVERIFY2(view->rowHeight(row) <= viewport.height(),
                     qPrintable(QStringLiteral("row %1 is %2 px, the panel shows %3").arg(row).arg(view->rowHeight(row)).arg(viewport.height())));
        }
        // The first row whole: its node's name and the whole message in view.
        const QRect nodeCell = view->visualRect(view->model()->index(0, node));
        const QRect messageCell = view->visualRect(view->model()->index(0, message));
        QVERIFY2(viewport.contains(nodeCell) && viewport.contains(messageCell),
                 qPrintable(QStringLiteral("node %1,%2 %3x%4, message %5,%6 %7x%8 in %9x%10")
                                .arg(nodeCell.x()).arg(nodeCell.y()).arg(nodeCell.width()).arg(nodeCell.height())
                                .arg(messageCell.x()).arg(messageCell.y()).arg(messageCell.width()).arg(messageCell.height())
                                .arg(viewport.width()).arg(viewport.height())));
        const QString name = view->model()->index(0, node).data().toString();
        QVERIFY2(QFontMetrics(view->font()).horizontalAdvance(name) <= nodeCell.width(), qPrintable(name));
        // The node's name at the top of its cell, beside the message's first line (not centred
        // in a row taller than the panel).
        QCOMPARE(view->model()->index(0, node).data(Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignVertical_Mask,
                 Qt::AlignTop);
    }

    // The run panels opened in classroom mode: the window keeps its size (the status bar's
    // totals whole); the samples, run controls, activations and predictions are tabs beside the
    // card, each tab's name whole, so that the diagram keeps the whole height of its column;
    // every sample's class name whole under its picture in the large type. The activations of
    // the model's output and the predictions are one row per class: every name whole, in the
    // large type, no row running into another, every value written out.
    void runPanelsInClassroomMode_data() { presentationAtProjectorSizes_data(); }
    void runPanelsInClassroomMode()
    {
        QFETCH(QSize, size);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"), true, &why), qPrintable(why));
        ClassroomMode* mode = testing::classroomOf(window);
        window.runDocks()->raise();
        QListView* samples = window.runDocks()->samples()->view();
        auto* samplesDock = window.findChild<QDockWidget*>(QStringLiteral("samplesDock"));
        samplesDock->raise();
        QTRY_VERIFY(samples->isVisible());
        QTest::qWait(50);
        QCOMPARE(window.size(), size);
        QLabel* totals = window.totalsLabel();
        QVERIFY(totals->visibleRegion().boundingRect().width() >= QFontMetrics(totals->font()).horizontalAdvance(totals->text()));
        QVERIFY(totals->mapTo(&window, QPoint(totals->width(), 0)).x() <= window.width());
        auto* card = window.findChild<QDockWidget*>(QStringLiteral("nodeCardDock"));
        for (const char* name : {"samplesDock", "runDock", "activationsDock", "predictionsDock"})
            QVERIFY2(window.tabifiedDockWidgets(card).contains(window.findChild<QDockWidget*>(QLatin1String(name))), name);
        QTabBar* tabs = nullptr;
        for (QTabBar* bar : window.findChildren<QTabBar*>())
            for (int i = 0; i < bar->count(); ++i)
                if (bar->isVisible() && bar->tabText(i) == QStringLiteral("Activations"))
                    tabs = bar;
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), 5);
        for (int i = 0; i < tabs->count(); ++i)
            QVERIFY2(tabs->tabRect(i).width() >= QFontMetrics(tabs->font()).horizontalAdvance(tabs->tabText(i)) + 8 &&
                         tabs->tabRect(i).right() < tabs->width(),
                     qPrintable(QStringLiteral("tab '%1' is %2 px").arg(tabs->tabText(i)).arg(tabs->tabRect(i).width())));
        // The diagram: the whole height between the menu and the status bar, most of the width.
        auto* diagramDock = window.findChild<QDockWidget*>(QStringLiteral("diagramDock"));
        const int between = window.statusBar()->geometry().top() - window.menuWidget()->geometry().bottom();
        QVERIFY2(diagramDock->height() >= between * 95 / 100,
                 qPrintable(QStringLiteral("the diagram is %1 px of %2").arg(diagramDock->height()).arg(between)));
        QVERIFY2(diagramDock->width() >= window.width() / 2, qPrintable(QString::number(diagramDock->width())));
        QVERIFY(samples->font().pointSizeF() >= QApplication::font().pointSizeF());
        const QFontMetrics fm(samples->font());
        QVERIFY(samples->model()->rowCount() >= 10);
        for (int row = 0; row < 30 && row < samples->model()->rowCount(); ++row) {
            const QString name = samples->model()->index(row, 0).data().toString(); // the shipped samples
            const int cell = samples->visualRect(samples->model()->index(row, 0)).width();
            QVERIFY2(fm.horizontalAdvance(name) + 8 <= std::min(cell, samples->gridSize().width()),
                     qPrintable(QStringLiteral("'%1' needs %2 px, a cell has %3").arg(name).arg(fm.horizontalAdvance(name)).arg(cell)));
        }
        testing::keepScreenshot(window, QStringLiteral("classroom-samples"));

        // The model's output in Activations.
        QVERIFY(window.runDocks()->controller()->waitForFinished(60000));
        QVERIFY(window.selectPath(QString()));
        window.findChild<QDockWidget*>(QStringLiteral("activationsDock"))->raise();
        FeatureMapGrid* grid = window.runDocks()->activations()->grid();
        QTRY_COMPARE(grid->barCount(), 10);
        QTRY_VERIFY(grid->isVisible());
        QVERIFY(grid->drawsRows());
        QCOMPARE(grid->barNames(), ml::ui::fashionMnistClasses());
        QVERIFY(grid->font().pointSizeF() >= QApplication::font().pointSizeF() - 0.01);
        const auto rowsWhole = [](QWidget* w, int rows, const std::function<QString(int)>& name,
                                  const std::function<QRect(int)>& nameRect, const std::function<QRect(int)>& valueRect) {
            const QFontMetrics m(w->font());
            const QRect shown = w->visibleRegion().boundingRect();
            for (int i = 0; i < rows; ++i) {
                const QRect r = nameRect(i);
                const QRect v = valueRect(i);
                if (r.width() < m.horizontalAdvance(name(i)) || r.height() < m.height() || v.height() < m.height())
                    return QStringLiteral("'%1' has %2x%3 px").arg(name(i)).arg(r.width()).arg(r.height());
                if (!shown.contains(r) || !shown.contains(v))
                    return QStringLiteral("'%1' is cut: %2,%3 in %4x%5").arg(name(i)).arg(r.bottom()).arg(v.bottom()).arg(shown.width()).arg(shown.height());
                if (r.intersects(v) || (i > 0 && (r.intersects(nameRect(i - 1)) || v.intersects(valueRect(i - 1)))))
                    return QStringLiteral("'%1' runs into its neighbour").arg(name(i));
            }
            return QString();
        };
        QString cut;
        QTRY_VERIFY2((cut = rowsWhole(
                          grid, 10, [&](int i) { return grid->barNames()[i]; }, [&](int i) { return grid->nameRect(i); },
                          [&](int i) { return grid->valueRect(i); }))
                         .isEmpty(),
                     qPrintable(cut));
        testing::keepScreenshot(window, QStringLiteral("classroom-activations"));

        window.findChild<QDockWidget*>(QStringLiteral("predictionsDock"))->raise();
        ProbabilityBars* bars = window.runDocks()->predictions()->bars();
        QTRY_VERIFY(bars->isVisible());
        QCOMPARE(bars->rowCount(), 10);
        QVERIFY(bars->font().pointSizeF() >= QApplication::font().pointSizeF() - 0.01);
        QTRY_VERIFY2((cut = rowsWhole(
                          bars, 10, [&](int i) { return bars->row(i).name; }, [&](int i) { return bars->nameRect(i); },
                          [&](int i) { return bars->valueRect(i); }))
                         .isEmpty(),
                     qPrintable(cut));
        testing::keepScreenshot(window, QStringLiteral("classroom-predictions"));
        mode->setActive(false);
    }

    // F11 presents full screen; again restores the window as it was.
    void f11GoesFullScreenAndBack()
    {
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), QStringLiteral(":/examples/net_sequential_fixed.py"), false, &why), qPrintable(why));
        ClassroomMode* mode = testing::classroomOf(window);
        QVERIFY(!window.isFullScreen());
        QTest::keyClick(&window, Qt::Key_F11);
        QVERIFY(mode->isActive());
        QVERIFY(window.isFullScreen());
        QTest::keyClick(&window, Qt::Key_F11);
        QVERIFY(!mode->isActive());
        QVERIFY(!window.isFullScreen());
    }

    void commandLineScreenshot()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("classroom.png"));
        const int rc = QProcess::execute(QStringLiteral(MODULELAB_GUI),
                                         {QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py"), QStringLiteral("--classroom"),
                                          QStringLiteral("--select"), QStringLiteral("module_list.7"), QStringLiteral("--screenshot"),
                                          out, QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("-platform"),
                                          QStringLiteral("offscreen")});
        QCOMPARE(rc, 0);
        QCOMPARE(QImage(out).size(), QSize(1280, 720));
        if (const QByteArray keep = qgetenv("MODULELAB_SCREENSHOT_DIR"); !keep.isEmpty())
            QFile::copy(out, QString::fromLocal8Bit(keep) + QStringLiteral("/classroom.png"));
    }
};

QTEST_MAIN(TestClassroom)
#include "tst_classroom.moc"
