// Bad input in the interactive application: every file the user can open (File > Open, Load
// Weights, Open Image) that cannot be used gives a message box or a note in the panel that
// says what is wrong and where (FILE:LINE:COLUMN), keeps the model that was open and never
// crashes. The test answers the message boxes as a user would and reads what they said.
#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/run/runpanel.h"
#include "app/run/samplespanel.h"
#include "app/ui/mainwindow.h"
#include "engine/module.h"

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>

using namespace ml::ui;

namespace {

// Runs `action`; the first message box it opens is read (text, informative and detailed text)
// and closed with its default button. Empty when no box appeared.
QString messageBoxOf(const std::function<void()>& action)
{
    QString seen;
    auto* poll = new QTimer;
    QObject::connect(poll, &QTimer::timeout, poll, [&seen] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        seen = box->text() + QLatin1Char('\n') + box->informativeText() + QLatin1Char('\n') + box->detailedText();
        box->done(QMessageBox::Ok);
    });
    poll->start(20);
    action();
    delete poll;
    return seen;
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace

class BadInputTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    MainWindow* m_window = nullptr;
    QString m_good;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // File > Open on `file`: it is refused with a message box holding every one of `parts`;
    // the status bar says it too and the open model stays.
    void refusedOpen(const QString& file, const QStringList& parts)
    {
        const QString before = m_window->document()->filePath();
        const int children = m_window->document()->root()->childCount();
        bool opened = true;
        const QString box = messageBoxOf([&] { opened = m_window->openFile(file); });
        QVERIFY2(!opened, qPrintable(file));
        for (const QString& part : parts)
            QVERIFY2(box.contains(part), qPrintable(QStringLiteral("'%1' not in: %2").arg(part, box)));
        QVERIFY2(m_window->statusBar()->currentMessage().contains(parts.first()),
                 qPrintable(m_window->statusBar()->currentMessage()));
        QCOMPARE(m_window->document()->filePath(), before);
        QCOMPARE(m_window->document()->root()->childCount(), children);
        QVERIFY(!m_window->windowTitle().contains(QFileInfo(file).fileName()) || QFileInfo(file).fileName() == QFileInfo(before).fileName());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_good = path(QStringLiteral("net_sequential.py"));
        QVERIFY(QFile::copy(QStringLiteral(MODULELAB_EXAMPLES "/net_sequential.py"), m_good));
        m_window = new MainWindow;
        m_window->resize(1280, 720);
        m_window->show();
        QVERIFY(m_window->openFile(m_good));
        QVERIFY(m_window->document()->root()->childCount() > 0);
    }

    void cleanupTestCase() { delete m_window; }

    void missingFile()
    {
        const QString file = path(QStringLiteral("nonexist.py"));
        refusedOpen(file, {file + QStringLiteral(":1:1"), QStringLiteral("cannot open the file"), QStringLiteral("no such file")});
    }

    void directory()
    {
        const QString dir = path(QStringLiteral("folder.py"));
        QVERIFY(QDir().mkpath(dir));
        refusedOpen(dir, {dir + QStringLiteral(":1:1"), QStringLiteral("cannot open the file: not a regular file")});
    }

    void emptyPython()
    {
        const QString file = path(QStringLiteral("empty.py"));
        writeFile(file, {});
        refusedOpen(file, {file + QStringLiteral(":1:1"), QStringLiteral("no model class found")});
    }

    void garbagePython()
    {
        const QString file = path(QStringLiteral("garbage.py"));
        QByteArray bytes;
        for (int i = 0; i < 4096; ++i)
            bytes.append(static_cast<char>((i * 7919 + 13) % 256));
        writeFile(file, bytes);
        refusedOpen(file, {file + QStringLiteral(":")});
    }

    void syntaxError()
    {
        const QString file = path(QStringLiteral("syntax.py"));
        writeFile(file, "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                        "        super().__init__()\n        self.fc = nn.Linear(4, 2\n\n    def forward(self, x):\n"
                        "        return self.fc(x)\n");
        refusedOpen(file, {file + QStringLiteral(":11:1"), QStringLiteral("expected ')' to close '(' opened at 7:28")});
    }

    void badJsonProject()
    {
        const QString file = path(QStringLiteral("bad.mlab"));
        writeFile(file, "{\n  \"format\": \"modulelab\",\n  \"root\": {\"type\": \"Sequential\",, }\n}\n");
        refusedOpen(file, {file + QStringLiteral(":3:")});
    }

    void emptyProject()
    {
        const QString file = path(QStringLiteral("empty.mlab"));
        writeFile(file, {});
        refusedOpen(file, {file + QStringLiteral(":1:1")});
        QVERIFY(!m_window->statusBar()->currentMessage().contains(QStringLiteral("class Net")));
    }

    // Load Weights with a file of another model: a box lists what does not fit; nothing changes.
    void weightsOfAnotherModel()
    {
        RunDocks* run = m_window->runDocks();
        const QString weights = QStringLiteral(MODULELAB_EXAMPLES "/tiny_sequential.safetensors");
        bool loaded = true;
        const QString box = messageBoxOf([&] { loaded = run->runPanel()->loadWeightsFile(weights); });
        QVERIFY(!loaded);
        QVERIFY2(box.contains(QStringLiteral("tiny_sequential.safetensors does not fit this model")), qPrintable(box));
        QVERIFY2(box.contains(QStringLiteral("missing: ")) || box.contains(QStringLiteral("unexpected: ")), qPrintable(box));
        QVERIFY(m_window->document()->filePath() == m_good);
    }

    void weightsThatAreNotWeights()
    {
        RunDocks* run = m_window->runDocks();
        const QString file = path(QStringLiteral("notweights.safetensors"));
        writeFile(file, "this is text, not a safetensors file\n");
        bool loaded = true;
        const QString box = messageBoxOf([&] { loaded = run->runPanel()->loadWeightsFile(file); });
        QVERIFY(!loaded);
        QVERIFY2(box.contains(QStringLiteral("notweights.safetensors cannot be read as weights")), qPrintable(box));
        QVERIFY2(box.contains(QStringLiteral("not a safetensors file")), qPrintable(box));
    }

    // Open Image with a picture too large to run on, and with a file that is no picture: the
    // Samples panel says so under its list and the input stays what it was.
    void hugeImage()
    {
        const QString file = path(QStringLiteral("wide.png"));
        QImage wide(20000, 10, QImage::Format_Grayscale8);
        wide.fill(128);
        QVERIFY(wide.save(file));
        SamplesPanel* samples = m_window->runDocks()->samples();
        QVERIFY(!samples->openImage(file));
        const QString note = samples->findChild<QLabel*>(QStringLiteral("samplesInfo"))->text();
        QVERIFY2(note.contains(file + QStringLiteral(": ")), qPrintable(note));
        QVERIFY2(note.contains(QStringLiteral("20000 x 10")), qPrintable(note));
    }

    void notAnImage()
    {
        const QString file = path(QStringLiteral("notes.png"));
        writeFile(file, "just some text\n");
        SamplesPanel* samples = m_window->runDocks()->samples();
        QVERIFY(!samples->openImage(file));
        const QString note = samples->findChild<QLabel*>(QStringLiteral("samplesInfo"))->text();
        QVERIFY2(note.contains(file + QStringLiteral(": not a PNG, JPEG or BMP image")), qPrintable(note));
        QVERIFY(m_window->document()->filePath() == m_good);
    }
};

QTEST_MAIN(BadInputTest)
#include "tst_badinput.moc"
