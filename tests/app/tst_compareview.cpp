// The compare view: two models side by side, aligned rows with their differences, totals,
// diagrams following the selected row, the concept tab, and its exports.
#include "app/compare/compareview.h"
#include "app/compare/concepttablewidget.h"
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramview.h"

#include <QFile>
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
        QCOMPARE(QProcess::execute(QStringLiteral(MODULELAB_GUI),
                                   {QStringLiteral("--compare"), QStringLiteral(MODULELAB_EXAMPLES "/net.py"),
                                    QStringLiteral("-platform"), QStringLiteral("offscreen")}),
                 2);
    }
};

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"
