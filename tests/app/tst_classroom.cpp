// Classroom mode: one toggle for large type, a high-contrast palette, a larger diagram and no
// editing panels; switching back restores everything; keyboard zoom; a screenshot at 1280x720.
#include "app/classroom/classroommode.h"
#include "app/diagram/diagramview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace ml::ui;

class TestClassroom : public QObject {
    Q_OBJECT
private slots:
    void toggleAndRestore()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        QVERIFY(window.openFile(QStringLiteral(":/examples/net_sequential_fixed.py")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ClassroomMode* mode = window.findChild<TeachingTools*>()->classroom();
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

        mode->toggleAction()->trigger();
        QVERIFY(mode->isActive());
        QVERIFY(!palette->isVisible() && !props->isVisible() && !history->isVisible());
        QVERIFY(QApplication::font().pointSizeF() >= font.pointSizeF() * 1.5);
        QCOMPARE(QApplication::palette().color(QPalette::Text), QColor(Qt::black));
        QCOMPARE(QApplication::palette().color(QPalette::Base), QColor(Qt::white));
        QVERIFY(diagram->zoom() >= ClassroomMode::kClassroomDiagramZoom * 0.99);

        // Keyboard zoom: Ctrl+= and Ctrl+- change the diagram and the type; Ctrl+0 resets.
        const double size0 = QApplication::font().pointSizeF();
        const double zoom0 = diagram->zoom();
        QTest::keyClick(&window, Qt::Key_Equal, Qt::ControlModifier);
        QVERIFY(QApplication::font().pointSizeF() > size0);
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

        mode->toggleAction()->trigger();
        QVERIFY(!mode->isActive());
        QCOMPARE(palette->isVisible(), paletteVisible);
        QCOMPARE(QApplication::font(), font);
        QCOMPARE(QApplication::palette().color(QPalette::Window), window0);
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
