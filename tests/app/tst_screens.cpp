// Every screen a teacher shows, at the sizes of a classroom projector (1280x720) and a desk
// (1920x1080), plain and in classroom mode: the editor on several models, the Run panels after a
// run, every lesson's first step, the Train panel and the compare window. No control's text is
// clipped, elided or cut by its panel's edge (ml::ui::testing::textCut).
#include "app/classroom/classroommode.h"
#include "app/compare/compareview.h"
#include "app/diagram/diagramview.h"
#include "app/lessons/lessonplayer.h"
#include "app/run/rundocks.h"
#include "app/document/runcontroller.h"
#include "app/train/traindocks.h"
#include "app/train/trainsession.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"
#include "layoutchecks.h"

#include <QApplication>
#include <QFileInfo>
#include <QSettings>
#include <QTest>

using namespace ml::ui;

namespace {

struct Screen {
    QSize size;
    bool classroom;
};

void addScreens(const char* what, const std::function<void(const QString&, Screen)>& add)
{
    for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
        for (const bool classroom : {false, true})
            add(QStringLiteral("%1 %2x%3%4").arg(QLatin1String(what)).arg(size.width()).arg(size.height()).arg(classroom ? " classroom" : ""),
                Screen{size, classroom});
}

// Rows (file, size, classroom): each file, under resources/examples, on each screen.
void addFileScreens(std::initializer_list<const char*> files)
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("classroom");
    for (const char* file : files)
        addScreens(qPrintable(QFileInfo(QString::fromLatin1(file)).fileName()), [&](const QString& name, Screen s) {
            QTest::newRow(qPrintable(name)) << QString::fromLatin1(file) << s.size << s.classroom;
        });
}

// Shown at its size; in classroom mode as F11 turns it on once the window has laid out.
void present(MainWindow& window, Screen screen)
{
    window.resize(screen.size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    if (screen.classroom)
        window.findChild<TeachingTools*>()->classroom()->setActive(true);
}

// The window's text whole once its panels have settled (shapes and sizes arrive after showing).
// With MODULELAB_SCREENS=DIR, each screen is also saved there as a PNG to look at.
// The main window's module tree shows its columns whole, without scrolling sideways, too.
QString cutIn(QWidget* window)
{
    QString cut = ml::ui::testing::textCut(window);
    if (auto* main = qobject_cast<MainWindow*>(window))
        if (const QString tree = ml::ui::testing::treeCut(main->treePanel()); !tree.isEmpty())
            cut += (cut.isEmpty() ? QString() : QStringLiteral("\n")) + QStringLiteral("module tree: ") + tree;
    return cut;
}

void expectWhole(QWidget* window, const QString& suffix = {})
{
    (void)QTest::qWaitFor([window] { return cutIn(window).isEmpty(); }, 3000);
    if (const QString dir = qEnvironmentVariable("MODULELAB_SCREENS"); !dir.isEmpty()) {
        QString name = QString::fromLatin1(QTest::currentTestFunction()) + QLatin1Char(' ')
                       + QString::fromLatin1(QTest::currentDataTag()) + suffix;
        name.replace(QLatin1Char(' '), QLatin1Char('_'));
        window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
    const QString cut = cutIn(window);
    QVERIFY2(cut.isEmpty(), qPrintable(cut));
}

} // namespace

class TestScreens : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        ml::ui::testing::useOwnSettings(QStringLiteral("ModuleLabScreensTest"));
        m_font = QApplication::font();
        m_styleSheet = qApp->styleSheet();
    }
    void cleanupTestCase() { QSettings().clear(); }
    // Each case starts as the application does: classroom mode's type ends with its window.
    void cleanup()
    {
        QSettings().clear();
        QApplication::setFont(m_font);
        qApp->setStyleSheet(m_styleSheet);
    }

    void editor_data()
    {
        addFileScreens({"net_modulelist_fixed.py", "fashion_cnn.mlab", "autoencoder.py", "net_residual.py", "net_sequential_viewbug.py"});
    }
    void editor()
    {
        QFETCH(QString, file);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/") + file));
        present(window, {size, classroom});
        expectWhole(&window);
    }

    void run_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        QTest::addColumn<QSize>("from");
        for (const char* file : {"fashion_cnn.mlab", "autoencoder.py"})
            addScreens(file, [&](const QString& name, Screen s) {
                QTest::newRow(qPrintable(name)) << QString::fromLatin1(file) << s.size << s.classroom << QSize();
            });
        // A window made smaller after its panels were laid out.
        for (const QSize from : {QSize(1400, 900), QSize(1920, 1080)})
            QTest::addRow("fashion_cnn.mlab %dx%d to 1280x720", from.width(), from.height())
                << QStringLiteral("fashion_cnn.mlab") << QSize(1280, 720) << false << from;
    }
    void run()
    {
        QFETCH(QString, file);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        QFETCH(QSize, from);
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/") + file));
        RunDocks* run = window.runDocks();
        run->setQuiet(true);
        present(window, {from.isValid() ? from : size, classroom});
        run->raise();
        if (from.isValid()) {
            QTest::qWait(200);
            window.resize(size);
        }
        run->controller()->run();
        QVERIFY(run->controller()->waitForFinished(120000));
        QVERIFY(run->controller()->result());
        run->raise();
        expectWhole(&window);
    }

    void lesson_data()
    {
        QTest::addColumn<int>("lesson");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        MainWindow window;
        const int count = static_cast<int>(window.findChild<TeachingTools*>()->lessonPlayer()->lessons().size());
        for (int n = 0; n < count; ++n)
            addScreens(qPrintable(QStringLiteral("lesson %1").arg(n + 1)),
                       [&](const QString& name, Screen s) { QTest::newRow(qPrintable(name)) << n << s.size << s.classroom; });
    }
    void lesson()
    {
        QFETCH(int, lesson);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        window.setQuiet(true);
        auto* tools = window.findChild<TeachingTools*>();
        tools->showLessons();
        tools->lessonPlayer()->startLesson(lesson);
        present(window, {size, classroom});
        expectWhole(&window);
    }

    void train_data()
    {
        // The example CNN, and a model whose forward returns two outputs (the panel offers a choice).
        addFileScreens({"fashion_cnn.mlab", "../../tests/data/train/models/two_heads.py"});
    }
    void train()
    {
        QFETCH(QString, file);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/") + file));
        present(window, {size, classroom});
        auto* train = window.findChild<TrainDocks*>();
        train->dock()->show();
        train->dock()->raise();
        QVERIFY(train->trainSteps(3, 120000));
        // Paused right after the third step, the screen shows that step (a small model runs
        // hundreds of steps while the window looks).
        QCOMPARE(train->session()->state(), TrainSession::State::Paused);
        QCOMPARE(train->session()->steps().back().step, 3);
        expectWhole(&window);
    }

    void compare_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        for (const auto& [a, b] : {std::pair{"net_sequential_fixed.py", "net_modulelist_fixed.py"}, std::pair{"fashion_cnn.mlab", "net_residual.py"}})
            addScreens(qPrintable(QStringLiteral("%1 vs %2").arg(QLatin1String(a), QLatin1String(b))), [&](const QString& name, Screen s) {
                QTest::newRow(qPrintable(name)) << QString::fromLatin1(a) << QString::fromLatin1(b) << s.size << s.classroom;
            });
    }
    void compare()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        window.setQuiet(true);
        present(window, {QSize(1280, 720), classroom});
        auto* tools = window.findChild<TeachingTools*>();
        tools->showCompare(QStringLiteral(MODULELAB_EXAMPLES "/") + a, QStringLiteral(MODULELAB_EXAMPLES "/") + b);
        QWidget* compareWindow = tools->compareView()->window();
        compareWindow->resize(size);
        QVERIFY(QTest::qWaitForWindowExposed(compareWindow));
        // Opened during a presentation, its diagrams are presented too: labels at least at
        // their own size, the diagram as wide as its panel.
        if (classroom)
            for (int side = 0; side < 2; ++side)
                QVERIFY2(tools->compareView()->diagram(side)->zoom() >= 1.0,
                         qPrintable(QStringLiteral("side %1 drawn at %2").arg(side).arg(tools->compareView()->diagram(side)->zoom())));
        for (int tab = 0; tab < tools->compareView()->tabs()->count(); ++tab) {
            tools->compareView()->tabs()->setCurrentIndex(tab);
            expectWhole(compareWindow, QStringLiteral(" tab %1").arg(tab));
        }
    }

private:
    QFont m_font;
    QString m_styleSheet;
};

QTEST_MAIN(TestScreens)
#include "tst_screens.moc"
