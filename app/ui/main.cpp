#include "app/ui/mainwindow.h"
#if defined(MODULELAB_HAVE_DIAGRAM)
#include "app/classroom/classroommode.h"
#include "app/compare/compareview.h"
#include "app/ui/teachingtools.h"
#endif
#if defined(MODULELAB_HAVE_RUN)
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/run/samplespanel.h"
#endif

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QIcon>
#include <QPixmap>
#include <QRegularExpression>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ModuleLab"));
    QApplication::setOrganizationName(QStringLiteral("ModuleLab"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/modulelab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Build and inspect PyTorch module trees."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A .mlab project or .py model to open."));
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to OUT.png and exit."),
                                  QStringLiteral("OUT.png"));
    QCommandLineOption select(QStringLiteral("select"), QStringLiteral("Select the node at PATH (dotted)."),
                              QStringLiteral("PATH"));
    QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size WxH."), QStringLiteral("WxH"));
    parser.addOptions({screenshot, select, size});
#if defined(MODULELAB_HAVE_DIAGRAM)
    QCommandLineOption compare(QStringLiteral("compare"),
                               QStringLiteral("Compare two models side by side: modulelab --compare A B."));
    QCommandLineOption classroom(QStringLiteral("classroom"), QStringLiteral("Start in classroom mode."));
    parser.addOptions({compare, classroom});
#endif
#if defined(MODULELAB_HAVE_RUN)
    QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Run the forward pass on a sample and show the run panels "
                                                                 "(before the screenshot)."));
    QCommandLineOption sample(QStringLiteral("sample"), QStringLiteral("Use sample ROW of the Samples panel."),
                              QStringLiteral("ROW"));
    parser.addOptions({run, sample});
#endif
    parser.process(app);

#if defined(MODULELAB_HAVE_DIAGRAM)
    if (parser.isSet(compare)) {
        const QStringList files = parser.positionalArguments();
        if (files.size() != 2) {
            std::fprintf(stderr, "modulelab: --compare wants two model files, A and B\n");
            return 2;
        }
        ml::ui::CompareView view;
        view.setWindowTitle(QStringLiteral("Compare Models — ModuleLab"));
        for (int side = 0; side < 2; ++side) {
            QString error;
            if (!view.loadSide(side, files[side], &error)) {
                std::fprintf(stderr, "%s\n", qPrintable(error));
                return 2;
            }
        }
        QSize wanted(1280, 800);
        if (parser.isSet(size)) {
            const auto m = QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value(size));
            if (!m.hasMatch()) {
                std::fprintf(stderr, "modulelab: --size wants WxH, like 1400x900\n");
                return 2;
            }
            wanted = QSize(m.captured(1).toInt(), m.captured(2).toInt());
        }
        view.resize(wanted);
        view.show();
        if (!parser.isSet(screenshot))
            return app.exec();
        int status = 0;
        QTimer::singleShot(200, &view, [&] {
            view.fitDiagrams();
            const QString out = parser.value(screenshot);
            if (!view.grab().save(out)) {
                std::fprintf(stderr, "modulelab: cannot write %s\n", qPrintable(out));
                status = 1;
            }
            app.quit();
        });
        app.exec();
        return status;
    }
#endif
    ml::ui::MainWindow window;
    const bool shooting = parser.isSet(screenshot);
    window.setQuiet(shooting);
    const QString file = parser.positionalArguments().value(0, QStringLiteral(":/examples/net_modulelist_fixed.py"));
    if (!window.openFile(file) && shooting)
        return 1;
    if (parser.isSet(size)) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value(size));
        if (!m.hasMatch()) {
            std::fprintf(stderr, "modulelab: --size wants WxH, like 1400x900\n");
            return 2;
        }
        window.resize(m.captured(1).toInt(), m.captured(2).toInt());
    } else if (shooting) {
        window.resize(1400, 900);
    }
    if (parser.isSet(select))
        window.selectPath(parser.value(select));
#if defined(MODULELAB_HAVE_RUN)
    ml::ui::RunDocks* runDocks = window.runDocks();
    runDocks->setQuiet(shooting);
    if (parser.isSet(sample))
        runDocks->samples()->selectRow(parser.value(sample).toInt());
    const bool running = parser.isSet(run);
    if (running) {
        runDocks->raise();
        runDocks->controller()->run();
    }
#endif
#if defined(MODULELAB_HAVE_DIAGRAM)
    if (parser.isSet(classroom))
        if (auto* tools = window.findChild<ml::ui::TeachingTools*>())
            tools->classroom()->setActive(true);
#endif
    window.show();
    if (!shooting)
        return app.exec();

    // Let layouts, the analysis and the diagram settle, then render.
    int status = 0;
    QTimer::singleShot(200, &window, [&] {
#if defined(MODULELAB_HAVE_RUN)
        if (running) {
            runDocks->raise();
            if (!runDocks->controller()->waitForFinished(120000))
                std::fprintf(stderr, "modulelab: the run did not finish in time\n");
            for (int i = 0; i < 5; ++i)
                QCoreApplication::processEvents();
        }
#endif
        const QString out = parser.value(screenshot);
        if (!window.grab().save(out)) {
            std::fprintf(stderr, "modulelab: cannot write %s\n", qPrintable(out));
            status = 1;
        }
        window.close();
        app.quit();
    });
    app.exec();
    return status;
}
