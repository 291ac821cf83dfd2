// The lesson "Learning: what the optimizer updates", step by step: what each step says happens
// when the Compare window's Train tab trains two models is what the engine and the Train tab do,
// and what PyTorch 1.13 does (tests/data/lessons/learning_reference.json, written by
// make_learning_reference.py: the same models from torch.manual_seed(0), SGD lr 0.01, the 30
// shipped samples in batches of 10).
#include "app/compare/comparetraining.h"
#include "app/lessons/lessonbook.h"
#include "app/train/trainsession.h"
#include "engine/analysis/analysis.h"
#include "engine/modelfile.h"
#include "engine/train/dataset.h"
#include "engine/train/optimizer.h"
#include "engine/train/trainingrun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QRegularExpression>
#include <QTableWidget>
#include <QtTest/QTest>

#include <cmath>

using namespace ml::ui;

namespace {

const QString kExamples = QStringLiteral(MODULELAB_EXAMPLES "/");
const QString kSamples = QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist");
const QString kReference = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/lessons/learning_reference.json");

std::unique_ptr<ml::Module> load(const QString& example)
{
    auto r = ml::loadModelFile((kExamples + example).toStdString());
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<ml::LoadedModel>(r).root);
}

QJsonObject reference()
{
    QFile f(kReference);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(kReference));
    return QJsonDocument::fromJson(f.readAll()).object();
}

const Lesson& learningLesson()
{
    static const std::vector<Lesson> lessons = builtinLessons();
    for (const Lesson& l : lessons)
        if (l.id == QLatin1String("learning"))
            return l;
    qFatal("no lesson 'learning'");
}

QString plain(const QString& rich)
{
    QString s = rich;
    s.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    return s;
}

std::vector<double> losses(const TrainSession* s)
{
    std::vector<double> out;
    for (const StepPoint& p : s->steps())
        out.push_back(p.loss);
    return out;
}

// The reference's "changed" flags of a model, in the order its layers are created.
std::vector<bool> changedInOrder(const QJsonObject& model, const QStringList& paths)
{
    std::vector<bool> out;
    for (const QString& p : paths)
        out.push_back(model.value(QStringLiteral("changed")).toObject().value(p).toBool());
    return out;
}

} // namespace

class TestLearningLesson : public QObject {
    Q_OBJECT
private:
    QJsonObject m_ref = reference();

    // Train Both with the reference's optimizer and batch size, one epoch on the shipped samples.
    static void trainBoth(CompareTraining& view)
    {
        TrainSettings s = view.settings();
        s.optimizer = ml::OptimizerKind::Sgd;
        s.lr = 0.01;
        s.batch = 10;
        s.epochs = 1;
        s.seed = 0;
        view.setSettings(s);
        QVERIFY(view.start());
        QVERIFY(view.session(0)->waitUntil([&view] { return !view.isActive(); }, 240000));
    }

    void checkStepCompares(int step, const QString& a, const QString& b)
    {
        const LessonStep& s = learningLesson().steps.at(static_cast<size_t>(step));
        QCOMPARE(s.compare, (QStringList{a, b}));
    }

private slots:
    // Step 1: model.parameters() of NetPlainConvs is the classifier's 4 tensors, 51,391,498
    // parameters, as PyTorch counts them; both models start from the same weights.
    void step1OnlyTheClassifierIsOptimized()
    {
        checkStepCompares(0, QStringLiteral("net_modulelist_fixed.py"), QStringLiteral("net_plainlist_convs.py"));
        const QString text = plain(learningLesson().steps[0].text);
        auto model = load(QStringLiteral("net_plainlist_convs.py"));
        const QJsonObject ref = m_ref.value(QStringLiteral("plain_convs")).toObject();
        ml::initWeights(*model, 0);
        const std::vector<ml::Tensor*> params = ml::modelParameters(*model);
        QCOMPARE(static_cast<int>(params.size()), ref.value(QStringLiteral("optimized_tensors")).toInt());
        QVERIFY(text.contains(QStringLiteral("the classifier's %1 tensors").arg(params.size())));
        int64_t count = 0;
        for (const ml::Tensor* t : params)
            count += t->numel();
        QCOMPARE(count, static_cast<int64_t>(ref.value(QStringLiteral("parameters")).toDouble()));
        QVERIFY(text.contains(QStringLiteral("51,391,498 parameters")));
        QVERIFY(text.contains(QStringLiteral("same seed on the same batches")));
        // The seed gives the plain list's layers PyTorch's initial weights (sums of each tensor).
        const QJsonArray sums = ref.value(QStringLiteral("initial_sums")).toObject().value(QStringLiteral("conv_layers.0")).toArray();
        const ml::Tensor& w = model->findPath("conv_layers.0")->tensors().at(0);
        double sum = 0.0;
        for (int64_t i = 0; i < w.numel(); ++i)
            sum += w[i];
        QVERIFY2(std::abs(sum - sums.at(0).toDouble()) < 1e-4, qPrintable(QStringLiteral("%1 vs %2").arg(sum).arg(sums.at(0).toDouble())));
    }

    // Step 2: after Train Both the plain list keeps its initial weights with the reason, the
    // registered layers change (as in PyTorch); autograd fills the plain list's .grad (PyTorch:
    // not None; the engine's gradient norm is PyTorch's); the curves start equal and part.
    void step2PlainListKeepsItsWeights()
    {
        const QString text = plain(learningLesson().steps[1].text);
        QCOMPARE(learningLesson().steps[1].select, QStringLiteral("conv_layers.0"));
        CompareTraining view;
        view.setDataDirectory(kSamples);
        auto a = load(QStringLiteral("net_modulelist_fixed.py"));
        auto b = load(QStringLiteral("net_plainlist_convs.py"));
        view.setModels(a.get(), QStringLiteral("net_modulelist_fixed.py"), b.get(), QStringLiteral("net_plainlist_convs.py"));
        trainBoth(view);
        const QJsonObject refPlain = m_ref.value(QStringLiteral("plain_convs")).toObject();
        const QJsonObject refList = m_ref.value(QStringLiteral("modulelist")).toObject();
        const QStringList plainPaths = {"conv_layers.0", "conv_layers.1", "conv_layers.3", "conv_layers.4", "classifier.1", "classifier.3"};
        const QStringList listPaths = {"module_list.0", "module_list.1", "module_list.3", "module_list.4", "module_list.7", "module_list.9"};
        const std::vector<bool> plainChanged = changedInOrder(refPlain, plainPaths);
        const std::vector<bool> listChanged = changedInOrder(refList, listPaths);
        for (int i = 0; i < plainPaths.size(); ++i) {
            const ml::LayerChange* c = view.session(1)->changeOf(plainPaths[i]);
            QVERIFY2(c, qPrintable(plainPaths[i]));
            QCOMPARE(c->relative > 0.0, bool(plainChanged[static_cast<size_t>(i)]));
            QCOMPARE(c->reason == "not registered: a plain Python list", plainPaths[i].startsWith(QLatin1String("conv_layers")));
            const ml::LayerChange* l = view.session(0)->changeOf(listPaths[i]);
            QVERIFY2(l, qPrintable(listPaths[i]));
            QCOMPARE(l->relative > 0.0, bool(listChanged[static_cast<size_t>(i)]));
            QVERIFY(l->relative > 0.0);
        }
        QVERIFY(text.contains(QStringLiteral("not registered: a plain Python list")));
        // The Train tab's table says it, row by row.
        QCOMPARE(view.layerTable()->rowCount(), 6);
        QCOMPARE(view.layerTable()->item(0, 2)->text(), QStringLiteral("conv_layers.0"));
        QVERIFY(view.layerTable()->item(0, 3)->text().endsWith(QStringLiteral("not registered: a plain Python list")));
        // The curves: the same first loss, different from the second step on (the engine and PyTorch).
        const std::vector<double> la = losses(view.session(0)), lb = losses(view.session(1));
        QCOMPARE(la.size(), size_t(3));
        QCOMPARE(la.front(), lb.front());
        QVERIFY(la[1] != lb[1]);
        const QJsonArray pa = refList.value(QStringLiteral("losses")).toArray(), pb = refPlain.value(QStringLiteral("losses")).toArray();
        QCOMPARE(pa.at(0).toDouble(), pb.at(0).toDouble());
        QVERIFY(pa.at(1).toDouble() != pb.at(1).toDouble());
        QCOMPARE(view.lossCurve(0)->count(), 3);
        QVERIFY(text.contains(QStringLiteral("start at the same value and part from the second step on")));

        // .grad: PyTorch fills it for the plain list; the engine's first-step gradient is PyTorch's.
        QVERIFY(text.contains(QStringLiteral("Autograd still computes the plain list's .grad")));
        for (const char* p : {"conv_layers.0", "conv_layers.1", "conv_layers.3", "conv_layers.4"})
            QCOMPARE(refPlain.value(QStringLiteral("grad_is_none")).toObject().value(QLatin1String(p)).toBool(true), false);
        auto model = load(QStringLiteral("net_plainlist_convs.py"));
        ml::initWeights(*model, 0);
        auto data = ml::loadLabelledPictures(kSamples.toStdString(), 28, 28);
        QVERIFY(std::holds_alternative<ml::Dataset>(data));
        ml::TrainingConfig config;
        config.optimizer = ml::defaultOptimizerOptions(ml::OptimizerKind::Sgd);
        config.optimizer.lr = 0.01;
        config.batch = 10;
        config.shuffle = false; // in order, as the reference
        ml::TrainingRun run(*model, std::get<ml::Dataset>(data), {}, config);
        std::vector<double> stepLosses;
        std::string error;
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(run.step(error), error.c_str());
            stepLosses.push_back(run.lastLoss());
            if (i > 0)
                continue;
            const ml::Module* conv = model->findPath("conv_layers.0");
            const auto it = run.trainer().lastGrads().find(&conv->tensors().at(0));
            QVERIFY(it != run.trainer().lastGrads().end());
            double norm = 0.0;
            for (int64_t k = 0; k < it->second.numel(); ++k)
                norm += double(it->second[k]) * double(it->second[k]);
            const double want = refPlain.value(QStringLiteral("first_grad_norms")).toObject().value(QStringLiteral("conv_layers.0")).toArray().at(0).toDouble();
            QVERIFY2(std::abs(std::sqrt(norm) - want) <= 1e-3 * want, qPrintable(QStringLiteral("%1 vs %2").arg(std::sqrt(norm)).arg(want)));
        }
        for (int i = 0; i < 3; ++i)
            QVERIFY2(std::abs(stepLosses[static_cast<size_t>(i)] - pb.at(i).toDouble()) < 1e-4,
                     qPrintable(QStringLiteral("step %1: %2 vs PyTorch %3").arg(i).arg(stepLosses[static_cast<size_t>(i)]).arg(pb.at(i).toDouble())));
    }

    // Step 3: NetSequential and NetModuleList from the same seed train to bit-identical curves
    // and weights, in the Train tab as in PyTorch.
    void step3SameModelStoredTwoWays()
    {
        checkStepCompares(2, QStringLiteral("net_sequential_fixed.py"), QStringLiteral("net_modulelist_fixed.py"));
        const QString text = plain(learningLesson().steps[2].text);
        QVERIFY(m_ref.value(QStringLiteral("same_initial_weights")).toBool());
        QVERIFY(m_ref.value(QStringLiteral("identical_curves")).toBool());
        QVERIFY(m_ref.value(QStringLiteral("same_final_weights")).toBool());
        QVERIFY(text.contains(QStringLiteral("identical to the last bit, and identical weights at the end")));
        CompareTraining view;
        view.setDataDirectory(kSamples);
        auto a = load(QStringLiteral("net_sequential_fixed.py"));
        auto b = load(QStringLiteral("net_modulelist_fixed.py"));
        view.setModels(a.get(), QStringLiteral("net_sequential_fixed.py"), b.get(), QStringLiteral("net_modulelist_fixed.py"));
        trainBoth(view);
        const std::vector<double> la = losses(view.session(0)), lb = losses(view.session(1));
        QCOMPARE(la.size(), size_t(3));
        QVERIFY(la == lb); // bit for bit
        QCOMPARE(view.session(0)->epochs().back().testAccuracy, view.session(1)->epochs().back().testAccuracy);
        const auto& ca = view.session(0)->changes();
        const auto& cb = view.session(1)->changes();
        QCOMPARE(ca.size(), size_t(6));
        QCOMPARE(ca.size(), cb.size());
        for (size_t i = 0; i < ca.size(); ++i) {
            QVERIFY2(ca[i].relative == cb[i].relative, qPrintable(QString::fromStdString(ca[i].path + " / " + cb[i].path)));
            QVERIFY(ca[i].relative > 0.0);
        }
        QCOMPARE(view.lossCurve(0)->points(), view.lossCurve(1)->points());
        QCOMPARE(view.accuracyCurve(0)->count(), 1);
    }

    // Step 4: NetPlainList is refused with PyTorch's ValueError; the other side trains.
    void step4EmptyParameterListIsRefused()
    {
        checkStepCompares(3, QStringLiteral("net_modulelist_fixed.py"), QStringLiteral("net_plainlist.py"));
        const QString text = plain(learningLesson().steps[3].text);
        const QString error = m_ref.value(QStringLiteral("plainlist_optimizer_error")).toString();
        QCOMPARE(error, QStringLiteral("ValueError: optimizer got an empty parameter list"));
        QVERIFY(text.contains(error));
        CompareTraining view;
        view.setDataDirectory(kSamples);
        auto a = load(QStringLiteral("net_modulelist_fixed.py"));
        auto b = load(QStringLiteral("net_plainlist.py"));
        view.setModels(a.get(), QStringLiteral("net_modulelist_fixed.py"), b.get(), QStringLiteral("net_plainlist.py"));
        TrainSettings s = view.settings();
        s.batch = 10;
        view.setSettings(s);
        QVERIFY(view.start()); // A trains
        QVERIFY(view.session(1)->steps().empty());
        QVERIFY2(view.statusLabel()->text().contains(error), qPrintable(view.statusLabel()->text()));
        view.stop();
    }
};

QTEST_MAIN(TestLearningLesson)
#include "tst_learninglesson.moc"
