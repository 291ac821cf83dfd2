// Slide exports: the summary as Markdown and CSV (rows as the command line's JSON summary),
// the main diagram as PNG, SVG and PDF.
#include "app/document/document.h"
#include "app/document/summaryexport.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ml::ui;

class TestCompareExport : public QObject {
    Q_OBJECT
private slots:
    void markdown()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_sequential_fixed.py"), &error));
        const QString md = summaryMarkdown(*doc.root(), doc.inputShape(), doc.analysis());
        const QStringList lines = md.split(QLatin1Char('\n'));
        QCOMPARE(lines[0], QStringLiteral("## NetSequential"));
        QCOMPARE(lines[2], QStringLiteral("Input [1, 1, 28, 28] → output [1, 10]"));
        QCOMPARE(lines[4], QStringLiteral("| Path | Type | Input | Output | Params | Mult-adds |"));
        QVERIFY(lines[6].startsWith(QStringLiteral("| (root) | NetSequential | [1, 1, 28, 28] | [1, 10] |")));
        QVERIFY(md.contains(QStringLiteral("| conv_block1.0 | Conv2d | [1, 1, 28, 28] | [1, 32, 28, 28] | 320 | 250,880 |")));
        QVERIFY(md.contains(QStringLiteral("**Total params:** 51,410,506")));
    }

    void csv()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_plainlist.py"), &error));
        const QString csv = summaryCsv(*doc.root(), doc.inputShape(), doc.analysis());
        const QStringList lines = csv.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines[0], QStringLiteral("path,type,input,output,params,mult_adds"));
        QCOMPARE(lines[1].section(QLatin1Char(','), 0, 3), QStringLiteral("(root),NetPlainList,1x1x28x28,1x10"));
        QVERIFY(lines[2].startsWith(QStringLiteral("layers (not registered),list,")));
        QCOMPARE(lines.size(), 1 + 1 + 1 + 10);

        QTemporaryDir dir;
        QCOMPARE(writeSummary(dir.filePath(QStringLiteral("s.csv")), *doc.root(), doc.inputShape(), doc.analysis()), QString());
        QFile f(dir.filePath(QStringLiteral("s.csv")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(f.readAll()), csv);
        QVERIFY(!writeSummary(dir.filePath(QStringLiteral("s.txt")), *doc.root(), doc.inputShape(), doc.analysis()).isEmpty());
    }

    void diagramForSlides()
    {
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(":/examples/net_modulelist_fixed.py")));
        auto* tools = window.findChild<TeachingTools*>();
        QTemporaryDir dir;
        for (const char* ext : {"png", "svg", "pdf"}) {
            const QString file = dir.filePath(QStringLiteral("d.") + QLatin1String(ext));
            QCOMPARE(tools->exportDiagram(file), QString());
            QVERIFY(QFile(file).size() > 1000);
        }
        QCOMPARE(tools->exportSummary(dir.filePath(QStringLiteral("s.md"))), QString());
        QVERIFY(QFile(dir.filePath(QStringLiteral("s.md"))).size() > 200);
    }
};

QTEST_MAIN(TestCompareExport)
#include "tst_compareexport.moc"
