// Zoom to Fit on a model too tall to fit whole at a readable size (a ResNet-50 has hundreds of
// boxes) fits the width instead, no smaller than the labels can be read at, from the top; in
// classroom mode the labels stay at their full size. A small model still fits whole.
#include "app/classroom/classroommode.h"
#include "app/diagram/diagramview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"
#include "classroomwindow.h"

#include <QAction>
#include <QFile>
#include <QGraphicsScene>
#include <QMenuBar>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>

using namespace ml::ui;

class TestReadableZoom : public QObject {
    Q_OBJECT

    static QAction* zoomToFit(MainWindow& window)
    {
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("Zoom to &Fit"))
                return a;
        return nullptr;
    }

    // A Sequential of `layers` Linear layers: one column of boxes, as tall as a ResNet-50's.
    static QString tallModel(const QTemporaryDir& dir, int layers)
    {
        QString code = QStringLiteral("import torch.nn as nn\n\nmodel = nn.Sequential(\n");
        for (int i = 0; i < layers; ++i)
            code += QStringLiteral("    nn.Linear(16, 16),\n");
        code += QStringLiteral(")\n# input: 1,16\n");
        const QString path = dir.filePath(QStringLiteral("tall.py"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(code.toUtf8());
        return path;
    }

private slots:
    void tallModelFitsTheWidthReadably()
    {
        QTemporaryDir dir;
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1280, 720), tallModel(dir, 120), false, &why), qPrintable(why));
        auto* diagram = window.findChild<DiagramView*>();
        QAction* fit = zoomToFit(window);
        QVERIFY(fit);
        fit->trigger();
        QVERIFY2(diagram->zoom() >= 0.5 - 1e-9, qPrintable(QString::number(diagram->zoom())));
        QCOMPARE(diagram->horizontalScrollBar()->maximum(), 0); // the width fits
        QCOMPARE(diagram->verticalScrollBar()->value(), diagram->verticalScrollBar()->minimum()); // from the top

        // Classroom mode: the labels at their own size at least.
        ClassroomMode* mode = testing::classroomOf(window);
        mode->setActive(true);
        QTest::qWait(50);
        fit->trigger();
        QVERIFY2(diagram->zoom() >= 1.0 - 1e-9, qPrintable(QString::number(diagram->zoom())));
        mode->setActive(false);
        QTest::qWait(50);
        fit->trigger();
        QVERIFY2(diagram->zoom() < 1.0 - 1e-9, qPrintable(QString::number(diagram->zoom())));
    }

    void smallModelFitsWhole()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        QVERIFY(window.openFile(QStringLiteral(":/examples/net_fixed.py")));
        QVERIFY(window.selectPath(QStringLiteral("conv1")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* diagram = window.findChild<DiagramView*>();
        zoomToFit(window)->trigger();
        const QRect fitted = diagram->mapFromScene(diagram->scene()->sceneRect()).boundingRect();
        QVERIFY(fitted.width() <= diagram->viewport()->width() + 2 && fitted.height() <= diagram->viewport()->height() + 2);
    }
};

QTEST_MAIN(TestReadableZoom)
#include "tst_readablezoom.moc"
