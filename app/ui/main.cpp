#include "app/classroom/classroommode.h"
#include "app/compare/comparetraining.h"
#include "app/compare/compareview.h"
#include "app/lessons/lessonplayer.h"
#include "app/document/forwardrecording.h"
#include "app/document/runcontroller.h"
#include "app/document/samplelistmodel.h"
#include "app/run/rundocks.h"
#include "app/run/samplespanel.h"
#include "app/ui/commandlineoptions.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"
#include "app/train/traindocks.h"
#include "app/train/trainsession.h"

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>
#include <string_view>

using namespace ml::ui;

namespace {

// Usage errors and files that cannot be read exit with 2, a failed screenshot or run with 1;
// every failure says why on stderr.
int fail(int status, const QString& message)
{
    std::fprintf(stderr, "modulelab: %s\n", qPrintable(message));
    return status;
}

// Renders the window once layouts, the analysis and the diagram have settled.
int shoot(QWidget* window, const QString& out, const std::function<int()>& prepare)
{
    int status = 0;
    QTimer::singleShot(200, window, [&] {
        status = prepare();
        QString error;
        if (!saveImageAtomically(window->grab().toImage(), out, &error))
            status = fail(1, error);
        window->close();
        QCoreApplication::quit();
    });
    QCoreApplication::exec();
    return status;
}

int compareModels(const QCommandLineParser& parser, const std::optional<QSize>& size, const QString& screenshot, int trainSteps,
                  const QString& tab, bool classroom)
{
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2)
        return fail(2, QStringLiteral("--compare wants two model files, A and B"));
    // In classroom mode: the main window's compare window (File > Compare Models) in the
    // presentation's type, the main window itself not shown.
    std::unique_ptr<MainWindow> main;
    std::unique_ptr<CompareView> own;
    CompareView* view = nullptr;
    if (classroom) {
        main = std::make_unique<MainWindow>();
        main->setQuiet(true);
        view = main->findChild<TeachingTools*>()->compareView();
    } else {
        own = std::make_unique<CompareView>();
        own->setWindowTitle(QStringLiteral("Compare Models — ModuleLab"));
        view = own.get();
    }
    for (int side = 0; side < 2; ++side) {
        QString error;
        if (!view->loadSide(side, files[side], &error))
            return fail(2, error);
    }
    QWidget* window = view->window();
    window->resize(size.value_or(QSize(1280, 800)));
    if (classroom)
        main->findChild<TeachingTools*>()->classroom()->setActive(true);
    window->show();
    if (trainSteps > 0)
        view->tabs()->setCurrentWidget(view->training());
    QString error;
    if (!tab.isEmpty() && !showTabNamed(view, tab, &error))
        return fail(2, error);
    if (screenshot.isEmpty()) {
        if (trainSteps > 0)
            QTimer::singleShot(0, view, [&] { view->training()->trainSteps(trainSteps, 3600000); });
        return QCoreApplication::exec();
    }
    return shoot(window, screenshot, [&] {
        if (trainSteps > 0 && !view->training()->trainSteps(trainSteps, 600000))
            return fail(1, QStringLiteral("training did not reach step %1 on both sides").arg(trainSteps));
        view->fitDiagrams();
        return 0;
    });
}

// Without a display (a terminal over ssh, a build machine), --help, --version and --screenshot
// need no window system: they run on Qt's offscreen platform. Anything else would open a window
// and cannot; say so plainly instead of Qt's platform-plugin error. Returns false to exit.
bool chooseHeadlessPlatform(int argc, char* argv[])
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        return true;
    for (int k = 1; k < argc; ++k) {
        const std::string_view a = argv[k];
        if (a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version" || a == "--screenshot"
            || a.rfind("--screenshot=", 0) == 0) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            return true;
        }
    }
    std::fprintf(stderr, "modulelab: no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                         "--screenshot OUT.png renders the window without one\n");
    return false;
}

} // namespace

int main(int argc, char* argv[])
{
    if (!chooseHeadlessPlatform(argc, argv))
        return 1;
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ModuleLab"));
    QApplication::setOrganizationName(QStringLiteral("ModuleLab"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/modulelab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Build and inspect PyTorch module trees."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A .mlab project or .py model to open."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to OUT.png and exit."),
                                        QStringLiteral("OUT.png"));
    const QCommandLineOption select(QStringLiteral("select"), QStringLiteral("Select the node at PATH (dotted)."),
                                    QStringLiteral("PATH"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size WxH."), QStringLiteral("WxH"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QStringLiteral("Compare two models side by side: modulelab --compare A B."));
    const QCommandLineOption classroom(QStringLiteral("classroom"), QStringLiteral("Start in classroom mode."));
    const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Run the forward pass on a sample and show the run "
                                                                       "panels (before the screenshot)."));
    const QCommandLineOption sample(QStringLiteral("sample"), QStringLiteral("Use sample ROW of the Samples panel."),
                                    QStringLiteral("ROW"));
    const QCommandLineOption train(QStringLiteral("train"), QStringLiteral("Train STEPS steps in the Train panel, then pause "
                                                                         "(before the screenshot)."),
                                   QStringLiteral("STEPS"));
    const QCommandLineOption lesson(QStringLiteral("lesson"), QStringLiteral("Open lesson N (from 1) in the Lessons panel."),
                                    QStringLiteral("N"));
    const QCommandLineOption lessonStep(QStringLiteral("lesson-step"),
                                        QStringLiteral("Show step S (from 1, or last) of the lesson opened with --lesson."),
                                        QStringLiteral("S"));
    const QCommandLineOption tab(QStringLiteral("tab"),
                                 QStringLiteral("Bring the tab NAME to the front: a compare tab (Aligned layers, Containers, "
                                                "Activations, Train) or the Train panel's (Curves, Layers, Confusion, "
                                                "Reconstructions)."),
                                 QStringLiteral("NAME"));
    parser.addOptions({screenshot, select, size, compare, classroom, run, sample, train, lesson, lessonStep, tab});
    // An unknown option or one without its value is a usage error like any other wrong option.
    if (!parser.parse(QCoreApplication::arguments()))
        return fail(2, parser.errorText());
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all")))
        parser.showHelp(0);
    if (parser.isSet(version))
        parser.showVersion();

    // Every option is checked before a model is loaded or a file written.
    std::optional<QSize> windowSize;
    QString error;
    if (parser.isSet(size) && !(windowSize = parseWindowSize(parser.value(size), &error)))
        return fail(2, error);
    const QString out = parser.value(screenshot);
    if (parser.isSet(screenshot) && !isWritableImageName(out, &error))
        return fail(2, error);
    bool stepsOk = true;
    const int trainSteps = parser.isSet(train) ? parser.value(train).toInt(&stepsOk) : 0;
    if (!stepsOk || trainSteps < 0 || (parser.isSet(train) && trainSteps == 0))
        return fail(2, QStringLiteral("--train wants a number of steps from 1, got '%1'").arg(parser.value(train)));
    if (parser.isSet(compare)) {
        for (const QCommandLineOption* o : {&select, &run, &sample, &lesson, &lessonStep})
            if (parser.isSet(*o))
                return fail(2, QStringLiteral("--%1 does not apply to --compare").arg(o->names().first()));
        return compareModels(parser, windowSize, out, trainSteps, parser.value(tab), parser.isSet(classroom));
    }
    if (parser.isSet(lessonStep) && !parser.isSet(lesson))
        return fail(2, QStringLiteral("--lesson-step wants a lesson: --lesson N"));
    if (parser.positionalArguments().size() > 1)
        return fail(2, QStringLiteral("open one model at a time (or compare two with --compare A B)"));

    MainWindow window;
    const bool shooting = parser.isSet(screenshot);
    window.setQuiet(shooting);
    const QString file = parser.positionalArguments().value(0, QStringLiteral(":/examples/net_modulelist_fixed.py"));
    // A file that cannot be opened ends a screenshot run; the interactive window has said why
    // in a message box and opens on a new model instead.
    if (!window.openFile(file, &error) && shooting)
        return fail(2, error);
    if (windowSize)
        window.resize(*windowSize);
    else if (shooting)
        window.resize(1400, 900);
    if (parser.isSet(select) && !window.selectPath(parser.value(select)))
        return fail(2, QStringLiteral("--select %1: %2 has no node of that name (write it as print(model) names "
                                      "it, like features.0)")
                           .arg(parser.value(select), QFileInfo(file).fileName()));
    RunDocks* runDocks = window.runDocks();
    runDocks->setQuiet(shooting);
    if (parser.isSet(sample)) {
        const auto row = parseSampleRow(parser.value(sample), runDocks->samples()->model()->rowCount(), &error);
        if (!row)
            return fail(2, error);
        runDocks->samples()->selectRow(*row);
    }
    QString runMessage;
    QObject::connect(runDocks->controller(), &RunController::message, &window,
                     [&runMessage](const QString& text) { runMessage = text; });
    const bool running = parser.isSet(run);
    if (running) {
        if (!parser.isSet(classroom))
            runDocks->raise();
        runDocks->controller()->run();
    }
    if (parser.isSet(lesson)) {
        auto* tools = window.findChild<TeachingTools*>();
        const int count = static_cast<int>(tools->lessonPlayer()->lessons().size());
        bool ok = false;
        const int n = parser.value(lesson).toInt(&ok);
        if (!ok || n < 1 || n > count)
            return fail(2, QStringLiteral("--lesson wants a lesson number from 1 to %1, got '%2'").arg(count).arg(parser.value(lesson)));
        int step = 1;
        if (parser.isSet(lessonStep)) {
            const auto s = parseLessonStep(parser.value(lessonStep),
                                           static_cast<int>(tools->lessonPlayer()->lessons()[static_cast<size_t>(n - 1)].steps.size()), &error);
            if (!s)
                return fail(2, error);
            step = *s;
        }
        tools->showLessons();
        tools->lessonPlayer()->startLesson(n - 1);
        if (step > 1)
            tools->lessonPlayer()->goToStep(step - 1);
    }
    window.show();
    // Once the first window has sized its panels: the layout classroom mode returns to.
    if (parser.isSet(classroom))
        if (auto* tools = window.findChild<TeachingTools*>()) {
            tools->classroom()->setActive(true);
            if (running) // as Run > Show Run Panels does in the presentation
                runDocks->raise();
        }
    auto* trainDocks = window.findChild<TrainDocks*>();
    QString trainMessage;
    QObject::connect(trainDocks->session(), &TrainSession::message, &window,
                     [&trainMessage](const QString& text) { trainMessage = text; });
    if (!shooting) {
        if (trainSteps > 0)
            QTimer::singleShot(0, &window, [&] { trainDocks->trainSteps(trainSteps, 3600000); });
        return app.exec();
    }

    if (parser.isSet(tab)) {
        // The Train panel's tabs exist once View > Train has shown the panel.
        if (QString ignored; !showTabNamed(&window, parser.value(tab), &ignored))
            for (QAction* a : trainDocks->findChildren<QAction*>())
                if (a->text() == QStringLiteral("&Train") && !a->isChecked())
                    a->trigger();
        if (!showTabNamed(&window, parser.value(tab), &error))
            return fail(2, error);
    }
    return shoot(&window, out, [&] {
        if (trainSteps > 0 && !trainDocks->trainSteps(trainSteps, 600000))
            return fail(1, QStringLiteral("training did not reach step %1: %2").arg(trainSteps).arg(trainMessage));
        if (parser.isSet(tab)) // again: training brings its own panel to the front
            showTabNamed(&window, parser.value(tab), &error);
        if (!running)
            return 0;
        if (!runDocks->controller()->waitForFinished(120000))
            return fail(1, QStringLiteral("the run did not finish in two minutes"));
        QCoreApplication::processEvents();
        runDocks->raise(); // sized for the results
        for (int i = 0; i < 5; ++i)
            QCoreApplication::processEvents();
        const ForwardRecording* result = runDocks->controller()->result();
        if (!result)
            return fail(1, QStringLiteral("the run did not complete: %1").arg(runMessage));
        // A forward pass that stopped (PyTorch would raise there) or was cancelled did not complete.
        if (result->cancelled || !result->errors.empty() || result->outputs.empty())
            return fail(1, QStringLiteral("the run did not complete: %1")
                               .arg(result->errors.empty() ? runMessage : result->errorText()));
        return 0;
    });
}
