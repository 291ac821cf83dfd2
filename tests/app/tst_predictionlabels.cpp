// The Predictions chart names every class whole (never "…", never left out, never cut): at
// 1600x1000, in a widened panel and in classroom mode's large type, which the names follow.
#include "app/classroom/classroommode.h"
#include "app/document/runcontroller.h"
#include "app/run/predictionchart.h"
#include "app/run/probabilitybars.h"
#include "app/run/rundocks.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"

#include <QApplication>
#include <QDockWidget>
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

    // Every class name written whole inside the part of the chart on show, in the chart's
    // type, no name running into the next one.
    static bool namesWhole(PredictionChart* chart, QString* why)
    {
        ProbabilityBars* bars = chart->bars();
        if (!bars->isVisible()) {
            *why = QStringLiteral("no chart on show");
            return false;
        }
        const QFontMetrics fm(bars->font());
        const QRect shown = bars->visibleRegion().boundingRect();
        QStringList found;
        for (int i = 0; i < bars->rowCount(); ++i) {
            const QString name = bars->row(i).name;
            const QRect r = bars->nameRect(i);
            if (bars->font().pointSizeF() < chart->font().pointSizeF() - 0.01) {
                *why = QStringLiteral("'%1' in %2 pt, the panel's type is %3 pt").arg(name).arg(bars->font().pointSizeF()).arg(chart->font().pointSizeF());
                return false;
            }
            QFont type = bars->font();
            type.setBold(bars->row(i).marked); // the true label in bold
            if (!shown.contains(r) || r.width() < QFontMetrics(type).horizontalAdvance(name) || r.height() < fm.height()) {
                *why = QStringLiteral("'%1' is cut: %2,%3 %4x%5 in %6x%7").arg(name).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()).arg(shown.width()).arg(shown.height());
                return false;
            }
            if (i > 0 && r.intersects(bars->nameRect(i - 1))) {
                *why = QStringLiteral("'%1' runs into the name above it").arg(name);
                return false;
            }
            found << name;
        }
        if (found != classNames()) {
            *why = QStringLiteral("drawn: %1").arg(found.join(QStringLiteral(", ")));
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
        auto* card = window.findChild<QDockWidget*>(QStringLiteral("nodeCardDock"));
        QTRY_VERIFY(card && window.tabifiedDockWidgets(card).contains(dock)); // among the card's tabs
        dock->raise();
        QTRY_VERIFY(chart->font().pointSizeF() >= QApplication::font().pointSizeF() - 0.01);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));
        mode->setActive(false);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));
    }
};

QTEST_MAIN(TestPredictionLabels)
#include "tst_predictionlabels.moc"
