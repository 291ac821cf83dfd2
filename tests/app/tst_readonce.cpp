// A model file is read once when it is opened: the compare view and the main window build the
// model, list what Python code can build and take the weights and normalisation the file names
// from that one reading. The test changes the file on disk after it was read: whatever is shown
// later must still be what was read, never a second reading of the changed file.
#include "app/compare/compareactivations.h"
#include "app/compare/compareview.h"
#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/ui/mainwindow.h"
#include "app/ui/modelchoicedialog.h"
#include "engine/module.h"

#include <QApplication>
#include <QFile>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace ml::ui;

namespace {

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

const char* kTwoModels = R"(import torch.nn as nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


class Large(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x))


small = Small()
large = Large()
# input: 1,4
)";

} // namespace

class ReadOnceTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    // The compare view's Activations tab takes the project's normalisation and weights from the
    // reading that built the model, also after the project file has changed.
    void compareReadsTheProjectOnce()
    {
        QTemporaryDir dir;
        const QString project = dir.filePath(QStringLiteral("cnn.mlab"));
        QByteArray text = readFile(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"));
        QVERIFY(text.contains("\"weights\": \"fashion_cnn.safetensors\""));
        text.replace("\"model\":", "\"normalize\": {\"mean\": [0.5], \"std\": [0.25]},\n  \"model\":");
        writeFile(project, text);
        QVERIFY(QFile::copy(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.safetensors"),
                            dir.filePath(QStringLiteral("fashion_cnn.safetensors"))));

        CompareView view;
        QString error;
        QVERIFY2(view.loadSide(0, project, &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.py"), &error), qPrintable(error));
        // Changed after it was read: other normalisation, weights that do not exist.
        text.replace("\"mean\": [0.5], \"std\": [0.25]", "\"mean\": [0.1], \"std\": [0.9]");
        text.replace("fashion_cnn.safetensors", "elsewhere.safetensors");
        writeFile(project, text);

        view.resize(1280, 720);
        view.show();
        view.tabs()->setCurrentWidget(view.activations());
        QCoreApplication::processEvents();
        RunController* controller = view.activations()->controller(0);
        QCOMPARE(controller->normalisationMean(), (std::vector<double>{0.5}));
        QCOMPARE(controller->normalisationStd(), (std::vector<double>{0.25}));
        QVERIFY2(controller->weightsSource().contains(QStringLiteral("fashion_cnn.safetensors")),
                 qPrintable(controller->weightsSource()));
    }

    // File > Open on code with two models: the dialog lists them from the one reading and builds
    // the choice from the same text, though the file has changed while the dialog was open.
    void openReadsTheCodeOnce()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("two.py"));
        writeFile(file, kTwoModels);
        MainWindow window;
        bool sawDialog = false;
        auto* poll = new QTimer(&window);
        connect(poll, &QTimer::timeout, &window, [&] {
            auto* dialog = qobject_cast<ModelChoiceDialog*>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            poll->stop();
            sawDialog = true;
            writeFile(file, "this is no longer Python (\n");
            dialog->choose(QStringLiteral("large"));
            dialog->accept();
        });
        poll->start(20);
        QString error;
        QVERIFY2(window.openFile(file, &error), qPrintable(error));
        QVERIFY(sawDialog);
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Large"));
        QCOMPARE(window.document()->root()->childCount(), 2);
    }
};

QTEST_MAIN(ReadOnceTest)
#include "tst_readonce.moc"
