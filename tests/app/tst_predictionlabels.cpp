// The Predictions chart names every class whole (never "…", never cut at the chart's left
// edge): at 1600x1000, in a widened panel and in classroom mode's large type, which the axis
// labels follow.
#include "app/classroom/classroommode.h"
#include "app/document/runcontroller.h"
#include "app/run/predictionchart.h"
#include "app/run/rundocks.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"

#include <QApplication>
#include <QChartView>
#include <QDockWidget>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QTest>

using namespace ml::ui;

class TestPredictionLabels : public QObject {
    Q_OBJECT

    static const QStringList& classNames()
    {
        static const QStringList names{QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Pullover"),
                                       QStringLiteral("Dress"),       QStringLiteral("Coat"),    QStringLiteral("Sandal"),
                                       QStringLiteral("Shirt"),       QStringLiteral("Sneaker"), QStringLiteral("Bag"),
                                       QStringLiteral("Ankle boot ✓")};
        return names;
    }

    // Every class name drawn as a whole label inside the chart view, in the chart's font.
    static bool namesWhole(PredictionChart* chart, QString* why)
    {
        auto* view = chart->findChild<QChartView*>();
        if (!view || !view->isVisible()) {
            *why = QStringLiteral("no chart on show");
            return false;
        }
        QStringList found;
        const QRectF shown = view->mapToScene(view->viewport()->rect()).boundingRect();
        for (QGraphicsItem* item : view->scene()->items()) {
            auto* text = dynamic_cast<QGraphicsTextItem*>(item);
            if (!text || !text->isVisible() || !classNames().contains(text->toPlainText()))
                continue;
            const QRectF r = text->sceneBoundingRect();
            if (!shown.contains(r)) {
                *why = QStringLiteral("'%1' is cut: %2,%3 %4x%5").arg(text->toPlainText()).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
                return false;
            }
            if (text->font().pointSizeF() < chart->font().pointSizeF() - 0.01) {
                *why = QStringLiteral("'%1' in %2 pt, the panel's type is %3 pt").arg(text->toPlainText()).arg(text->font().pointSizeF()).arg(chart->font().pointSizeF());
                return false;
            }
            found << text->toPlainText();
        }
        for (const QString& name : classNames())
            if (!found.contains(name)) {
                *why = QStringLiteral("'%1' is not drawn whole (drawn: %2)").arg(name, found.join(QStringLiteral(", ")));
                return false;
            }
        return true;
    }

private slots:
    void classNamesWhole()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1600, 1000);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocks* docks = window.runDocks();
        docks->raise();
        docks->controller()->run();
        QVERIFY(docks->controller()->waitForFinished(60000));
        PredictionChart* chart = docks->predictions();
        QTRY_COMPARE(chart->barCount(), 10);
        QString why;
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));

        // Widened.
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("predictionsDock"));
        window.resizeDocks({dock}, {dock->width() + 200}, Qt::Horizontal);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));

        // Classroom mode, the run panels brought back: the names in the large type.
        ClassroomMode* mode = window.findChild<TeachingTools*>()->classroom();
        mode->setActive(true);
        docks->raise();
        QTRY_VERIFY(chart->font().pointSizeF() >= QApplication::font().pointSizeF() - 0.01);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));
        mode->setActive(false);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));
    }
};

QTEST_MAIN(TestPredictionLabels)
#include "tst_predictionlabels.moc"
