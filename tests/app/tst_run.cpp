// Forward passes on pictures in the GUI: background run against the engine's own runForward,
// cancel, stale marking after an edit, step-through in forward order, activation tiles,
// predictions, weights (all-or-nothing load, seeded re-initialisation), the sample list and
// the --run screenshot.
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/document/predictions.h"
#include "app/document/runcontroller.h"
#include "app/document/samplelistmodel.h"
#include "app/document/tensorimage.h"
#include "app/run/activationview.h"
#include "app/run/featuremapgrid.h"
#include "app/run/predictionchart.h"
#include "app/run/rundocks.h"
#include "app/run/runpanel.h"
#include "app/run/samplespanel.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "engine/analysis/analysis.h"
#include "classroomwindow.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFont>
#include <QBrush>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFontMetrics>
#include <QGroupBox>
#include <QImage>
#include <QLineEdit>
#include <QLabel>
#include <QMimeData>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QUndoStack>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <algorithm>
#include <memory>

using namespace ml::ui;

static const QString kExamples = QStringLiteral(MODULELAB_EXAMPLES);
static const QString kTestData = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data");

// The trained Fashion-MNIST example that ships with ModuleLab (a missing file fails the test
// that opens it).
struct Fixture {
    QString model;
    QString weights;
};

static Fixture fixture()
{
    return {kExamples + QStringLiteral("/fashion_cnn.py"), kExamples + QStringLiteral("/fashion_cnn.safetensors")};
}

static int argmax(const ml::Tensor& t)
{
    int best = 0;
    const int64_t k = t.shape().rank() == 2 ? t.shape()[1] : t.numel();
    for (int64_t i = 1; i < k; ++i)
        if (t[i] > t[best])
            best = static_cast<int>(i);
    return best;
}

static const char* kHeavyModel = R"(import torch.nn as nn

class Heavy(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1),
            nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1),
            nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1),
            nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1))

    def forward(self, x):
        return self.layers(x)

model = Heavy()
# input: 1,1,256,256
)";

static const char* kReordered = R"(import torch.nn as nn

class Reordered(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()])

    def forward(self, x):
        x = self.layers[0](x)
        x = self.layers[2](x)
        x = self.layers[1](x)
        return x

model = Reordered()
# input: 1,1,28,28
)";

static const char* kBigInput = R"(import torch.nn as nn

class Big(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 64, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.flat(self.pool(self.conv(x))))

model = Big()
# input: 1,1,4096,4096
)";

class TestRun : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> m_window;
    RunDocks* docks() const { return m_window->runDocks(); }
    RunController* controller() const { return docks()->controller(); }

    void openWithWeights(const Fixture& f)
    {
        QVERIFY(m_window->openFile(f.model));
        if (controller()->weightsSource() != QFileInfo(f.weights).fileName())
            QVERIFY(docks()->runPanel()->loadWeightsFile(f.weights));
        QCOMPARE(controller()->weightsSource(), QFileInfo(f.weights).fileName());
    }

    void useImage(const QString& path, int label = -1)
    {
        QString error;
        QVERIFY2(controller()->setImageFile(path, &error, label), qPrintable(error));
    }

    void runAndWait()
    {
        controller()->run();
        QVERIFY(controller()->isRunning());
        QVERIFY(controller()->waitForFinished(120000));
        QVERIFY(controller()->result());
        QVERIFY2(controller()->result()->errors.empty(), qPrintable(controller()->result()->errorText()));
    }

private slots:
    void init()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        docks()->setQuiet(true);
        controller()->setAutoRun(false);
        m_window->resize(1400, 900);
        m_window->show();
    }

    void cleanup() { m_window.reset(); }

    // A forward that returns a tuple: every output is kept, named; the Run panel chooses the one
    // Predictions and the model's Activations show.
    void severalOutputsOneChosen()
    {
        QVERIFY(m_window->openFile(kTestData + QStringLiteral("/outputs/two_heads.py")));
        QComboBox* choice = docks()->runPanel()->outputChoice();
        QVERIFY(choice->isHidden());
        runAndWait();
        const ForwardRecording* r = controller()->result();
        QVERIFY(!r->output);
        QCOMPARE(r->outputs.size(), size_t(2));
        // Every call the run records is counted, and no more: the root returns a tuple, which has
        // no single activation, so the bar reads complete.
        QProgressBar* progress = docks()->runPanel()->progress();
        QCOMPARE(progress->value(), progress->maximum());
        QCOMPARE(progress->maximum(), static_cast<int>(r->calls.size()));
        QVERIFY(choice->isVisible());
        QCOMPARE(choice->count(), 2);
        const int64_t n = controller()->resultInput()->tensor.shape()[0]; // the panel runs one sample of the batch
        QCOMPARE(choice->itemText(0), QStringLiteral("output.0  [%1, 1, 4, 4]").arg(n));
        QCOMPARE(choice->itemText(1), QStringLiteral("output.1  [%1, 5]").arg(n));
        // The engine directly, on the same input and weights: the same two tensors.
        const ml::ForwardResult direct = ml::runForward(*m_window->document()->root(), controller()->resultInput()->tensor);
        QCOMPARE(direct.outputs.size(), size_t(2));
        for (size_t k = 0; k < 2; ++k) {
            QCOMPARE(direct.outputs[k].name, r->outputs[k].name);
            QCOMPARE(direct.outputs[k].tensor.shape(), r->outputs[k].tensor.shape());
            for (int64_t i = 0; i < direct.outputs[k].tensor.numel(); ++i)
                QCOMPARE(direct.outputs[k].tensor[i], r->outputs[k].tensor[i]);
        }
        // output.0 is [2, 1, 4, 4]: no classes. output.1 is [2, 5]: five classes.
        m_window->treePanel()->selectDottedPath(QString());
        QVERIFY(docks()->activations()->title()->text().contains(QStringLiteral("output.0")));
        QCOMPARE(docks()->predictions()->barCount(), 0);
        QSignalSpy chosen(controller(), &RunController::outputChosen);
        choice->setCurrentIndex(1);
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(controller()->chosenOutput()->name, std::string("output.1"));
        QCOMPARE(docks()->predictions()->barCount(), 5);
        QVERIFY2(docks()->activations()->title()->text().contains(QStringLiteral("output.1")), qPrintable(docks()->activations()->title()->text()));
        QVERIFY(docks()->activations()->title()->text().contains(QStringLiteral("[%1, 5]").arg(n)));
        // The tree's root row and the status bar show both shapes.
        ModuleTreeModel* model = qobject_cast<ModuleTreeModel*>(m_window->treePanel()->model());
        QVERIFY(model);
        QCOMPARE(model->index(0, ModuleTreeModel::OutputColumn).data().toString(), QStringLiteral("[2, 1, 4, 4], [2, 5]")); // the file's input
        QVERIFY(m_window->statusBar()->findChildren<QLabel*>().size() > 0);

        // A model with one output hides the choice again.
        QVERIFY(m_window->openFile(kTestData + QStringLiteral("/outputs/after_error.py")));
        QVERIFY(QTest::qWaitFor([&] { return !choice->isVisible() || controller()->result() == nullptr; }, 1000));
    }

    // The analysis goes on past the first error as if it were fixed: the tree shows those values
    // greyed and italic, with a tooltip that says PyTorch stops earlier.
    void rowsAfterTheFirstErrorAreMarked()
    {
        QVERIFY(m_window->openFile(kTestData + QStringLiteral("/outputs/after_error.py")));
        ModuleTreeModel* model = qobject_cast<ModuleTreeModel*>(m_window->treePanel()->model());
        QVERIFY(model);
        QAbstractItemModelTester tester(model);
        const QModelIndex root = model->index(0, 0);
        auto row = [&](int r, int column) { return model->index(r, column, root); };
        // conv1 (row 0) runs; conv2 (row 1) fails: its output is assumed; bn (row 2) comes after.
        QCOMPARE(row(0, ModuleTreeModel::OutputColumn).data().toString(), QStringLiteral("[2, 8, 12, 12]"));
        QVERIFY(!row(0, ModuleTreeModel::OutputColumn).data(Qt::FontRole).isValid());
        QCOMPARE(row(1, ModuleTreeModel::OutputColumn).data().toString(), QStringLiteral("[2, 16, 5, 5]"));
        QVERIFY(!row(1, ModuleTreeModel::InputColumn).data(Qt::FontRole).isValid()); // its input is real
        QVERIFY(row(1, ModuleTreeModel::MultAddsColumn).data(Qt::FontRole).value<QFont>().italic());
        QCOMPARE(row(2, ModuleTreeModel::InputColumn).data().toString(), QStringLiteral("[2, 16, 5, 5]"));
        for (int column : {int(ModuleTreeModel::NameColumn), int(ModuleTreeModel::InputColumn), int(ModuleTreeModel::OutputColumn)}) {
            QVERIFY(row(2, column).data(Qt::FontRole).value<QFont>().italic());
            QCOMPARE(row(2, column).data(Qt::ForegroundRole).value<QBrush>().color(), QColor(0x88, 0x88, 0x88));
        }
        QVERIFY(row(2, ModuleTreeModel::OutputColumn).data(Qt::ToolTipRole).toString().contains(
            QStringLiteral("shapes after the first error assume it is fixed; PyTorch stops at conv2")));
        // The status bar still says there is no output: PyTorch gives none.
        QCOMPARE(model->index(0, ModuleTreeModel::OutputColumn).data().toString(), QStringLiteral("[2, 5]"));
        QVERIFY(!m_window->document()->analysis().outputShape);
    }

    void backgroundRunMatchesEngine()
    {
        const Fixture f = fixture();
        openWithWeights(f);
        SampleListModel* samples = docks()->samples()->model();
        {
            // The shipped samples through the background run, each against the engine directly;
            // PyTorch gets 28 of the 30 right (tests/data/fashion/fashion_samples.json).
            QCOMPARE(samples->shippedCount(), 30);
            int correct = 0;
            for (int row = 0; row < samples->shippedCount(); ++row) {
                docks()->samples()->selectRow(row);
                QCOMPARE(controller()->currentInput()->label, samples->label(row));
                runAndWait();
                const auto p = predictionOf(*controller()->result()->output);
                QVERIFY(p);
                const ml::ForwardResult direct =
                    ml::runForward(*m_window->document()->root(), controller()->resultInput()->tensor);
                QCOMPARE(p->best, argmax(*direct.output));
                correct += p->best == samples->label(row);
            }
            QCOMPARE(correct, 28);
            QVERIFY(docks()->predictions()->headline().contains(QStringLiteral("Predicted")));
        }
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        QElapsedTimer clock;
        clock.start();
        runAndWait();
        const ForwardRecording* r = controller()->result();
        QVERIFY(r->output);
        QCOMPARE(controller()->callsDone(), 0); // the job is gone once finished
        QCOMPARE(static_cast<int>(r->calls.size()), controller()->totalCalls());
        // The engine directly, on the same tensor and the document's weights.
        const ml::ForwardResult direct = ml::runForward(*m_window->document()->root(), controller()->resultInput()->tensor);
        QVERIFY(direct.output);
        QCOMPARE(direct.output->shape(), r->output->shape());
        for (int64_t i = 0; i < direct.output->numel(); ++i)
            QVERIFY(std::abs((*direct.output)[i] - (*r->output)[i]) < 1e-5f);
        const auto p = predictionOf(*r->output);
        QVERIFY(p);
        QCOMPARE(p->best, argmax(*direct.output));
        QCOMPARE(docks()->predictions()->barCount(), 10);
        QVERIFY(docks()->predictions()->headline().contains(QStringLiteral("Predicted")));
    }

    void examplesMenuOpensTheTrainedModelReadyToRun()
    {
        QVERIFY(m_window->openFile(QStringLiteral(":/examples/fashion_cnn.py")));
        QCOMPARE(controller()->weightsSource(), QStringLiteral("fashion_cnn.safetensors"));
        QVERIFY(m_window->statusBar()->findChildren<QLabel*>().size() >= 2);
        docks()->samples()->selectRow(0);
        runAndWait();
        QCOMPARE(predictionOf(*controller()->result()->output)->best, docks()->samples()->model()->label(0));
        // The project names its weights too.
        QVERIFY(m_window->openFile(kExamples + QStringLiteral("/fashion_cnn.mlab")));
        QCOMPARE(controller()->weightsSource(), QStringLiteral("fashion_cnn.safetensors"));
    }

    void projectNormalisationAppliesToImages()
    {
        QTemporaryDir dir;
        QFile in(kTestData + QStringLiteral("/projects/tiny_cnn.mlab"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray text = in.readAll();
        text.replace("\"model\":", "\"normalize\": {\"mean\": [0.5], \"std\": [0.25]},\n  \"model\":");
        text.replace("../numeric/tiny_cnn.weights.safetensors", "tiny_cnn.weights.safetensors");
        QFile out(dir.filePath(QStringLiteral("norm.mlab")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text);
        out.close();
        QVERIFY(QFile::copy(kTestData + QStringLiteral("/numeric/tiny_cnn.weights.safetensors"),
                            dir.filePath(QStringLiteral("tiny_cnn.weights.safetensors"))));
        QVERIFY(m_window->openFile(out.fileName()));
        QVERIFY(controller()->isNormalised());
        QCOMPARE(controller()->weightsSource(), QStringLiteral("tiny_cnn.weights.safetensors"));
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        const auto input = controller()->currentInput();
        QVERIFY(input);
        // Pixel p becomes (p / 255 - 0.5) / 0.25.
        const QImage grey = input->converted.convertToFormat(QImage::Format_Grayscale8);
        const float expected = (static_cast<float>(qGray(grey.pixel(3, 5))) / 255.f - 0.5f) / 0.25f;
        QVERIFY(std::abs(input->tensor[5 * input->converted.width() + 3] - expected) < 1e-5f);
        // Saving keeps what the project names: as PyTorch code in comments, relative to the new file.
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("code")));
        for (const QString& name : {QStringLiteral("code/norm.py"), QStringLiteral("code/norm.mlab")}) {
            QString error;
            QVERIFY2(m_window->document()->save(dir.filePath(name), &error), qPrintable(error));
            QVERIFY(m_window->openFile(fixture().model));
            QVERIFY(!controller()->isNormalised());
            QVERIFY(m_window->openFile(dir.filePath(name)));
            QVERIFY2(controller()->isNormalised(), qPrintable(name));
            QCOMPARE(controller()->weightsSource(), QStringLiteral("tiny_cnn.weights.safetensors"));
            QCOMPARE(m_window->document()->fileExtras().mean, std::vector<double>{0.5});
            QCOMPARE(m_window->document()->fileExtras().std, std::vector<double>{0.25});
        }
        QFile code(dir.filePath(QStringLiteral("code/norm.py")));
        QVERIFY(code.open(QIODevice::ReadOnly));
        const QByteArray written = code.readAll();
        QVERIFY2(written.contains("\n# weights: ../tiny_cnn.weights.safetensors\n# normalize: mean=[0.5], std=[0.25]\n"),
                 written.constData());
        // A .py file has no normalisation.
        QVERIFY(m_window->openFile(fixture().model));
        QVERIFY(!controller()->isNormalised());
    }

    void cancelStopsTheRun()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QString::fromLatin1(kHeavyModel), QStringLiteral("heavy.py"), &error),
                 qPrintable(error));
        useImage(kTestData + QStringLiteral("/images/sample_rgb.png"));
        controller()->run();
        QVERIFY(controller()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(controller()->callsDone() >= 1 || !controller()->isRunning(), 60000);
        QVERIFY(controller()->isRunning());
        // Inside a convolution of 2.4 billion mult-adds: it stops within a second of Cancel
        // (the kernels look at the flag between blocks); sanitizers slow the blocks tenfold.
        QElapsedTimer latency;
        latency.start();
        docks()->runPanel()->cancelButton()->click();
        QVERIFY(controller()->waitForFinished(60000));
#if defined(__SANITIZE_ADDRESS__)
        QVERIFY2(latency.elapsed() < 10000, qPrintable(QString::number(latency.elapsed())));
#else
        QVERIFY2(latency.elapsed() < 1000, qPrintable(QString::number(latency.elapsed())));
#endif
        QVERIFY(!controller()->isRunning());
        QVERIFY(!controller()->result()); // nothing half-done is shown as a result
        QVERIFY(docks()->runPanel()->progress()->value() < controller()->totalCalls());
        QVERIFY(docks()->runPanel()->runButton()->isEnabled());
        // The random weights were drawn in the worker and kept: the same as the engine's init.
        ml::Module* first = m_window->document()->root()->findPath("layers.0");
        QVERIFY(first->hasTensors());
        auto copy = m_window->document()->root()->clone();
        ml::initWeights(*copy, controller()->seed());
        const ml::Tensor& w = copy->findPath("layers.0")->tensors()[0];
        QVERIFY(std::equal(w.data(), w.data() + w.numel(), first->tensors()[0].data()));
    }

    // After a cancelled run, and after opening another model, the Run panel says what is true
    // (nothing of the run or the model before) and every line of it is whole.
    void runPanelTellsTheTruthAfterCancelAndOpening()
    {
        m_window->resize(1280, 720);
        docks()->raise();
        RunPanel* panel = docks()->runPanel();
        // Each label on show whole: one line as wide as its text, wrapped text as high as its lines.
        const auto cut = [panel]() -> QString {
            for (QLabel* label : panel->findChildren<QLabel*>()) {
                if (!label->isVisible() || label->text().isEmpty())
                    continue;
                const int needed = label->wordWrap() ? label->heightForWidth(label->width()) : label->sizeHint().width();
                if ((label->wordWrap() ? label->height() : label->width()) < needed)
                    return QStringLiteral("'%1' is cut (%2 px of %3)")
                        .arg(label->text())
                        .arg(label->wordWrap() ? label->height() : label->width())
                        .arg(needed);
            }
            return {};
        };
        // A completed run on a small input, then a cancelled one on a large input.
        QString error;
        QVERIFY2(m_window->document()->importPython(QString::fromLatin1(kHeavyModel), QStringLiteral("heavy.py"), &error),
                 qPrintable(error));
        QVERIFY(ModuleEditor(m_window->document()).setInputShape(ml::Shape({1, 1, 16, 16})).isEmpty());
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        runAndWait();
        QCoreApplication::processEvents();
        QCOMPARE(panel->statusLabel()->text(), QStringLiteral("%1 module calls recorded").arg(controller()->totalCalls()));
        QVERIFY(ModuleEditor(m_window->document()).setInputShape(ml::Shape({1, 1, 256, 256})).isEmpty());
        useImage(kTestData + QStringLiteral("/images/sample_rgb.png"));
        controller()->run();
        QTRY_VERIFY_WITH_TIMEOUT(controller()->callsDone() >= 1 || !controller()->isRunning(), 60000);
        panel->cancelButton()->click();
        QVERIFY(controller()->waitForFinished(60000));
        QCoreApplication::processEvents();
        QVERIFY2(panel->statusLabel()->text().startsWith(QLatin1String("Run cancelled after ")),
                 qPrintable(panel->statusLabel()->text()));
        // The results on show are the 16 x 16 run's: stale (the input shape was edited since).
        QVERIFY2(panel->staleLabel()->isVisible() && panel->staleLabel()->text().startsWith(QLatin1String("Results are stale: ")),
                 qPrintable(panel->staleLabel()->text()));
        QVERIFY(panel->progress()->value() < panel->progress()->maximum());
        QTRY_VERIFY2(cut().isEmpty(), qPrintable(cut()));
        ml::ui::testing::keepScreenshot(*m_window, QStringLiteral("run-cancelled"));

        // Another model: nothing of the heavy one's runs.
        QVERIFY(m_window->openFile(QStringLiteral(":/examples/net_sequential_fixed.py")));
        QCoreApplication::processEvents();
        QVERIFY2(panel->statusLabel()->text().isEmpty(), qPrintable(panel->statusLabel()->text()));
        QVERIFY(!panel->staleLabel()->isVisible());
        QCOMPARE(panel->progress()->text(), QStringLiteral("not run yet"));
        QVERIFY2(!panel->stepLabel()->text().contains(QLatin1String("recorded")), qPrintable(panel->stepLabel()->text()));
        QTRY_VERIFY2(cut().isEmpty(), qPrintable(cut()));
        ml::ui::testing::keepScreenshot(*m_window, QStringLiteral("run-other-model"));
    }

    // Conv2d(1, 64, 3) on a 4096 x 4096 picture: the convolution's output alone is 4.29 GB and
    // the display would keep it twice (as its output and as the pooling's input). Refused
    // before anything is allocated, with the numbers.
    void runThatKeepsTooMuchIsRefusedWithItsSize()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QString::fromLatin1(kBigInput), QStringLiteral("big.py"), &error),
                 qPrintable(error));
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        QSignalSpy messages(controller(), &RunController::message);
        controller()->run();
        QVERIFY(!controller()->isRunning());
        QCOMPARE(messages.count(), 1);
        const QString text = messages.at(0).at(0).toString();
        QVERIFY2(text.contains(QLatin1String("8.72 GB")) && text.contains(QLatin1String("activations up to 4.29 GB")),
                 qPrintable(text));
        QVERIFY2(text.startsWith(QLatin1String("not supported by ModuleLab yet")) || text.startsWith(QLatin1String("refusing")),
                 qPrintable(text));
        QVERIFY(!m_window->document()->root()->findPath("conv")->hasTensors()); // nothing allocated
        // The same model on a 64 x 64 picture runs.
        QVERIFY(ModuleEditor(m_window->document()).setInputShape(ml::Shape({1, 1, 64, 64})).isEmpty());
        QTRY_VERIFY(!controller()->memoryProblem()); // once the analysis follows the edit
        runAndWait();
    }

    // A run shares the document's weights with its snapshot instead of copying them.
    void runSharesWeightsWithItsSnapshot()
    {
        openWithWeights(fixture());
        auto copy = m_window->document()->root()->clone();
        const ml::Module* conv = m_window->document()->root()->findPath("features.0");
        QVERIFY(copy->findPath("features.0")->sharesTensorsWith(*conv));
        // Writing to one side leaves the other as it was.
        copy->findPath("features.0")->tensors()[0][0] = 1234.f;
        QVERIFY(!copy->findPath("features.0")->sharesTensorsWith(*conv));
        QVERIFY(conv->tensors()[0][0] != 1234.f);
    }

    // While stepping, a node the user selects shows its own activations; opening another model
    // leaves nothing of the old run on show.
    void panelsFollowSelectionAndOpening()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QString::fromLatin1(kReordered), QStringLiteral("reordered.py"), &error),
                 qPrintable(error));
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        docks()->runPanel()->stepButton()->click();
        QVERIFY(controller()->waitForFinished(60000));
        QVERIFY(controller()->currentStep());
        QCOMPARE(controller()->currentStep()->path, QStringLiteral("layers.0"));
        QVERIFY(docks()->activations()->title()->text().contains(QLatin1String("layers.0")));
        m_window->selectPath(QStringLiteral("layers.1"));
        QVERIFY2(docks()->activations()->title()->text().contains(QLatin1String("layers.1")),
                 qPrintable(docks()->activations()->title()->text()));
        QCOMPARE(controller()->currentStep()->path, QStringLiteral("layers.0")); // still the step shown in Run

        QVERIFY(m_window->openFile(QStringLiteral(":/examples/net_sequential_fixed.py")));
        QCOMPARE(docks()->runPanel()->progress()->value(), 0);
        QVERIFY2(!docks()->runPanel()->progress()->text().contains(QLatin1String("module calls")),
                 qPrintable(docks()->runPanel()->progress()->text()));
    }

    // A model whose input is not a picture runs on random values in its input's shape.
    void nonPictureInputRunsOnRandomValues()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QStringLiteral("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(64, 32), "
                                                                   "nn.ReLU(), nn.Linear(32, 10))\n# input: 1,64\n"),
                                                    QStringLiteral("mlp.py"), &error),
                 qPrintable(error));
        const auto input = controller()->currentInput();
        QVERIFY(input);
        QCOMPARE(input->tensor.shape(), ml::Shape({1, 64}));
        for (int64_t k = 0; k < input->tensor.numel(); ++k)
            QVERIFY(input->tensor[k] >= 0.f && input->tensor[k] < 1.f);
        runAndWait();
        QCOMPARE(controller()->result()->output->shape(), ml::Shape({1, 10}));
        const ml::ForwardResult direct = ml::runForward(*m_window->document()->root(), controller()->resultInput()->tensor);
        for (int64_t i = 0; i < 10; ++i)
            QCOMPARE((*controller()->result()->output)[i], (*direct.output)[i]);
        QCOMPARE(docks()->predictions()->barCount(), 10);
        // Ten outputs: named with the ten class names; no true label for random values.
        const QString headline = docks()->predictions()->headline();
        const QStringList names = ml::ui::fashionMnistClasses();
        QVERIFY2(std::any_of(names.begin(), names.end(), [&](const QString& n) { return headline.contains(n.toHtmlEscaped()); }),
                 qPrintable(headline));
        QVERIFY2(!headline.contains(QStringLiteral("true label")), qPrintable(headline));
        // The Activations bars of the output carry the names; a hidden layer's features do not.
        QVERIFY(m_window->selectPath(QStringLiteral("2")));
        QCOMPARE(docks()->activations()->grid()->barCount(), 10);
        QCOMPARE(docks()->activations()->grid()->barNames(), names);
        // One row per class, each name whole.
        QVERIFY(docks()->activations()->grid()->drawsRows());
        const QRect first = docks()->activations()->grid()->nameRect(0);
        QVERIFY(!first.isEmpty() && first.width() >= QFontMetrics(docks()->activations()->grid()->font()).horizontalAdvance(names[0]));
        QVERIFY(!first.intersects(docks()->activations()->grid()->nameRect(1)));
        QVERIFY(m_window->selectPath(QStringLiteral("0")));
        QCOMPARE(docks()->activations()->grid()->barCount(), 32);
        QVERIFY(docks()->activations()->grid()->barNames().isEmpty());
        // The Input box offers random or typed values; a picture model does not show it.
        QVERIFY(docks()->runPanel()->inputBox()->isVisibleTo(docks()->runPanel()));
    }

    // Typed values are the input, in its order; one value fills it; a wrong count is said in
    // place and nothing runs on it. Flatten passes the values through unchanged.
    void typedValuesAreTheInput()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QStringLiteral("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Flatten())\n"
                                                                   "# input: 1,2,2\n"),
                                                    QStringLiteral("flat.py"), &error),
                 qPrintable(error));
        RunPanel* panel = docks()->runPanel();
        QVERIFY(panel->inputBox()->isVisibleTo(panel));
        panel->typedValuesEdit()->setText(QStringLiteral("[[1, 2.5], [-3, 4e2]]"));
        emit panel->typedValuesEdit()->editingFinished();
        QVERIFY(panel->typedChoice()->isChecked());
        QVERIFY2(panel->inputError().isEmpty(), qPrintable(panel->inputError()));
        runAndWait();
        const ml::Tensor& out = *controller()->result()->output;
        QCOMPARE(out.shape(), ml::Shape({1, 4}));
        QCOMPARE((std::vector<float>(out.data(), out.data() + 4)), (std::vector<float>{1.f, 2.5f, -3.f, 400.f}));
        QCOMPARE(controller()->resultInput()->name, QStringLiteral("typed values"));

        panel->typedValuesEdit()->setText(QStringLiteral("7"));
        emit panel->typedValuesEdit()->editingFinished();
        runAndWait();
        QCOMPARE((std::vector<float>(controller()->result()->output->data(), controller()->result()->output->data() + 4)),
                 (std::vector<float>(4, 7.f)));

        panel->typedValuesEdit()->setText(QStringLiteral("1, 2, 3"));
        emit panel->typedValuesEdit()->editingFinished();
        QVERIFY2(panel->inputError().contains(QStringLiteral("3 values typed")), qPrintable(panel->inputError()));
        panel->typedValuesEdit()->setText(QStringLiteral("1, two, 3, 4"));
        emit panel->typedValuesEdit()->editingFinished();
        QVERIFY2(panel->inputError().contains(QStringLiteral("'two' is not a number")), qPrintable(panel->inputError()));

        QVERIFY(m_window->openFile(QStringLiteral(":/examples/net_sequential_fixed.py")));
        QVERIFY(!panel->inputBox()->isVisibleTo(panel)); // pictures come from the samples
        QVERIFY(!panel->typedChoice()->isChecked());
    }

    // A sample given to a model with five outputs: its classes are not the samples' ten, so
    // neither their names nor the sample's true label appear.
    void otherModelsOutputsAreNotNamedAsTheSamples()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QStringLiteral("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Flatten(), "
                                                                   "nn.Linear(784, 5))\n# input: 1,1,28,28\n"),
                                                    QStringLiteral("five.py"), &error),
                 qPrintable(error));
        docks()->samples()->selectRow(0);
        runAndWait();
        QCOMPARE(docks()->predictions()->barCount(), 5);
        const QString headline = docks()->predictions()->headline();
        QVERIFY2(headline.contains(QStringLiteral("class ")), qPrintable(headline));
        QVERIFY2(!headline.contains(QStringLiteral("true label")), qPrintable(headline));
        for (const QString& name : ml::ui::fashionMnistClasses())
            QVERIFY2(!headline.contains(name), qPrintable(headline));
    }

    void editMarksResultsStale()
    {
        openWithWeights(fixture());
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        runAndWait();
        QVERIFY(!controller()->isStale());
        QVERIFY(!docks()->runPanel()->staleLabel()->isVisibleTo(docks()->runPanel()));
        // Every layer box of the diagram carries a thumbnail of its output.
        auto* diagram = m_window->findChild<DiagramView*>();
        QVERIFY(diagram->boxForPath(QStringLiteral("features.0")));
        QVERIFY(diagram->boxForPath(QStringLiteral("features.0"))->hasThumbnail());
        QVERIFY(diagram->boxForPath(QStringLiteral("head.1"))->hasThumbnail());
        ModuleEditor(m_window->document()).rename({0}, QStringLiteral("body"));
        QVERIFY(controller()->isStale());
        QVERIFY(docks()->runPanel()->staleLabel()->isVisibleTo(docks()->runPanel()));
        QVERIFY(docks()->activations()->findChildren<QLabel*>().size() > 0);
        QVERIFY(docks()->predictions()->headline().contains(QStringLiteral("stale")));
        QTRY_VERIFY(diagram->boxForPath(QStringLiteral("body.0")));
        QVERIFY(!diagram->boxForPath(QStringLiteral("body.0"))->hasThumbnail());
        // Undoing is an edit too; re-running clears the mark.
        m_window->document()->undoStack()->undo();
        QVERIFY(controller()->isStale());
        runAndWait();
        QVERIFY(!controller()->isStale());
        QVERIFY(!docks()->predictions()->headline().contains(QStringLiteral("stale")));
    }

    void stepThroughFollowsForwardNotStoredOrder()
    {
        QString error;
        QVERIFY2(m_window->document()->importPython(QString::fromLatin1(kReordered), QStringLiteral("reordered.py"), &error),
                 qPrintable(error));
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        auto* diagram = m_window->findChild<DiagramView*>();
        QVERIFY(diagram);
        docks()->runPanel()->stepButton()->click(); // runs first, then shows the first call
        QVERIFY(controller()->waitForFinished(60000));
        QStringList visited, highlighted, selected, stepTexts;
        for (int guard = 0; guard < 20 && controller()->currentStep(); ++guard) {
            visited << controller()->currentStep()->path;
            const ml::ui::BoxItem* box = diagram->boxForPath(controller()->currentStep()->path);
            highlighted << (box && box->isHighlighted() ? controller()->currentStep()->path : QStringLiteral("?"));
            selected << m_window->treePanel()->currentIndex().data(ModuleTreeModel::DottedPathRole).toString();
            stepTexts << docks()->runPanel()->stepLabel()->text();
            if (controller()->stepIndex() + 1 >= controller()->stepCount())
                break;
            docks()->runPanel()->stepButton()->click();
        }
        QCOMPARE(visited, (QStringList{QStringLiteral("layers.0"), QStringLiteral("layers.2"), QStringLiteral("layers.1"), QString()}));
        // The stored order is layers.0, layers.1, layers.2: forward decides, not the list.
        QStringList stored;
        for (const auto& nm : ml::namedModules(*m_window->document()->root()))
            if (nm.module->kind() == ml::ModuleKind::Layer)
                stored << QString::fromStdString(nm.path);
        QCOMPARE(stored, (QStringList{QStringLiteral("layers.0"), QStringLiteral("layers.1"), QStringLiteral("layers.2")}));
        QCOMPARE(selected.mid(0, 3), visited.mid(0, 3)); // the tree follows the running node
        QCOMPARE(highlighted.mid(0, 3), visited.mid(0, 3)); // and so does the diagram
        QVERIFY(stepTexts[1].contains(QStringLiteral("layers.2")) && stepTexts[1].contains(QStringLiteral("ReLU")));
        QVERIFY(stepTexts[1].contains(QStringLiteral("[1, 4, 28, 28]")));
        // The activations show the current call.
        QVERIFY(docks()->activations()->title()->text().contains(QStringLiteral("Reordered")));
        controller()->resetSteps();
        QCOMPARE(controller()->stepIndex(), -1);
        QVERIFY(!controller()->currentStep());
    }

    void activationTilesForAConvOutput()
    {
        openWithWeights(fixture());
        useImage(kTestData + QStringLiteral("/images/sample_grey.bmp"));
        runAndWait();
        docks()->raise();
        m_window->selectPath(QStringLiteral("features.0"));
        QCOMPARE(docks()->selectedPath(), QStringLiteral("features.0"));
        FeatureMapGrid* grid = docks()->activations()->grid();
        const ForwardCall* conv = controller()->result()->firstCallOf(QStringLiteral("features.0"));
        QVERIFY(conv);
        QCOMPARE(grid->tileCount(), static_cast<int>(conv->output.shape()[1]));
        QCOMPARE(grid->barCount(), 0);
        // The value under the cursor: channel, row, col, value, found where the first map's first
        // pixel is drawn.
        bool found = false;
        QVERIFY(grid->isVisible());
        for (int y = 0; y < grid->height() && !found; ++y)
            for (int x = 0; x < grid->width() && !found; ++x)
                if (grid->describeAt({x, y}).startsWith(QStringLiteral("channel 0, row 0, col 0: "))) {
                    const QString value = grid->describeAt({x, y}).section(QStringLiteral(": "), 1);
                    QVERIFY(std::abs(value.toFloat() - conv->output[0]) < 1e-3f * (1 + std::abs(conv->output[0])));
                    found = true;
                }
        QVERIFY(found);
        grid->setSharedScale(false);
        QCOMPARE(grid->tileCount(), static_cast<int>(conv->output.shape()[1]));
        // A vector output: bars.
        const QString linear = QStringLiteral("head.1");
        m_window->selectPath(linear);
        QCOMPARE(grid->tileCount(), 0);
        QCOMPARE(grid->barCount(), 64);
        QVERIFY(docks()->activations()->title()->text().contains(QStringLiteral("Linear")));
        // Thumbnails for the diagram: one image per layer call.
        const QImage thumb = activationThumbnail(conv->output);
        QVERIFY(!thumb.isNull());
    }

    void weightsLoadAllOrNothing()
    {
        QString error;
        QVERIFY(m_window->document()->importPython(QString::fromLatin1(kReordered), QStringLiteral("reordered.py"), &error));
        controller()->reinitialise(7);
        QCOMPARE(controller()->weightsSource(), QStringLiteral("random, seed 7"));
        ml::Module* conv = m_window->document()->moduleAtDotted(QStringLiteral("layers.0"));
        const std::vector<ml::Tensor> before = conv->tensors();
        const ml::StateDictReport report = controller()->loadWeights(fixture().weights);
        QVERIFY(!report.loaded);
        QVERIFY(!report.unexpected.empty() || !report.missing.empty() || !report.mismatched.empty());
        QCOMPARE(controller()->weightsSource(), QStringLiteral("random, seed 7"));
        QCOMPARE(conv->tensors().size(), before.size());
        for (size_t i = 0; i < before.size(); ++i)
            QVERIFY(std::equal(before[i].data(), before[i].data() + before[i].numel(), conv->tensors()[i].data()));
        QVERIFY(!docks()->runPanel()->loadWeightsFile(fixture().weights)); // quiet: no dialog
        // Re-initialising is PyTorch's default init after manual_seed: same as the engine's.
        controller()->reinitialise(3);
        auto copy = m_window->document()->root()->clone();
        ml::initWeights(*copy, 3);
        QVERIFY(std::equal(copy->findPath("layers.0")->tensors()[0].data(),
                           copy->findPath("layers.0")->tensors()[0].data() + copy->findPath("layers.0")->tensors()[0].numel(),
                           conv->tensors()[0].data()));
        // Not an edit of the model: the undo stack is untouched.
        QCOMPARE(m_window->document()->undoStack()->count(), 0);
        // Save and load round trip.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("w.safetensors"));
        QVERIFY(!controller()->saveWeights(path));
        controller()->reinitialise(4);
        QVERIFY(controller()->loadWeights(path).loaded);
        QCOMPARE(controller()->weightsSource(), QStringLiteral("w.safetensors"));
        QVERIFY(std::equal(copy->findPath("layers.0")->tensors()[0].data(),
                           copy->findPath("layers.0")->tensors()[0].data() + copy->findPath("layers.0")->tensors()[0].numel(),
                           conv->tensors()[0].data()));
    }

    // torch.save checkpoints load through the same engine reader as the command line, from the
    // Load Weights dialog's path and by dropping the file on the run panel; Save Weights writes .pth.
    void torchSaveWeights()
    {
        QVERIFY(m_window->openFile(kExamples + QStringLiteral("/fashion_cnn.py")));
        QVERIFY(controller()->loadWeights(kExamples + QStringLiteral("/fashion_cnn.safetensors")).loaded);
        auto reference = m_window->document()->root()->clone();
        controller()->reinitialise(5);
        const ml::StateDictReport report = controller()->loadWeights(kTestData + QStringLiteral("/torchsave/fashion_checkpoint.pt"));
        QVERIFY2(report.loaded, report.message().c_str());
        QCOMPARE(controller()->weightsSource(), QStringLiteral("fashion_checkpoint.pt"));
        auto same = [&](const ml::Module& a, const ml::Module& b) {
            ml::SafeTensors x, y;
            if (ml::stateDictTensors(a, x) || ml::stateDictTensors(b, y) || x.tensors.size() != y.tensors.size())
                return false;
            for (size_t k = 0; k < x.tensors.size(); ++k)
                if (!std::equal(x.tensors[k].tensor.data(), x.tensors[k].tensor.data() + x.tensors[k].tensor.numel(),
                                y.tensors[k].tensor.data()))
                    return false;
            return true;
        };
        QVERIFY(same(*m_window->document()->root(), *reference));

        controller()->reinitialise(6);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kTestData + QStringLiteral("/torchsave/fashion_dataparallel.pth"))});
        QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(docks()->runPanel(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(docks()->runPanel(), &drop);
        QCOMPARE(controller()->weightsSource(), QStringLiteral("fashion_dataparallel.pth"));
        QVERIFY(same(*m_window->document()->root(), *reference));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("w.pth"));
        QVERIFY(!controller()->saveWeights(path));
        controller()->reinitialise(7);
        QVERIFY(controller()->loadWeights(path).loaded);
        QVERIFY(same(*m_window->document()->root(), *reference));
        // A pickled model object is refused and changes nothing.
        QVERIFY(!controller()->loadWeights(kTestData + QStringLiteral("/torchsave/hostile/pickled_model.pt")).loaded);
        QCOMPARE(controller()->weightsSource(), QStringLiteral("w.pth"));
    }

    void sampleList()
    {
        SampleListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString shipped = shippedSamplesDirectory();
        if (!shipped.isEmpty())
            QVERIFY(model.setShippedDirectory(shipped) >= 10);
        QString error;
        if (QFileInfo::exists(SampleListModel::defaultDatasetDirectory()) && SampleListModel::datasetSupported()) {
            QVERIFY2(model.setDatasetDirectory(SampleListModel::defaultDatasetDirectory(), &error), qPrintable(error));
            QCOMPARE(model.datasetCount(), 10000);
            const int last = model.rowCount() - 1;
            const auto image = model.image(last);
            QVERIFY(image);
            QCOMPARE(image->width, 28);
            QVERIFY(model.label(last) >= 0 && model.label(last) < 10);
            QVERIFY(!model.data(model.index(last), Qt::DecorationRole).value<QImage>().isNull());
        }
        QVERIFY(!model.setDatasetDirectory(QStringLiteral("/nonexistent"), &error));
        QVERIFY(!error.isEmpty());
    }

    void screenshotAfterRun()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("activations.png"));
        const Fixture f = fixture();
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {f.model, QStringLiteral("--screenshot"), out, QStringLiteral("--run"),
                                                QStringLiteral("--select"), QStringLiteral("features.0"),
                                                QStringLiteral("--size"), QStringLiteral("1200x800")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QImage image(out);
        QCOMPARE(image.size(), QSize(1200, 800));
    }
};

QTEST_MAIN(TestRun)
#include "tst_run.moc"
