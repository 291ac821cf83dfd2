// The status bar's message is shown whole beside the totals at 1280 pixels, in the editor and in
// classroom mode's large type: it wraps (at spaces, or after a path's slashes) instead of being
// cut at the edge, and no number in it or in the totals is cut.
#include "app/classroom/classroommode.h"
#include "app/ui/mainwindow.h"
#include "app/ui/statusmessage.h"
#include "app/ui/teachingtools.h"
#include "classroomwindow.h"

#include <QFontMetrics>
#include <QPixmap>
#include <QLabel>
#include <QStatusBar>
#include <QTest>
#include <QTextLayout>

#include <cmath>

using namespace ml::ui;

class TestStatusMessage : public QObject {
    Q_OBJECT

    // The message laid out at the widget's width (Qt's own line breaking) fits the part of the
    // widget that is visible in the window.
    static bool shownWhole(StatusMessage* shown, QString* why)
    {
        QTextLayout layout(shown->message(), shown->font());
        QTextOption option;
        option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
        layout.setTextOption(option);
        layout.beginLayout();
        double height = 0, width = 0;
        for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
            line.setLineWidth(shown->contentsRect().width());
            height += line.height();
            width = std::max(width, line.naturalTextWidth());
        }
        layout.endLayout();
        const QRect visible = shown->visibleRegion().boundingRect();
        *why = QStringLiteral("'%1' needs %2x%3, visible %4x%5").arg(shown->message()).arg(width).arg(height).arg(visible.width()).arg(visible.height());
        return shown->isVisible() && visible.width() >= width && visible.height() >= std::ceil(height);
    }

private slots:
    void longMessageShownWhole_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        QTest::newRow("1280x720") << QSize(1280, 720) << false;
        QTest::newRow("1280x720 classroom") << QSize(1280, 720) << true;
        QTest::newRow("1920x1080 classroom") << QSize(1920, 1080) << true;
    }

    void longMessageShownWhole()
    {
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        QString why;
        QVERIFY2(testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"), classroom, &why), qPrintable(why));
        QTest::qWait(50);
        const QString message = QStringLiteral(
            "Run refused: the forward pass would keep 4,295,229,440 bytes (4.00 GB) of activations for display, "
            "over the 2,147,483,648-byte limit; choose a smaller input than [1, 1, 4096, 4096]");
        window.statusBar()->showMessage(message);
        StatusMessage* shown = window.statusMessage();
        QTRY_COMPARE(shown->message(), message);
        QTRY_VERIFY2(shownWhole(shown, &why), qPrintable(why));
        QCOMPARE(shown->toolTip(), message);
        // The totals beside it stay whole.
        QLabel* totals = window.totalsLabel();
        QVERIFY(totals->contentsRect().width() >= QFontMetrics(totals->font()).horizontalAdvance(totals->text()));
        QVERIFY(totals->visibleRegion().boundingRect().width() >= QFontMetrics(totals->font()).horizontalAdvance(totals->text()));
        // The status bar inside the window, which kept its size.
        QVERIFY(window.statusBar()->geometry().bottom() < window.height());
        QCOMPARE(window.size(), size);

        // A path with no space in it wraps after its slashes.
        const QString saved = QStringLiteral(
            "Saved /home/teacher/courses/deep-learning/week-03/fashion_cnn_with_batchnorm_final.mlab; "
            "the weights went beside it as fashion_cnn_with_batchnorm_final.safetensors");
        window.statusBar()->showMessage(saved);
        QTRY_VERIFY2(shownWhole(shown, &why), qPrintable(why));
        if (const QByteArray keep = qgetenv("MODULELAB_SCREENSHOT_DIR"); !keep.isEmpty())
            window.grab().save(QStringLiteral("%1/statusmessage-%2x%3%4.png")
                                   .arg(QString::fromLocal8Bit(keep))
                                   .arg(size.width())
                                   .arg(size.height())
                                   .arg(classroom ? QStringLiteral("-classroom") : QString()));

        // When the message goes, the bar is one line again.
        window.statusBar()->clearMessage();
        QTRY_COMPARE(shown->minimumHeight(), shown->fontMetrics().height());
        if (classroom)
            testing::classroomOf(window)->setActive(false);
    }
};

QTEST_MAIN(TestStatusMessage)
#include "tst_statusmessage.moc"
