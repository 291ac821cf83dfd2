// The Train panel trains for real: a few steps on the shipped samples with the engine, under
// the offscreen platform. Plain-list layers stay at their weights with the reason, ModuleList
// layers change; Freeze is an undoable command; an edit stops training; Pause holds the steps;
// checkpoints resume; the document (and so Run) follows the newest weights.
#include "app/compare/comparetraining.h"
#include "app/compare/compareview.h"
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramstyle.h"
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/train/confusionview.h"
#include "app/train/traincharts.h"
#include "app/train/traindocks.h"
#include "app/train/trainpanel.h"
#include "app/train/trainsession.h"
#include "app/train/trainsettingsform.h"
#include "app/train/weightchangedelegate.h"
#include "app/ui/mainwindow.h"
#include "engine/analysis/analysis.h"
#include "engine/io/project.h"
#include "engine/train/dataset.h"
#include "engine/train/trainingrun.h"
#include "chartlabels.h"

#include <QChartView>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineSeries>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QTest>

using namespace ml::ui;
using ml::ui::testing::AxisLabel;
using ml::ui::testing::axisLabels;
using ml::ui::testing::axisLabelsWrong;

namespace {

const char* kMixed = R"(import torch
import torch.nn as nn

class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList([nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU()])
        self.extra = [nn.Linear(10, 10)]
        self.head = nn.Linear(4 * 14 * 14, 10)

    def forward(self, x):
        for m in self.features:
            x = m(x)
        x = torch.flatten(x, 1)
        x = self.head(x)
        for m in self.extra:
            x = m(x)
        return x

model = Mixed()
# input: 1,1,28,28
)";

const QString kSamples = QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist");

std::vector<float> weightsOf(const ml::Module* m)
{
    const ml::Tensor& t = m->tensors().at(0);
    return std::vector<float>(t.data(), t.data() + t.numel());
}

} // namespace

class TestTrainPanel : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    TrainDocks* m_train = nullptr;

    TrainSession* session() { return m_train->session(); }
    bool finish() { return session()->waitUntil([this] { return !session()->isActive(); }, 120000); }
    TrainSettings settings(int epochs)
    {
        TrainSettings s;
        s.optimizer = ml::OptimizerKind::Sgd;
        s.lr = 0.05;
        s.batch = 10;
        s.epochs = epochs;
        s.seed = 1;
        return s;
    }

private slots:
    void initTestCase()
    {
        const QString path = m_dir.filePath(QStringLiteral("mixed.py"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(kMixed) > 0);
        f.close();
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        QVERIFY(m_window->openFile(path));
        m_train = m_window->findChild<TrainDocks*>();
        QVERIFY(m_train);
        session()->setDataDirectory(kSamples); // no Fashion-MNIST download in a test
        m_window->resize(1280, 720);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // Every case starts alike, also run alone: the mixed model open, the Train panel shown (as
    // View → Train shows it) with the default settings, nothing training.
    void init()
    {
        if (session()->isActive()) {
            session()->stop();
            QVERIFY(finish());
        }
        QVERIFY(m_window->openFile(m_dir.filePath(QStringLiteral("mixed.py"))));
        m_train->panel()->setSettings(TrainSettings{});
        m_train->showDock();
        QVERIFY(m_train->dock()->isVisible());
    }

    void trainsAndShowsWhatLearned()
    {
        m_train->panel()->setSettings(settings(2));
        Document* doc = m_window->document();
        QTest::mouseClick(m_train->panel()->startButton(), Qt::LeftButton);
        QVERIFY(session()->isActive() || session()->state() == TrainSession::State::Finished);
        QVERIFY(!m_train->panel()->startButton()->isEnabled() || !session()->isActive());
        QVERIFY(finish());
        // 30 samples in batches of 10: 3 steps an epoch, 2 epochs.
        QCOMPARE(session()->steps().size(), size_t(6));
        QCOMPARE(session()->steps().back().step, 6);
        QCOMPARE(session()->epochs().size(), size_t(2));
        QVERIFY(session()->confusion());
        qint64 total = 0;
        for (qint64 v : session()->confusion()->confusion)
            total += v;
        QCOMPARE(total, 30);
        QCOMPARE(m_train->panel()->confusion()->rowCount(), 10);
        QCOMPARE(m_train->panel()->charts()->rawLoss()->count(), 6);
        QCOMPARE(m_train->panel()->charts()->smoothedLoss()->count(), 6);
        QCOMPARE(m_train->panel()->charts()->testAccuracy()->count(), 2);

        const ml::LayerChange* conv = session()->changeOf(QStringLiteral("features.0"));
        const ml::LayerChange* list = session()->changeOf(QStringLiteral("extra.0"));
        QVERIFY(conv && list);
        QVERIFY(conv->relative > 1e-4);
        QCOMPARE(conv->reason, std::string());
        QCOMPARE(list->relative, 0.0);
        QCOMPARE(list->reason, std::string("not registered: a plain Python list"));
        QVERIFY(m_train->panel()->layerTable()->rowCount() >= 3);

        // The tree's badges say the same.
        WeightChangeDelegate delegate(doc, session());
        QCOMPARE(delegate.badgeFor(QStringLiteral("extra.0")).text, QStringLiteral("not reg."));
        QVERIFY(delegate.badgeFor(QStringLiteral("extra.0")).tooltip.contains(QStringLiteral("plain Python list")));
        QVERIFY(delegate.badgeFor(QStringLiteral("features.0")).text.startsWith(QStringLiteral("Δ")));
        // So do the diagram's layer boxes, also after the diagram is rebuilt (any analysis update).
        auto* diagram = qobject_cast<DiagramView*>(m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock"))->widget());
        QVERIFY(diagram);
        // Each note sits beside its layer's parameter count, not over it.
        for (const QString& path : {QStringLiteral("extra.0"), QStringLiteral("head"), QStringLiteral("features.0")}) {
            const BoxItem* box = diagram->boxForPath(path);
            const double metaRight = box->box().rect.left() + ml::ui::diagramstyle::kLayerPadX + QFontMetricsF(ml::ui::diagramstyle::metaFont()).horizontalAdvance(box->box().meta);
            QVERIFY2(box->noteRect().left() > metaRight, qPrintable(path));
            QVERIFY(box->box().rect.contains(box->noteRect()));
        }
        for (int rebuilt = 0; rebuilt < 2; ++rebuilt) {
            BoxItem* plain = diagram->boxForPath(QStringLiteral("extra.0"));
            BoxItem* conv = diagram->boxForPath(QStringLiteral("features.0"));
            QVERIFY(plain && conv);
            QCOMPARE(plain->noteText(), QStringLiteral("not reg."));
            QCOMPARE(plain->noteColor(), delegate.badgeFor(QStringLiteral("extra.0")).color);
            QVERIFY(plain->toolTip().contains(QStringLiteral("plain Python list")));
            QCOMPARE(conv->noteText(), delegate.badgeFor(QStringLiteral("features.0")).text);
            QVERIFY(diagram->boxForPath(QStringLiteral("features.1"))->noteText().isEmpty()); // ReLU: no weights
            diagram->setModel(doc->root(), &doc->analysis());
        }

        // The document holds the trained weights: the plain list's are the seed's, the rest moved.
        auto fresh = doc->root()->clone();
        ml::initWeights(*fresh, 1);
        QCOMPARE(weightsOf(doc->moduleAtDotted(QStringLiteral("extra.0"))), weightsOf(fresh->findPath("extra.0")));
        QVERIFY(weightsOf(doc->moduleAtDotted(QStringLiteral("head"))) != weightsOf(fresh->findPath("head")));
        QVERIFY(m_window->runDocks()->controller()->weightsSource().startsWith(QStringLiteral("trained")));
    }

    void freezeIsUndoableAndKeepsWeights()
    {
        Document* doc = m_window->document();
        const int before = doc->undoStack()->count();
        QCOMPARE(m_train->setFrozen(QStringLiteral("head"), true), QString());
        QCOMPARE(doc->undoStack()->count(), before + 1);
        QVERIFY(doc->undoStack()->undoText().startsWith(QStringLiteral("Freeze head")));
        QVERIFY(m_train->setFrozen(QStringLiteral("extra.0"), true).contains(QStringLiteral("plain Python list")));
        m_train->panel()->setSettings(settings(1));
        QVERIFY(session()->start(settings(1)));
        QVERIFY(finish());
        const ml::LayerChange* head = session()->changeOf(QStringLiteral("head"));
        QVERIFY(head);
        QCOMPARE(head->relative, 0.0);
        QCOMPARE(head->reason, std::string("frozen"));
        auto* diagram = qobject_cast<DiagramView*>(m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock"))->widget());
        QCOMPARE(diagram->boxForPath(QStringLiteral("head"))->noteText(), QStringLiteral("frozen"));
        QVERIFY(session()->changeOf(QStringLiteral("features.0"))->relative > 0.0);
        doc->undoStack()->undo();
        QVERIFY(!doc->moduleAtDotted(QStringLiteral("head"))->frozen());
        doc->undoStack()->redo();
        QVERIFY(doc->moduleAtDotted(QStringLiteral("head"))->frozen());
        doc->undoStack()->undo();
    }

    void pauseHoldsAndEditStops()
    {
        QString last;
        QObject scope; // the connection ends with this test function
        connect(session(), &TrainSession::message, &scope, [&last](const QString& m) { last = m; });
        // The run pauses itself after step 2, and goes on long enough for the edit below (the
        // mixed model takes well under a millisecond a step: 500 epochs of 3 batches could end
        // before a click landed; of 30 batches of one picture they take seconds).
        TrainSettings s = settings(500);
        s.batch = 1;
        QVERIFY(session()->start(s, 2));
        QVERIFY(session()->waitUntil([this] { return session()->pausedWithResults(); }, 60000));
        QCOMPARE(session()->steps().back().step, 2);
        QCOMPARE(session()->state(), TrainSession::State::Paused);
        QCOMPARE(m_train->panel()->pauseButton()->text(), QStringLiteral("Resume"));
        QTest::qWait(300);
        const size_t held = session()->steps().size();
        QTest::qWait(300);
        QCOMPARE(session()->steps().size(), held);
        m_train->panel()->pauseButton()->click();
        QVERIFY2(session()->state() == TrainSession::State::Running, qPrintable(last));
        QVERIFY(session()->waitUntil([this, held] { return session()->steps().size() > held + 2; }, 60000));
        // An edit while training stops it and says so.
        QCOMPARE(m_train->setFrozen(QStringLiteral("features"), true), QString());
        QVERIFY(!session()->isActive());
        QVERIFY2(last.contains(QStringLiteral("Training stopped: the model was edited")), qPrintable(last));
        QVERIFY(m_train->panel()->startButton()->isEnabled());
        m_window->document()->undoStack()->undo();
    }

    void checkpointResumes()
    {
        const QString ckpt = m_dir.filePath(QStringLiteral("ckpt.safetensors"));
        TrainSettings s = settings(1);
        s.optimizer = ml::OptimizerKind::Adam;
        s.lr = 0.001;
        QVERIFY(session()->start(s));
        QVERIFY(finish());
        QCOMPARE(session()->saveCheckpoint(ckpt), std::nullopt);
        session()->setResumeCheckpoint(ckpt);
        s.epochs = 2;
        s.fromScratch = false;
        QVERIFY(session()->start(s));
        QVERIFY(finish());
        QCOMPARE(session()->steps().size(), size_t(3)); // the second epoch only
        QCOMPARE(session()->steps().front().step, 4);
        QCOMPARE(session()->epochs().back().epoch, 2);
        // SGD cannot take Adam's state.
        s.optimizer = ml::OptimizerKind::Sgd;
        s.lr = 0.01;
        QString last;
        QObject scope; // the connection ends with this test function
        connect(session(), &TrainSession::message, &scope, [&last](const QString& m) { last = m; });
        QVERIFY(session()->start(s));
        QVERIFY(finish());
        QVERIFY2(last.contains(QStringLiteral("Adam")), qPrintable(last));
        session()->setResumeCheckpoint({});
    }

    void refusesWhatCannotTrain()
    {
        QString last;
        QObject scope; // the connection ends with this test function
        connect(session(), &TrainSession::message, &scope, [&last](const QString& m) { last = m; });
        TrainSettings s = settings(1);
        s.lr = -1.0;
        QVERIFY(!session()->start(s));
        QVERIFY2(last.contains(QStringLiteral("Invalid learning rate")), qPrintable(last));
        // NetPlainList registers no parameter: torch.optim refuses an empty parameter list.
        QVERIFY(m_window->openFile(kSamples + QStringLiteral("/../../examples/net_plainlist.py")));
        QVERIFY(!session()->start(settings(1)));
        QVERIFY2(last.contains(QStringLiteral("PyTorch would fail: ValueError: optimizer got an empty parameter list")), qPrintable(last));
        QVERIFY(!session()->isActive());
    }

    // A project's normalize applies to the training images as Run applies it: the Train panel's
    // losses are, bit for bit, those of the engine's run on normalised images, not on raw ones.
    void trainsOnTheProjectsNormalisation()
    {
        QFile src(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        QJsonObject project = QJsonDocument::fromJson(src.readAll()).object();
        project.insert(QStringLiteral("weights"), QJsonValue(QJsonValue::Null)); // from the seed
        project.insert(QStringLiteral("normalize"), QJsonObject{{QStringLiteral("mean"), QJsonArray{0.286}},
                                                                {QStringLiteral("std"), QJsonArray{0.353}}});
        const QString path = m_dir.filePath(QStringLiteral("normalised.mlab"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(project).toJson()) > 0);
        out.close();
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(path));
        QVERIFY(window.runDocks()->controller()->isNormalised());
        auto* train = window.findChild<TrainDocks*>();
        train->session()->setDataDirectory(kSamples);
        QStringList messages;
        connect(train->session(), &TrainSession::message, this, [&messages](const QString& m) { messages << m; });
        const TrainSettings s = settings(1);
        QVERIFY(train->session()->start(s));
        QVERIFY(train->session()->waitUntil([train] { return !train->session()->isActive(); }, 120000));
        QVERIFY2(messages.value(0).contains(QStringLiteral("normalised as the project says (mean 0.286, std 0.353)")),
                 qPrintable(messages.join(QLatin1Char('\n'))));
        std::vector<double> panel;
        for (const StepPoint& p : train->session()->steps())
            panel.push_back(p.loss);
        QCOMPARE(panel.size(), size_t(3));
        for (const bool normalised : {true, false}) {
            auto model = window.document()->root()->clone();
            ml::initWeights(*model, s.seed);
            auto data = ml::loadLabelledPictures(kSamples.toStdString(), 28, 28);
            QVERIFY(std::holds_alternative<ml::Dataset>(data));
            ml::Dataset d = std::get<ml::Dataset>(data);
            if (normalised)
                QVERIFY(!ml::normalizeInput(d.inputs, {0.286}, {0.353}));
            ml::TrainingConfig config;
            config.optimizer = ml::defaultOptimizerOptions(s.optimizer);
            config.optimizer.lr = s.lr;
            config.batch = s.batch;
            config.seed = s.seed;
            ml::TrainingRun run(*model, std::move(d), {}, config);
            std::vector<double> engine;
            std::string error;
            while (run.step(error))
                engine.push_back(run.lastLoss());
            QVERIFY2(error.empty(), error.c_str());
            QCOMPARE(engine == panel, normalised);
        }
    }

    // One settings form serves the Train panel and the compare view's Train tab: what is set is
    // what is read, and choosing an optimizer sets its default learning rate in both.
    void settingsFormRoundTrips()
    {
        TrainSettings s;
        s.optimizer = ml::OptimizerKind::AdamW;
        s.lr = 0.0025;
        s.batch = 17;
        s.epochs = 3;
        s.seed = 9;
        s.loss = ml::LossKind::Nll;
        s.fromScratch = false;
        TrainPanel* panel = m_train->panel();
        CompareTraining compare;
        for (QWidget* w : {static_cast<QWidget*>(panel), static_cast<QWidget*>(&compare)}) {
            const QList<TrainSettingsForm*> forms = w->findChildren<TrainSettingsForm*>();
            QCOMPARE(forms.size(), 1);
            forms[0]->setSettings(s);
            const TrainSettings got = forms[0]->settings();
            QCOMPARE(got.optimizer, s.optimizer);
            QCOMPARE(got.lr, s.lr);
            QCOMPARE(got.batch, s.batch);
            QCOMPARE(got.epochs, s.epochs);
            QCOMPARE(got.seed, s.seed);
            auto* optimizer = forms[0]->findChild<QComboBox*>();
            QVERIFY(optimizer);
            optimizer->setCurrentIndex(optimizer->findText(QStringLiteral("Adam")));
            QCOMPARE(forms[0]->settings().lr, ml::defaultOptimizerOptions(ml::OptimizerKind::Adam).lr);
        }
        panel->setSettings(s);
        QCOMPARE(panel->settings().loss, ml::LossKind::Nll);
        QCOMPARE(panel->settings().fromScratch, false);
        compare.setSettings(s);
        QCOMPARE(compare.settings().loss, ml::LossKind::CrossEntropy); // the compare view has no loss field
        QCOMPARE(compare.settings().fromScratch, true);                 // both sides from the seed's weights
        panel->setSettings(settings(1));
    }

    // A model whose forward returns several tensors: the panel offers them and trains on the one
    // chosen, as a PyTorch training loop picks it; the other head gets no gradient.
    void severalOutputsOfferAChoice()
    {
        // The model the command line's output-choice references are made with.
        QVERIFY(m_window->openFile(QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/train/models/two_heads.py")));
        TrainSettingsForm* form = m_train->panel()->findChild<TrainSettingsForm*>();
        QVERIFY(form && form->outputBox());
        QVERIFY(form->outputBox()->isVisible());
        QCOMPARE(form->outputBox()->count(), 2);
        // The shapes a batch of the chosen size gets, following the Batch field.
        QCOMPARE(form->settings().batch, 64);
        QCOMPARE(form->outputBox()->itemText(0), QStringLiteral("logits [64, 10]"));
        QCOMPARE(form->outputBox()->itemText(1), QStringLiteral("aux [64, 10]"));
        form->outputBox()->setCurrentIndex(1);
        QCOMPARE(form->settings().output, QStringLiteral("aux"));
        TrainSettings s = settings(1); // batch 10
        m_train->panel()->setSettings(s);
        QCOMPARE(form->outputBox()->itemText(0), QStringLiteral("logits [10, 10]"));
        QCOMPARE(form->outputBox()->itemText(1), QStringLiteral("aux [10, 10]"));
        QCOMPARE(form->settings().output, QStringLiteral("aux")); // the choice stays
        form->batchBox()->setValue(1);
        QCOMPARE(form->outputBox()->itemText(1), QStringLiteral("aux [1, 10]"));
        form->batchBox()->setValue(s.batch);
        Document* doc = m_window->document();
        s.output = form->settings().output;
        auto fresh = doc->root()->clone();
        ml::initWeights(*fresh, s.seed);
        QVERIFY(session()->start(s));
        QVERIFY(finish());
        QCOMPARE(session()->epochs().size(), size_t(1));
        QVERIFY(weightsOf(doc->moduleAtDotted(QStringLiteral("aux"))) != weightsOf(fresh->findPath("aux")));
        QCOMPARE(weightsOf(doc->moduleAtDotted(QStringLiteral("head"))), weightsOf(fresh->findPath("head")));
        if (const QByteArray shot = qgetenv("MODULELAB_TRAINPANEL_SCREENSHOT"); !shot.isEmpty())
            m_window->grab().save(QString::fromLocal8Bit(shot));
        // A model with one output has no such field.
        QVERIFY(m_window->openFile(m_dir.filePath(QStringLiteral("mixed.py"))));
        QVERIFY(!form->outputBox()->isVisible());
        QCOMPARE(form->settings().output, QString());
    }

    // Early in a run (three steps) the loss chart's step axis reads 0 1 2 3, not 0 0 1 2 3: every
    // axis of the Train panel's charts and of the compare view's has labels no two alike, each
    // where its value is.
    void axisLabelsAreDistinctAndTrue()
    {
        QVERIFY(session()->start(settings(1))); // 30 samples in batches of 10: three steps
        QVERIFY(finish());
        TrainCharts* charts = m_train->panel()->charts();
        m_train->panel()->tabs()->setCurrentWidget(charts);
        QCoreApplication::processEvents();
        const auto check = [](QChartView* view) {
            for (const Qt::Orientation o : {Qt::Horizontal, Qt::Vertical}) {
                const QString wrong = axisLabelsWrong(view, o);
                QVERIFY2(wrong.isEmpty(), qPrintable(view->chart()->title() + QStringLiteral(": ") + wrong));
            }
        };
        check(charts->lossView());
        check(charts->accuracyView());
        QStringList steps;
        for (const AxisLabel& l : axisLabels(charts->lossView(), Qt::Horizontal))
            steps << l.text;
        QCOMPARE(steps.join(QLatin1Char(' ')), QStringLiteral("0 1 2 3"));

        // Both models side by side, five steps (30 samples in batches of 6).
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, QStringLiteral(":/examples/net_sequential_fixed.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, QStringLiteral(":/examples/net_modulelist_fixed.py"), &error), qPrintable(error));
        view.tabs()->setCurrentWidget(view.training());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        TrainSettings s = settings(1);
        s.batch = 6;
        view.training()->setSettings(s);
        view.training()->setDataDirectory(kSamples);
        QVERIFY(view.training()->trainSteps(5, 120000));
        QCoreApplication::processEvents();
        check(view.training()->lossView());
        check(view.training()->epochView());
        steps.clear();
        for (const AxisLabel& l : axisLabels(view.training()->lossView(), Qt::Horizontal))
            steps << l.text;
        QCOMPARE(steps.join(QLatin1Char(' ')), QStringLiteral("0 2 4"));
        view.training()->stop();
    }

    void cleanupTestCase()
    {
        m_window.reset();
    }
};

QTEST_MAIN(TestTrainPanel)
#include "tst_trainpanel.moc"
