// Step / Play through a model whose forward returns several tensors: the last step is the
// model's own call with every output it returned, the Output choice picks the one shown, and
// Play ends there with the progress complete.
#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/run/activationview.h"
#include "app/run/rundocks.h"
#include "app/run/runpanel.h"
#include "app/ui/mainwindow.h"
#include "engine/analysis/analysis.h"

#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>

#include <memory>

using namespace ml::ui;

static const QString kOutputs = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/outputs/");

class TestStepThrough : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> m_window;
    RunDocks* docks() const { return m_window->runDocks(); }
    RunController* controller() const { return docks()->controller(); }
    QString activationsTitle() const { return docks()->activations()->title()->text(); }

    // The module calls PyTorch's forward hooks see, in the order they return, as the engine's
    // own run on the same input and weights records them; then the model itself.
    QStringList expectedPaths() const
    {
        QStringList paths;
        ml::runForward(*m_window->document()->root(), controller()->resultInput()->tensor,
                       [&](const ml::Module& node, const ml::Tensor&, const ml::Tensor&) {
                           paths << QString::fromStdString(node.path());
                       });
        return paths;
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

    void lastStepShowsEveryOutput()
    {
        QVERIFY(m_window->openFile(kOutputs + QStringLiteral("two_heads.py")));
        RunPanel* panel = docks()->runPanel();
        panel->stepButton()->click(); // runs first, then shows the first call
        QVERIFY(controller()->waitForFinished(60000));
        QVERIFY(controller()->result());
        QVERIFY2(controller()->result()->errors.empty(), qPrintable(controller()->result()->errorText()));
        QStringList visited;
        for (int guard = 0; guard < 20 && controller()->currentStep(); ++guard) {
            visited << controller()->currentStep()->path;
            if (controller()->stepIndex() + 1 >= controller()->stepCount())
                break;
            panel->stepButton()->click();
        }
        const QStringList layers = expectedPaths();
        QVERIFY(layers.contains(QStringLiteral("out_cls")));
        QCOMPARE(visited, layers + QStringList{QString()}); // the model's own call comes last

        const ForwardCall* last = controller()->currentStep();
        QVERIFY(last);
        QCOMPARE(last->typeName, QStringLiteral("TwoHeads"));
        const ForwardRecording* r = controller()->result();
        QCOMPARE(last->outputs.size(), size_t(2));
        QCOMPARE(r->outputs.size(), size_t(2));
        const int64_t n = controller()->resultInput()->tensor.shape()[0];
        const QString text = panel->stepLabel()->text();
        QVERIFY2(text.contains(QStringLiteral("Call <b>%1</b> of %1").arg(controller()->stepCount())), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("output.0 [%1, 1, 4, 4]").arg(n)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("output.1 [%1, 5]").arg(n)), qPrintable(text));
        for (size_t k = 0; k < 2; ++k) {
            QCOMPARE(last->outputs[k].name, r->outputs[k].name);
            QCOMPARE(last->outputs[k].tensor.shape(), r->outputs[k].tensor.shape());
        }
        // The progress counts the model's call too, and reads complete.
        QCOMPARE(panel->progress()->maximum(), controller()->stepCount());
        QCOMPARE(panel->progress()->value(), panel->progress()->maximum());

        // The Output choice picks the output the step's Activations show.
        QVERIFY2(activationsTitle().contains(QStringLiteral("output.0")), qPrintable(activationsTitle()));
        panel->outputChoice()->setCurrentIndex(1);
        QVERIFY2(activationsTitle().contains(QStringLiteral("output.1")), qPrintable(activationsTitle()));
        QVERIFY(activationsTitle().contains(QStringLiteral("[%1, 5]").arg(n)));
        QVERIFY2(panel->stepLabel()->text().contains(QStringLiteral("output.1")), qPrintable(panel->stepLabel()->text()));
    }

    void playEndsAtTheModelsOutputs()
    {
        QVERIFY(m_window->openFile(kOutputs + QStringLiteral("named_heads.py")));
        controller()->setPlayInterval(1);
        controller()->play(); // runs, then plays every call
        QVERIFY(controller()->waitForFinished(60000));
        QVERIFY(QTest::qWaitFor([&] { return !controller()->isPlaying(); }, 10000));
        QVERIFY(controller()->result());
        QCOMPARE(controller()->stepIndex(), controller()->stepCount() - 1);
        const ForwardCall* last = controller()->currentStep();
        QVERIFY(last);
        QCOMPARE(last->path, QString());
        QCOMPARE(last->outputs.size(), size_t(3)); // logits and the aux tuple's two
        QCOMPARE(last->outputs[2].name, std::string("output.aux.1"));
        QProgressBar* progress = docks()->runPanel()->progress();
        QCOMPARE(progress->value(), progress->maximum());
        QCOMPARE(progress->maximum(), controller()->stepCount());
        QVERIFY(docks()->runPanel()->stepLabel()->text().contains(QStringLiteral("output.aux.1")));

        // Reset and Step again start from the first call.
        controller()->resetSteps();
        QVERIFY(!controller()->currentStep());
        controller()->step();
        QVERIFY(controller()->currentStep());
        QCOMPARE(controller()->currentStep()->path, expectedPaths().front());
    }

    // A model returning one tensor: its own call stays the last step, with no list of outputs.
    void oneOutputUnchanged()
    {
        QVERIFY(m_window->openFile(kOutputs + QStringLiteral("one_head.py")));
        controller()->setPlayInterval(1);
        controller()->play();
        QVERIFY(controller()->waitForFinished(60000));
        QVERIFY(QTest::qWaitFor([&] { return !controller()->isPlaying(); }, 10000));
        const ForwardCall* last = controller()->currentStep();
        QVERIFY(last);
        QCOMPARE(last->path, QString());
        QVERIFY(last->outputs.empty());
        QCOMPARE(controller()->stepCount(), expectedPaths().size());
        QProgressBar* progress = docks()->runPanel()->progress();
        QCOMPARE(progress->value(), progress->maximum());
    }
};

QTEST_MAIN(TestStepThrough)
#include "tst_stepthrough.moc"
