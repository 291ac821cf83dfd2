// The training loop the GUI drives: steps and epochs, train and test accuracy with the
// confusion matrix, checkpoints that resume to the very same weights, and which layers'
// weights change (plain lists and frozen modules do not, with the reason).
#include "engine/analysis/analysis.h"
#include "engine/io/safetensors.h"
#include "engine/modelfile.h"
#include "engine/train/curves.h"
#include "engine/train/trainingrun.h"
#include "engine/train/weightchange.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>

using namespace ml;

namespace {

// A ModuleList, a plain Python list and a registered head in one model.
const char* kMixed = R"(import torch
import torch.nn as nn

class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList([nn.Conv2d(1, 2, 3, padding=1), nn.ReLU()])
        self.extra = [nn.Linear(10, 10)]
        self.head = nn.Linear(2 * 4 * 4, 10)

    def forward(self, x):
        for m in self.features:
            x = m(x)
        x = torch.flatten(x, 1)
        x = self.head(x)
        for m in self.extra:
            x = m(x)
        return x

model = Mixed()
# input: 1,1,4,4
)";

std::unique_ptr<Module> mixedModel(const QString& dir)
{
    const QString path = dir + "/mixed.py";
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(kMixed) < 0)
        qFatal("cannot write %s", qPrintable(path));
    f.close();
    auto r = loadModelFile(path.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    std::unique_ptr<Module> root = std::move(std::get<LoadedModel>(r).root);
    initWeights(*root, 3);
    return root;
}

// 12 pictures of 4 x 4 whose class is the brightest row's index (0..3).
Dataset rows(int count, uint64_t seed)
{
    Dataset d;
    d.count = count;
    d.inputs = Tensor(Shape{count, 1, 4, 4});
    for (int i = 0; i < count; ++i) {
        const int cls = static_cast<int>((i * 7 + seed) % 4);
        for (int k = 0; k < 16; ++k)
            d.inputs[i * 16 + k] = (k / 4 == cls ? 1.0f : 0.1f) + 0.01f * static_cast<float>((k * (i + 1)) % 5);
        d.targets.classes.push_back(cls);
    }
    return d;
}

TrainingConfig config(OptimizerKind kind, int64_t epochs)
{
    TrainingConfig c;
    c.optimizer = defaultOptimizerOptions(kind);
    c.optimizer.lr = 0.05;
    c.batch = 4;
    c.epochs = epochs;
    c.seed = 7;
    return c;
}

std::vector<float> allState(const Module& root)
{
    std::vector<float> out;
    for (const StateEntry& e : stateDict(root)) {
        const Tensor& t = e.module->tensors()[static_cast<size_t>(e.specIndex)];
        out.insert(out.end(), t.data(), t.data() + t.numel());
    }
    return out;
}

const LayerChange* find(const std::vector<LayerChange>& changes, const std::string& path)
{
    for (const LayerChange& c : changes)
        if (c.path == path)
            return &c;
    return nullptr;
}

} // namespace

class TestTrainingRun : public QObject {
    Q_OBJECT
private slots:
    void stepsEpochsAndEvaluation()
    {
        QTemporaryDir dir;
        auto root = mixedModel(dir.path());
        TrainingRun run(*root, rows(12, 0), rows(8, 1), config(OptimizerKind::Sgd, 2));
        QCOMPARE(run.stepsPerEpoch(), 3);
        std::string error;
        int steps = 0;
        while (run.step(error))
            ++steps;
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(steps, 6);
        QVERIFY(run.finished());
        QCOMPARE(run.epoch(), 2);
        QVERIFY(run.epochTrainLoss() > 0.0);
        const auto ev = run.evaluateTest(error);
        QVERIFY(ev);
        QCOMPARE(ev->classes, 10);
        QCOMPARE(ev->count, 8);
        int64_t total = 0, diagonal = 0;
        for (int t = 0; t < 10; ++t)
            for (int p = 0; p < 10; ++p) {
                total += ev->confusion[static_cast<size_t>(t * 10 + p)];
                diagonal += t == p ? ev->confusion[static_cast<size_t>(t * 10 + p)] : 0;
            }
        QCOMPARE(total, 8);
        QCOMPARE(ev->accuracy, static_cast<double>(diagonal) / 8.0);
    }

    void plainListAndFrozenLayersDoNotChange()
    {
        QTemporaryDir dir;
        auto root = mixedModel(dir.path());
        root->findPath("head")->setFrozen(true);
        const WeightSnapshot before = snapshotWeights(*root);
        TrainingRun run(*root, rows(12, 0), Dataset{}, config(OptimizerKind::Adam, 1));
        std::string error;
        while (run.step(error)) {
        }
        QVERIFY2(error.empty(), error.c_str());
        const std::vector<LayerChange> changes = weightChanges(*root, before);
        const LayerChange* conv = find(changes, "features.0");
        const LayerChange* head = find(changes, "head");
        const LayerChange* extra = find(changes, "extra.0");
        QVERIFY(conv && head && extra);
        QVERIFY(conv->relative > 1e-3);
        QCOMPARE(conv->reason, std::string());
        QCOMPARE(head->relative, 0.0);
        QCOMPARE(head->reason, std::string("frozen"));
        QCOMPARE(extra->relative, 0.0);
        QCOMPARE(extra->reason, std::string("not registered: a plain Python list"));
        QCOMPARE(frozenPaths(*root), std::vector<std::string>{"head"});
        QVERIFY(root->clone()->findPath("head")->frozen()); // a copy keeps requires_grad
    }

    // Two epochs in one go and one epoch + checkpoint + one more epoch end with the same state.
    void checkpointResumesToTheSameWeights_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("sgd momentum") << int(OptimizerKind::Sgd);
        QTest::newRow("adam") << int(OptimizerKind::Adam);
        QTest::newRow("adamw") << int(OptimizerKind::AdamW);
    }
    void checkpointResumesToTheSameWeights()
    {
        QFETCH(int, kind);
        QTemporaryDir dir;
        TrainingConfig c = config(static_cast<OptimizerKind>(kind), 2);
        c.optimizer.momentum = c.optimizer.kind == OptimizerKind::Sgd ? 0.9 : 0.0;
        std::string error;
        auto whole = mixedModel(dir.path());
        TrainingRun a(*whole, rows(12, 0), Dataset{}, c);
        while (a.step(error)) {
        }
        QVERIFY2(error.empty(), error.c_str());

        auto first = mixedModel(dir.path());
        TrainingConfig one = c;
        one.epochs = 1;
        TrainingRun b(*first, rows(12, 0), Dataset{}, one);
        while (b.step(error)) {
        }
        const std::string path = (dir.path() + "/ckpt.safetensors").toStdString();
        QVERIFY(!saveCheckpoint(path, *first, b.trainer().optimizer(), b.epoch(), b.stepCount()));

        auto resumed = mixedModel(dir.path());
        TrainingRun r(*resumed, rows(12, 0), Dataset{}, c);
        auto pos = loadCheckpoint(path, *resumed, r.trainer().optimizer());
        if (auto* e = std::get_if<std::string>(&pos))
            QFAIL(e->c_str());
        QCOMPARE(std::get<CheckpointPosition>(pos).epoch, 1);
        QCOMPARE(std::get<CheckpointPosition>(pos).step, 3);
        r.resumeAt(1, 3);
        int steps = 0;
        while (r.step(error))
            ++steps;
        QCOMPARE(steps, 3);
        QCOMPARE(r.stepCount(), 6);
        QCOMPARE(allState(*resumed), allState(*whole));
        // Without the optimizer state the weights would differ (momentum, Adam's moments).
        auto fresh = mixedModel(dir.path());
        TrainingRun w(*fresh, rows(12, 0), Dataset{}, c);
        QVERIFY(std::holds_alternative<CheckpointPosition>(loadCheckpoint(path, *fresh, w.trainer().optimizer())));
        w.trainer().optimizer().state().assign(w.trainer().optimizer().state().size(), {});
        w.resumeAt(1, 3);
        while (w.step(error)) {
        }
        QVERIFY(allState(*fresh) != allState(*whole));
    }

    void checkpointErrorsNameTheProblem()
    {
        QTemporaryDir dir;
        auto root = mixedModel(dir.path());
        TrainingRun run(*root, rows(12, 0), Dataset{}, config(OptimizerKind::Sgd, 1));
        const std::string weightsOnly = (dir.path() + "/w.safetensors").toStdString();
        SafeTensors st;
        st.tensors.push_back({"x", Tensor::filled(Shape{1}, 1.0f), DType::F32});
        QVERIFY(!writeSafeTensors(weightsOnly, st));
        auto r = loadCheckpoint(weightsOnly, *root, run.trainer().optimizer());
        QVERIFY(std::holds_alternative<std::string>(r));
        QVERIFY(std::get<std::string>(r).find("not a ModuleLab training checkpoint") != std::string::npos);
        auto missing = loadCheckpoint((dir.path() + "/none.safetensors").toStdString(), *root, run.trainer().optimizer());
        QVERIFY(std::holds_alternative<std::string>(missing));
    }

    void smoothedCurveStartsAtTheFirstValue()
    {
        const std::vector<double> s = smoothCurve({2.0, 1.0, 1.0, 1.0}, 0.9);
        QCOMPARE(s.size(), size_t(4));
        QCOMPARE(s[0], 2.0);
        QVERIFY(s[1] < 2.0 && s[1] > 1.0);
        QVERIFY(s[3] < s[1]);
        QCOMPARE(smoothCurve({3.0, 4.0}, 0.0), (std::vector<double>{3.0, 4.0}));
    }
};

QTEST_GUILESS_MAIN(TestTrainingRun)
#include "tst_trainingrun.moc"
