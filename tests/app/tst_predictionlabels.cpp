// The Predictions chart names every class whole (never "…", never left out, never cut): at
// 1600x1000, in a widened panel, in classroom mode's large type, which the names follow, and in a
// panel too short for the rows in that type. The Activations panel's input caption stays whole
// below its picture in a short panel.
#include "app/classroom/classroommode.h"
#include "app/document/runcontroller.h"
#include "app/document/runinput.h"
#include "app/run/activationview.h"
#include "app/run/featuremapgrid.h"
#include "app/run/predictionchart.h"
#include "app/run/probabilitybars.h"
#include "app/run/rundocks.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"
#include "engine/shape.h"
#include "engine/tensor.h"
#include "classroomwindow.h"

#include <QApplication>
#include <QDockWidget>
#include <QLabel>
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
        const QFontMetrics fm(bars->rowFont());
        const QRect shown = bars->visibleRegion().boundingRect();
        QStringList found;
        for (int i = 0; i < bars->rowCount(); ++i) {
            const QString name = bars->row(i).name;
            const QRect r = bars->nameRect(i);
            if (bars->font().pointSizeF() < chart->font().pointSizeF() - 0.01) {
                *why = QStringLiteral("'%1' in %2 pt, the panel's type is %3 pt").arg(name).arg(bars->font().pointSizeF()).arg(chart->font().pointSizeF());
                return false;
            }
            QFont type = bars->rowFont();
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
        QString why;
        QVERIFY2(testing::presentAt(window, QSize(1600, 1000), QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"), false, &why), qPrintable(why));
        RunDocks* docks = window.runDocks();
        docks->raise();
        docks->controller()->run();
        QVERIFY(docks->controller()->waitForFinished(60000));
        PredictionChart* chart = docks->predictions();
        QTRY_COMPARE(chart->barCount(), 10);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));

        // Widened.
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("predictionsDock"));
        window.resizeDocks({dock}, {dock->width() + 200}, Qt::Horizontal);
        QTRY_VERIFY2(namesWhole(chart, &why), qPrintable(why));

        // Classroom mode, the run panels brought back: the names in the large type.
        ClassroomMode* mode = testing::classroomOf(window);
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

    // A panel shorter than ten rows of its type (the editor's Predictions at 1280x720): the type
    // shrinks a little and every row stays inside the panel, none over another.
    void shortPanelKeepsEveryRow()
    {
        ProbabilityBars bars;
        QList<ProbabilityBars::Row> rows;
        for (int i = 0; i < classNames().size(); ++i)
            rows.append({classNames()[i], 0.1, i == 9});
        bars.setRows(rows);
        const int type = bars.fontMetrics().height();
        bars.resize(400, 8 + 10 * type * 4 / 5);
        bars.show();
        QVERIFY(QTest::qWaitForWindowExposed(&bars));
        QVERIFY(bars.rowFont().pointSizeF() < bars.font().pointSizeF());
        for (int i = 0; i < bars.rowCount(); ++i) {
            const QRect r = bars.nameRect(i);
            QVERIFY2(bars.rect().contains(r), qPrintable(QStringLiteral("row %1 at %2..%3 of %4").arg(i).arg(r.top()).arg(r.bottom()).arg(bars.height())));
            QVERIFY(r.height() >= QFontMetrics(bars.rowFont()).height());
            QVERIFY(i == 0 || !r.intersects(bars.nameRect(i - 1)));
        }
    }

    // The Activations panel's rows for a model's output (a name, a bar, a value per class) in a
    // panel shorter than ten rows of its type (the editor's at 1280x720): the type shrinks a
    // little and every row stays inside, the last one too, none over another.
    void shortOutputRowsKeepEveryRow()
    {
        FeatureMapGrid grid;
        ml::Tensor output(ml::Shape{1, 10});
        for (int i = 0; i < 10; ++i)
            output[i] = static_cast<float>(i) - 4.5f;
        QStringList names = classNames();
        names.back() = QStringLiteral("Ankle boot");
        grid.setTensor(output, names);
        QVERIFY(grid.drawsRows());
        const int type = grid.fontMetrics().height();
        grid.resize(400, 8 + 10 * type * 4 / 5);
        grid.show();
        QVERIFY(QTest::qWaitForWindowExposed(&grid));
        QVERIFY(grid.rowFont().pointSizeF() < grid.font().pointSizeF());
        const QFontMetrics fm(grid.rowFont());
        for (int i = 0; i < 10; ++i) {
            const QRect name = grid.nameRect(i);
            const QRect value = grid.valueRect(i);
            QVERIFY2(grid.rect().contains(name) && grid.rect().contains(value),
                     qPrintable(QStringLiteral("row %1 at %2..%3 of %4").arg(i).arg(name.top()).arg(name.bottom()).arg(grid.height())));
            QVERIFY(name.height() >= fm.height() && name.width() >= fm.horizontalAdvance(names[i]));
            QVERIFY(i == 0 || !name.intersects(grid.nameRect(i - 1)));
        }
        grid.resize(400, 40 * type); // room: the widget's own type
        QTRY_COMPARE(grid.rowFont().pointSizeF(), grid.font().pointSizeF());
    }

    // A short Activations panel shrinks the input picture, never the caption under it: the
    // file name and the label stay whole below the picture, not drawn over it.
    void inputCaptionBelowPicture()
    {
        ActivationView view;
        RunInput input;
        input.name = QStringLiteral("0000_ankle_boot.png");
        input.label = 9;
        input.converted = QImage(28, 28, QImage::Format_Grayscale8);
        input.converted.fill(128);
        view.setClassNames({QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Pullover"), QStringLiteral("Dress"),
                            QStringLiteral("Coat"), QStringLiteral("Sandal"), QStringLiteral("Shirt"), QStringLiteral("Sneaker"),
                            QStringLiteral("Bag"), QStringLiteral("Ankle boot")});
        view.resize(700, 170);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showCall(nullptr, &input, QStringLiteral("Run the model"));
        QLabel* picture = view.inputPicture();
        QLabel* caption = view.inputCaption();
        QTRY_VERIFY(picture->height() < 112); // shrunk to make room
        QTRY_VERIFY2(caption->geometry().top() >= picture->geometry().bottom(),
                     qPrintable(QStringLiteral("caption at %1, picture ends at %2").arg(caption->geometry().top()).arg(picture->geometry().bottom())));
        QTRY_VERIFY2(caption->height() >= caption->heightForWidth(caption->width()),
                 qPrintable(QStringLiteral("caption %1 high, needs %2; picture %3, panel %4").arg(caption->height()).arg(caption->heightForWidth(caption->width())).arg(picture->height()).arg(view.height())));
        QVERIFY(caption->geometry().bottom() <= view.height());
        view.resize(700, 400); // room again: the picture at its full size
        QTRY_COMPARE(picture->height(), 112);
    }
};

QTEST_MAIN(TestPredictionLabels)
#include "tst_predictionlabels.moc"
