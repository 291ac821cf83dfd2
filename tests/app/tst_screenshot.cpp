// modulelab FILE --screenshot OUT.png renders the window with no display and exits.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <utility>
#include <vector>

class TestScreenshot : public QObject {
    Q_OBJECT
private slots:
    void rendersWindow()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("editor.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI),
                {QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py"), QStringLiteral("--screenshot"), out,
                 QStringLiteral("--select"), QStringLiteral("module_list.3"), QStringLiteral("--size"), QStringLiteral("1200x800")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QImage image(out);
        QCOMPARE(image.size(), QSize(1200, 800));
        // Not blank: many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 20);
    }

    // With no display at all (no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM): --help,
    // --version and --screenshot work; opening a window says why it cannot instead of Qt's
    // platform-plugin error.
    void worksWithoutADisplay()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(QString::fromLatin1(name));
        auto runIt = [&](const QStringList& args) {
            auto* p = new QProcess(this);
            p->setProcessEnvironment(env);
            p->start(QStringLiteral(MODULELAB_GUI), args);
            p->waitForFinished(60000);
            return p;
        };
        QProcess* help = runIt({QStringLiteral("--help")});
        QCOMPARE(help->exitCode(), 0);
        QVERIFY(QString::fromUtf8(help->readAllStandardOutput()).contains(QLatin1String("--screenshot")));
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("headless.png"));
        QProcess* shot = runIt({QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py"), QStringLiteral("--screenshot"), out});
        QCOMPARE(shot->exitCode(), 0);
        QVERIFY(!QImage(out).isNull());
        QProcess* window = runIt({QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py")});
        QCOMPARE(window->exitCode(), 1);
        QVERIFY(QString::fromUtf8(window->readAllStandardError()).contains(QLatin1String("no display to open a window on")));
    }

    // Bad files and bad option values: exit 2, a sentence on stderr, no screenshot written.
    void refusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("says");
        const QString model = QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py");
        QTest::newRow("missing file") << QStringList{QStringLiteral("/nonexistent/model.py")}
                                      << QStringLiteral("/nonexistent/model.py:1:1: cannot open the file: no such file");
        QTest::newRow("directory") << QStringList{QStringLiteral(MODULELAB_EXAMPLES)}
                                   << QStringLiteral("examples:1:1: cannot open the file: not a regular file");
        QTest::newRow("huge size") << QStringList{model, QStringLiteral("--size"), QStringLiteral("100000x100000")}
                                   << QStringLiteral("--size 100000x100000: the window can be from 320x240 to 7680x4320");
        QTest::newRow("zero size") << QStringList{model, QStringLiteral("--size"), QStringLiteral("0x0")}
                                   << QStringLiteral("--size 0x0: the window can be");
        QTest::newRow("size text") << QStringList{model, QStringLiteral("--size"), QStringLiteral("big")}
                                   << QStringLiteral("write the window size as WIDTHxHEIGHT");
        QTest::newRow("sample -1") << QStringList{model, QStringLiteral("--sample"), QStringLiteral("-1")}
                                   << QStringLiteral("--sample -1: choose a row from 0 to");
        QTest::newRow("sample 10030") << QStringList{model, QStringLiteral("--sample"), QStringLiteral("10030")}
                                      << QStringLiteral("--sample 10030: choose a row from 0 to");
        QTest::newRow("sample abc") << QStringList{model, QStringLiteral("--sample"), QStringLiteral("abc")}
                                    << QStringLiteral("--sample abc: choose a row");
        QTest::newRow("select") << QStringList{model, QStringLiteral("--select"), QStringLiteral("nosuch.path")}
                                << QStringLiteral("--select nosuch.path: net_modulelist_fixed.py has no node of that name");
        QTest::newRow("size beyond int") << QStringList{model, QStringLiteral("--size"), QStringLiteral("99999999999x720")}
                                         << QStringLiteral("--size 99999999999x720: the window can be from 320x240 to 7680x4320");
        QTest::newRow("unknown option") << QStringList{model, QStringLiteral("--bogus")} << QStringLiteral("Unknown option 'bogus'");
        QTest::newRow("tab") << QStringList{model, QStringLiteral("--tab"), QStringLiteral("nosuch")}
                             << QStringLiteral("--tab nosuch: choose one of PyTorch code, print(model), Curves, Layers, Confusion, Reconstructions");
        QTest::newRow("compare tab") << QStringList{QStringLiteral("--compare"), model, model, QStringLiteral("--tab"), QStringLiteral("nosuch")}
                                     << QStringLiteral("--tab nosuch: choose one of Aligned layers, Containers, Activations, Train");
        QTest::newRow("lesson step") << QStringList{QStringLiteral("--lesson"), QStringLiteral("2"), QStringLiteral("--lesson-step"), QStringLiteral("5")}
                                     << QStringLiteral("--lesson-step 5: this lesson has steps 1 to 4 (or write last)");
        QTest::newRow("lesson step 0") << QStringList{QStringLiteral("--lesson"), QStringLiteral("2"), QStringLiteral("--lesson-step"), QStringLiteral("0")}
                                       << QStringLiteral("--lesson-step 0: this lesson has steps 1 to 4");
        QTest::newRow("lesson step alone") << QStringList{model, QStringLiteral("--lesson-step"), QStringLiteral("2")}
                                           << QStringLiteral("--lesson-step wants a lesson: --lesson N");
    }

    void refusesBadInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, says);
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("never.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), args + QStringList{QStringLiteral("--screenshot"), out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(says), qPrintable(err));
        QVERIFY(!QFile::exists(out));
    }

    // --tab and --lesson-step reach what a teacher shows: the Train panel's Reconstructions, a
    // compare tab, the last step of a lesson (its Next button leads on to the next lesson).
    void reachesTabsAndLessonSteps()
    {
        QTemporaryDir dir;
        const QString model = QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py");
        const std::vector<QStringList> cases = {
            {model, QStringLiteral("--tab"), QStringLiteral("reconstructions")},
            {QStringLiteral("--compare"), model, QStringLiteral(MODULELAB_EXAMPLES "/net_plainlist.py"), QStringLiteral("--tab"),
             QStringLiteral("Containers")},
            {QStringLiteral("--lesson"), QStringLiteral("3"), QStringLiteral("--lesson-step"), QStringLiteral("last")},
        };
        for (const QStringList& args : cases) {
            const QString out = dir.filePath(QStringLiteral("shot.png"));
            QFile::remove(out);
            QProcess p;
            p.start(QStringLiteral(MODULELAB_GUI), args + QStringList{QStringLiteral("--screenshot"), out, QStringLiteral("--size"),
                                                                      QStringLiteral("1280x720")});
            QVERIFY(p.waitForFinished(60000));
            QVERIFY2(p.exitCode() == 0, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + QString::fromUtf8(p.readAllStandardError())));
            QCOMPARE(QImage(out).size(), QSize(1280, 720));
        }
    }

    // The screenshot's place is checked with the other options, before the model is loaded: a
    // directory, a directory that does not exist, an option without its value all exit 2.
    void refusesBadScreenshotTargets()
    {
        QTemporaryDir dir;
        const QString model = QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py");
        const QString inDir = dir.filePath(QStringLiteral("shot.png"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("shot.png")));
        const QString missing = dir.filePath(QStringLiteral("nonexist/shot.png"));
        const std::vector<std::pair<QStringList, QString>> cases = {
            {{model, QStringLiteral("--screenshot"), inDir}, inDir + QStringLiteral(": is a directory")},
            {{model, QStringLiteral("--screenshot"), missing},
             missing + QStringLiteral(": the directory ") + dir.filePath(QStringLiteral("nonexist")) + QStringLiteral(" does not exist")},
            {{model, QStringLiteral("--screenshot")}, QStringLiteral("Missing value after '--screenshot'")},
        };
        // Help is help, also with other options: it writes nothing.
        for (const char* option : {"--help", "--help-all"}) {
            QProcess p;
            p.start(QStringLiteral(MODULELAB_GUI), {model, QLatin1String(option), QStringLiteral("--screenshot"), inDir + QStringLiteral("x.png")});
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 0);
            QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(QLatin1String("--screenshot <OUT.png>")));
            QVERIFY(!QFileInfo::exists(inDir + QStringLiteral("x.png")));
        }
        for (const auto& [args, says] : cases) {
            QProcess p;
            p.start(QStringLiteral(MODULELAB_GUI), args);
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitStatus(), QProcess::NormalExit);
            QCOMPARE(p.exitCode(), 2);
            const QString err = QString::fromUtf8(p.readAllStandardError());
            QVERIFY2(err.contains(says), qPrintable(err));
        }
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("nonexist"))));
    }

    // A run whose forward stops where PyTorch raises did not complete: exit 1 with the reason, and
    // the screenshot shows where it stopped.
    void runThatStopsExitsOne()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("run.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {QStringLiteral(MODULELAB_EXAMPLES "/net.py"), QStringLiteral("--run"),
                                                QStringLiteral("--screenshot"), out});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("the run did not complete: bn2: BatchNorm2d(32) receives 64 channels")), qPrintable(err));
        QVERIFY(QFile::exists(out));
    }

    // Files that cannot become a model: exit 2 with FILE:LINE:COLUMN and the reason on stderr.
    void refusesFilesThatAreNoModel_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("model.py:1:1: ");
        QTest::newRow("garbage") << QByteArray("\x01\x02 }}} not python (((\n") << QStringLiteral("model.py:1:");
        QTest::newRow("needs arguments")
            << QByteArray("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self, n):\n"
                          "        super().__init__()\n        self.fc = nn.Linear(n, 2)\n")
            << QStringLiteral("model.py:1:1: every class needs constructor arguments");
    }

    void refusesFilesThatAreNoModel()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, says);
        QTemporaryDir dir;
        const QString model = dir.filePath(QStringLiteral("model.py"));
        QFile f(model);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        const QString out = dir.filePath(QStringLiteral("never.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {model, QStringLiteral("--screenshot"), out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(says), qPrintable(err));
        QVERIFY(!QFile::exists(out));
    }

    // The README's 4096 x 4096 run: refused with the sizes, exit 1, the screenshot shows why.
    void runThatKeepsTooMuchIsRefused()
    {
        QTemporaryDir dir;
        const QString model = dir.filePath(QStringLiteral("big.py"));
        QFile f(model);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("import torch.nn as nn\n\n\nclass Big(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.conv = nn.Conv2d(1, 64, 3, padding=1)\n        self.pool = nn.AdaptiveAvgPool2d(1)\n"
                "        self.flat = nn.Flatten()\n        self.fc = nn.Linear(64, 10)\n\n    def forward(self, x):\n"
                "        return self.fc(self.flat(self.pool(self.conv(x))))\n\n\nmodel = Big()\n# input: 1,1,4096,4096\n");
        f.close();
        const QString out = dir.filePath(QStringLiteral("run.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {model, QStringLiteral("--run"), QStringLiteral("--screenshot"), out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("8.72 GB")), qPrintable(err));
        QVERIFY(QFile::exists(out));
    }
};

QTEST_MAIN(TestScreenshot)
#include "tst_screenshot.moc"
