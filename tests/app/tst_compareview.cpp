// The compare view: two models side by side, aligned rows with their differences, totals,
// diagrams following the selected row, the concept tab, and its exports.
#include "app/compare/compareview.h"
#include "app/train/trainsession.h"
#include "app/compare/concepttablewidget.h"
#include "app/diagram/diagramitems.h"
#include "app/compare/comparetraining.h"
#include "app/diagram/diagramview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"
#include "app/classroom/classroommode.h"
#include "classroomwindow.h"
#include "layoutchecks.h"

#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QScopeGuard>
#include <QGraphicsScene>
#include <QImage>
#include <QProcess>
#include <QLabel>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace ml::ui;

class TestCompareView : public QObject {
    Q_OBJECT
private slots:
    void sequentialVersusModuleList()
    {
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, QStringLiteral(":/examples/net_sequential_fixed.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, QStringLiteral(":/examples/net_modulelist_fixed.py"), &error), qPrintable(error));
        QVERIFY(view.comparison());
        QCOMPARE(view.table()->rowCount(), 10);
        QVERIFY(view.totalsLabel()->text().contains(QStringLiteral("Same parameters: 51,410,506 in both")));
        QVERIFY(view.totalsLabel()->text().contains(QStringLiteral("no differences in computation, 10 rows differ only in names")));
        QVERIFY(view.outputsLabel()->isHidden()); // one tensor each: nothing more to say
        QCOMPARE(view.table()->item(0, 1)->text(), QStringLiteral("conv_block1.0"));
        QCOMPARE(view.table()->item(0, 5)->text(), QStringLiteral("module_list.0"));
        QVERIFY(view.diagram(0)->boxCount() > 0);
        QVERIFY(view.diagram(1)->boxCount() > 0);

        view.selectRow(7);
        QVERIFY(view.diagram(0)->hasSelection());
        QCOMPARE(view.diagram(0)->selectedPath(), QStringLiteral("decoder.0"));
        QCOMPARE(view.diagram(1)->selectedPath(), QStringLiteral("module_list.7"));

        // The concept tab reads both models.
        const ml::ConceptTable& t = view.concepts()->table();
        QCOMPARE(t.rows[2].cells[0].value, std::string("yes"));      // Sequential
        QCOMPARE(t.rows[2].cells[1].value, std::string("here yes")); // ModuleList
    }

    void differencesAreHighlighted()
    {
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY(view.loadSide(0, QStringLiteral(":/examples/net.py"), &error));
        QVERIFY(view.loadSide(1, QStringLiteral(":/examples/net_fixed.py"), &error));
        // The view opens on the first difference: bn2.
        const int row = view.table()->currentRow();
        QVERIFY(row >= 0);
        QCOMPARE(view.table()->item(row, 1)->text(), QStringLiteral("bn2"));
        QVERIFY(view.table()->item(row, 9)->text().contains(QStringLiteral("arguments")));
        QVERIFY(view.table()->item(row, 9)->background().color().isValid());
        QCOMPARE(view.diagram(0)->selectedPath(), QStringLiteral("bn2"));
        QVERIFY(view.totalsLabel()->text().contains(QStringLiteral("Parameters differ")));

        view.swapSides();
        QCOMPARE(view.label(0), QStringLiteral("net_fixed.py"));
        QVERIFY(view.comparison()->rows.size() == 6);
    }

    // A ModuleList called out of order (ReLU before BatchNorm): each side arrow's shape stands
    // beside its own arrowhead, not three of them beside one box, and no two labels touch.
    void reorderedCallsLabelEachArrowWhereItArrives()
    {
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, QStringLiteral(":/examples/net_modulelist_fixed.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, QStringLiteral(":/examples/net_modulelist_reordered.py"), &error), qPrintable(error));
        DiagramView* diagram = view.diagram(1);
        const auto centre = [diagram](int slot) {
            return diagram->boxForPath(QStringLiteral("module_list.%1").arg(slot))->sceneBoundingRect().center().y();
        };
        std::vector<QRectF> labels;
        int outOfOrder = 0;
        for (QGraphicsItem* item : diagram->scene()->items()) {
            auto* e = dynamic_cast<EdgeItem*>(item);
            if (!e || !e->edge().side || e->edge().label.isEmpty())
                continue;
            const QRectF label = e->mapRectToScene(e->labelRect());
            labels.push_back(label);
            const QPolygonF arrow = e->mapToScene(e->edge().points);
            const double from = arrow.front().y(), to = arrow.back().y();
            // The jumps 0 -> 2, 2 -> 1 and 1 -> 3 pass another called box or go back up.
            const bool passes = to < from || (to > from && to - from > (centre(1) - centre(0)) * 1.5);
            if (!passes)
                continue;
            ++outOfOrder;
            QVERIFY2(std::abs(label.center().y() - to) <= label.height() / 2 + 2,
                     qPrintable(QStringLiteral("'%1' at %2, its arrow arrives at %3").arg(e->edge().label).arg(label.center().y()).arg(to)));
        }
        QCOMPARE(outOfOrder, 3);
        for (size_t i = 0; i < labels.size(); ++i)
            for (size_t j = i + 1; j < labels.size(); ++j)
                QVERIFY2(!labels[i].adjusted(0, -2, 0, 2).intersects(labels[j]),
                         qPrintable(QStringLiteral("labels at %1 and %2").arg(labels[i].top()).arg(labels[j].top())));
    }

    // Models returning several tensors: every output's shape in the header and under the
    // diagrams, outputs paired by name (or by position), a clear word when the structures differ.
    void severalOutputs()
    {
        const QString data = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/outputs/");
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, data + QStringLiteral("two_heads.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, data + QStringLiteral("one_head.py"), &error), qPrintable(error));
        const QString totals = view.totalsLabel()->text();
        QVERIFY2(totals.contains(QStringLiteral("✘ Outputs differ: A returns 2 tensors (output.0, output.1), B one tensor")),
                 qPrintable(totals));
        QVERIFY(!totals.contains(QStringLiteral("fails")));
        QVERIFY(!view.outputsLabel()->isHidden());
        const QString outputs = view.outputsLabel()->text();
        QVERIFY2(outputs.contains(QStringLiteral("≈ output.0 [2, 1, 4, 4] (A) and output [2, 1, 4, 4] (B), paired by position: same shape")),
                 qPrintable(outputs));
        QVERIFY(outputs.contains(QStringLiteral("✘ output.1 [2, 5]: only in A")));
        bool titled = false; // the diagrams' titles name every output
        for (const QLabel* l : view.findChildren<QLabel*>())
            titled = titled || l->text().contains(QStringLiteral("input [2, 3, 8, 8] → [2, 1, 4, 4], [2, 5]"));
        QVERIFY(titled);

        // The same structure, one shape different: only that output is said to differ.
        QVERIFY2(view.loadSide(1, data + QStringLiteral("two_heads_c7.py"), &error), qPrintable(error));
        QVERIFY2(view.totalsLabel()->text().contains(QStringLiteral("✘ Outputs differ: output.1 [2, 5] vs [2, 7]")),
                 qPrintable(view.totalsLabel()->text()));
        QVERIFY(view.outputsLabel()->text().contains(QStringLiteral("✔ output.0 [2, 1, 4, 4]: same shape")));
        // The same model on both sides: the same outputs, green.
        QVERIFY2(view.loadSide(1, data + QStringLiteral("two_heads.py"), &error), qPrintable(error));
        QVERIFY2(view.totalsLabel()->text().contains(QStringLiteral("✔ Same outputs: output.0 [2, 1, 4, 4], output.1 [2, 5]")),
                 qPrintable(view.totalsLabel()->text()));
        // One tensor each: the header's output line says it all.
        QVERIFY2(view.loadSide(0, data + QStringLiteral("one_head.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, data + QStringLiteral("one_head.py"), &error), qPrintable(error));
        QVERIFY(view.outputsLabel()->isHidden());
        QVERIFY(view.totalsLabel()->text().contains(QStringLiteral("✔ Same output: [2, 1, 4, 4]")));
    }

    // In the window's type and in classroom mode's, at a projector's 1280x720 and 1280x800 and at
    // 1920x1080, every tab of the compare window shows its controls whole (the file choosers, the
    // totals, the A and B titles, Export, the Train tab's status lines, also a long one), the
    // aligned table's cells are as wide as their text, and what differs is in view (right after
    // the row number where the sides do not fit beside each other).
    void wholeAtProjectorSizes_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        QTest::addColumn<int>("steps");
        const QString outputs = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/outputs/");
        const struct {
            QString a, b;
            int steps;
        } pairs[] = {{QStringLiteral(MODULELAB_EXAMPLES "/net.py"), QStringLiteral(MODULELAB_EXAMPLES "/net_fixed.py"), 0},
                     {QStringLiteral(MODULELAB_EXAMPLES "/net_sequential_viewbug.py"), QStringLiteral(MODULELAB_EXAMPLES "/net_plainlist_dropout.py"), 0},
                     {outputs + QStringLiteral("two_heads.py"), outputs + QStringLiteral("one_head.py"), 0},
                     // one side cannot train beside the other: its long reason wraps
                     {QStringLiteral(MODULELAB_EXAMPLES "/autoencoder.py"), QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.py"), 1}};
        for (const auto& p : pairs)
            for (const QSize size : {QSize(1280, 720), QSize(1280, 800), QSize(1920, 1080)})
                for (const bool classroom : {false, true})
                    QTest::addRow("%s vs %s %dx%d%s%s", qPrintable(QFileInfo(p.a).fileName()), qPrintable(QFileInfo(p.b).fileName()),
                                  size.width(), size.height(), classroom ? " classroom" : "", p.steps ? " trained" : "")
                        << p.a << p.b << size << classroom << p.steps;
    }
    void wholeAtProjectorSizes()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        QFETCH(int, steps);
        MainWindow main;
        main.setQuiet(true);
        auto* tools = main.findChild<TeachingTools*>();
        CompareView* view = tools->compareView();
        QString error;
        QVERIFY2(view->loadSide(0, a, &error), qPrintable(error));
        QVERIFY2(view->loadSide(1, b, &error), qPrintable(error));
        QWidget* window = view->window();
        window->resize(size);
        // The application's type as it was for the next case, also when this one fails.
        const auto restore = qScopeGuard([tools] { tools->classroom()->setActive(false); });
        if (classroom)
            tools->classroom()->setActive(true);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        if (steps > 0) {
            view->tabs()->setCurrentWidget(view->training());
            view->training()->setDataDirectory(QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist"));
            QVERIFY(view->training()->trainSteps(steps, 120000));
            // Both sides paused right after that step, not some steps later.
            for (int side = 0; side < 2; ++side)
                if (const TrainSession* session = view->training()->session(side); session->isActive())
                    QCOMPARE(session->steps().back().step, steps);
        }
        const auto settle = [] {
            for (int k = 0; k < 3; ++k) {
                QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
                QCoreApplication::processEvents();
            }
        };
        for (int tab = 0; tab < view->tabs()->count(); ++tab) {
            view->tabs()->setCurrentIndex(tab);
            settle();
            QCOMPARE(window->size(), size);
            const QString cut = ml::ui::testing::textCut(window);
            QVERIFY2(cut.isEmpty(), qPrintable(QStringLiteral("tab %1: %2").arg(view->tabs()->tabText(tab), cut)));
        }
        view->tabs()->setCurrentWidget(view->table());
        settle();
        QTableWidget* table = view->table();
        QHeaderView* header = table->horizontalHeader();
        for (int c = 0; c < header->count(); ++c) {
            const int needed = static_cast<QAbstractItemView*>(table)->sizeHintForColumn(c);
            QVERIFY2(header->sectionSize(c) >= needed, qPrintable(QStringLiteral("column '%1' is %2 wide, its cells need %3")
                                                                     .arg(table->horizontalHeaderItem(c)->text())
                                                                     .arg(header->sectionSize(c))
                                                                     .arg(needed)));
        }
        const int differences = header->count() - 1;
        QCOMPARE(table->horizontalHeaderItem(differences)->text(), QStringLiteral("Differences"));
        const int left = header->sectionViewportPosition(differences);
        QVERIFY2(left >= 0 && left + std::min(header->sectionSize(differences), 100) <= table->viewport()->width(),
                 qPrintable(QStringLiteral("Differences at %1 px of a %2 px table").arg(left).arg(table->viewport()->width())));
        ml::ui::testing::keepScreenshot(*window, QStringLiteral("compare %1 vs %2%3")
                                                      .arg(QFileInfo(a).baseName(), QFileInfo(b).baseName(),
                                                           classroom ? QStringLiteral(" classroom") : QString()));
        view->training()->stop();
    }

    void missingFileIsReported()
    {
        CompareView view;
        QString error;
        QVERIFY(!view.loadSide(0, QStringLiteral("/nonexistent/model.py"), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!view.comparison());
    }

    void exports()
    {
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY(view.loadSide(0, QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        QVERIFY(view.loadSide(1, QStringLiteral(":/examples/net_plainlist.py"), &error));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTemporaryDir dir;
        for (const char* ext : {"png", "svg", "pdf"}) {
            const QString file = dir.filePath(QStringLiteral("compare.") + QLatin1String(ext));
            QCOMPARE(view.exportView(file), QString());
            QVERIFY(QFile(file).size() > 1000);
            const QString diagram = dir.filePath(QStringLiteral("a.") + QLatin1String(ext));
            QCOMPARE(view.exportDiagram(0, diagram), QString());
            QVERIFY(QFile(diagram).size() > 1000);
        }
        QFile pdf(dir.filePath(QStringLiteral("compare.pdf")));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QFile svg(dir.filePath(QStringLiteral("a.svg")));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QVERIFY(svg.readAll().contains("module_list"));
        QVERIFY(!view.exportView(dir.filePath(QStringLiteral("x.gif"))).isEmpty());
    }

    void commandLineScreenshot()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("compare.png"));
        const int rc = QProcess::execute(QStringLiteral(MODULELAB_GUI),
                                         {QStringLiteral("--compare"), QStringLiteral(MODULELAB_EXAMPLES "/net.py"),
                                          QStringLiteral(MODULELAB_EXAMPLES "/net_fixed.py"), QStringLiteral("--screenshot"), out,
                                          QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("-platform"),
                                          QStringLiteral("offscreen")});
        QCOMPARE(rc, 0);
        QImage image(out);
        QCOMPARE(image.size(), QSize(1280, 720));
        if (const QByteArray keep = qgetenv("MODULELAB_SCREENSHOT_DIR"); !keep.isEmpty())
            QFile::copy(out, QString::fromLocal8Bit(keep) + QStringLiteral("/compare.png"));
        // In classroom mode's type, as the main window's compare window shows it then.
        const QString classroom = dir.filePath(QStringLiteral("classroom.png"));
        QCOMPARE(QProcess::execute(QStringLiteral(MODULELAB_GUI),
                                   {QStringLiteral("--compare"), QStringLiteral(MODULELAB_EXAMPLES "/net.py"),
                                    QStringLiteral(MODULELAB_EXAMPLES "/net_fixed.py"), QStringLiteral("--classroom"),
                                    QStringLiteral("--screenshot"), classroom, QStringLiteral("--size"), QStringLiteral("1280x720"),
                                    QStringLiteral("-platform"), QStringLiteral("offscreen")}),
                 0);
        QCOMPARE(QImage(classroom).size(), QSize(1280, 720));
        QVERIFY(QImage(classroom) != image);
        QCOMPARE(QProcess::execute(QStringLiteral(MODULELAB_GUI),
                                   {QStringLiteral("--compare"), QStringLiteral(MODULELAB_EXAMPLES "/net.py"),
                                    QStringLiteral("-platform"), QStringLiteral("offscreen")}),
                 2);
    }
};

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"
