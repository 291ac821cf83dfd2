// Training against PyTorch: module modes (train/eval, plain lists keep theirs), training-mode
// BatchNorm and Dropout, gradients of every layer and tensor op, whole-model gradients (held-out
// models and the seed's networks; the corpus models are in tst_corpusgrads.cpp), and the losses.
// tests/data/train/make_train_reference.py made every reference with PyTorch 1.13.
#include "engine/analysis/analysis.h"
#include "engine/io/safetensors.h"
#include "referencetensors.h"
#include "engine/io/weights.h"
#include "engine/layer.h"
#include "engine/layers/dropout.h"
#include "engine/modelfile.h"
#include "engine/train/trainer.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QTest>

#include <cmath>
#include <set>

using namespace ml;
using testref::readOk;
using testref::get;

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kTrain = kData + "/train/";
const std::string kRoot = kData + "/../..";

QJsonArray readJson(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", path.c_str());
    return QJsonDocument::fromJson(f.readAll()).array();
}

// Within 1e-4 of the reference's scale (its largest magnitude).
// absTol covers gradients that are zero in exact arithmetic (a conv bias before BatchNorm),
// where both sides hold rounding noise.
bool close(const Tensor& got, const Tensor& want, const std::string& what, double rel = 1e-4, double absTol = 1e-7)
{
    return testref::close(got, want, what, rel, absTol);
}

// A gradient too large to commit, compared with its digest (make_train_reference.py's digest():
// sum, sum of squares, then the first values).
bool digestClose(const Tensor& got, const Tensor& want, const std::string& key)
{
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < got.numel(); ++i) {
        sum += got[i];
        sq += double(got[i]) * got[i];
    }
    // Sums over millions of elements: compared to the sum of squares' square root.
    const double norm = std::sqrt(std::max(double(want[1]), 1e-30));
    if (std::fabs(sum - want[0]) > 1e-3 * norm * std::sqrt(double(got.numel())) + 1e-6) {
        qWarning("%s: sum %g, PyTorch %g", key.c_str(), sum, double(want[0]));
        return false;
    }
    // The norms, within 1e-3 and the per-element floor of close() (vanishing gradients deep in a
    // network hold rounding noise of their own size).
    if (std::fabs(std::sqrt(sq) - norm) > 1e-3 * norm + 1e-6 * std::sqrt(double(got.numel()))) {
        qWarning("%s: sum of squares %g, PyTorch %g", key.c_str(), sq, double(want[1]));
        return false;
    }
    const int64_t n = std::min<int64_t>(got.numel(), want.numel() - 2);
    Tensor head(Shape{n}), wantHead(Shape{n});
    std::copy_n(got.data(), n, head.data());
    std::copy_n(want.data() + 2, n, wantHead.data());
    return close(head, wantHead, key, 1e-4, 1e-6);
}

LoadedModel loadOk(const std::string& path)
{
    auto r = loadModelFile(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<LoadedModel>(std::move(r));
}

ArgValue argOf(const QJsonValue& v)
{
    if (v.isBool())
        return ArgValue::ofBool(v.toBool());
    if (v.isNull())
        return ArgValue::none();
    if (v.isString())
        return ArgValue::ofStr(v.toString().toStdString());
    if (v.isArray()) {
        std::vector<int64_t> t;
        for (const QJsonValue& x : v.toArray())
            t.push_back(x.toInteger());
        return ArgValue::ofTuple(std::move(t));
    }
    const double d = v.toDouble();
    return d == std::floor(d) && std::fabs(d) < 1e15 && !QJsonDocument(QJsonArray{v}).toJson().contains('.')
        ? ArgValue::ofInt(static_cast<int64_t>(d))
        : ArgValue::ofFloat(d);
}

void loadTensors(Module& m, const SafeTensors& st, const std::string& prefix)
{
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    for (size_t i = 0; i < specs.size(); ++i)
        m.tensors()[i] = get(st, prefix + specs[i].name);
}

Targets targetsOf(const NamedTensor& t)
{
    Targets out;
    if (t.dtype == DType::I64)
        for (int64_t i = 0; i < t.tensor.numel(); ++i)
            out.classes.push_back(static_cast<int64_t>(t.tensor[i]));
    else
        out.values = t.tensor;
    return out;
}

} // namespace

class TestTrain : public QObject {
    Q_OBJECT

private slots:
    void modesReachRegisteredChildrenOnly();
    void plainListBatchNormUsesBatchStatisticsInEval();
    void trainingBatchNormUpdatesRunningStatistics();
    void dropoutMasksAndScales();
    void layerGradientsMatchPyTorch();
    void modelGradientsMatchPyTorch();
    void opGradientsMatchPyTorch();
    void seedNetworkGradientsMatchPyTorch();
    void lossesMatchPyTorch();
    void plainListLayersAreNeverUpdated();
    void unsupportedLayerIsRefused();
};

void TestTrain::modesReachRegisteredChildrenOnly()
{
    LoadedModel m = loadOk(kRoot + "/resources/examples/net_plainlist.py");
    Module& root = *m.root;
    for (const NamedModule& nm : namedModules(root, true))
        QVERIFY(nm.module->training()); // a new module trains, as in PyTorch
    setTrainMode(root, false);
    QVERIFY(!root.training());
    int plain = 0;
    for (const NamedModule& nm : namedModules(root, true))
        if (!nm.module->isRegistered()) {
            QVERIFY2(nm.module->training(), nm.path.c_str()); // eval() does not reach a plain list
            ++plain;
        }
    QCOMPARE(plain, 11); // the list and its ten layers
    const std::unique_ptr<Module> copy = root.clone();
    QVERIFY(!copy->training());
    setTrainMode(root, true);
    QVERIFY(root.training());
}

void TestTrain::plainListBatchNormUsesBatchStatisticsInEval()
{
    // PyTorch prints 0.11061 for output[0, 0]: the plain list's BatchNorm layers stay in training
    // mode after model.eval() and normalise with the sample's own statistics.
    const SafeTensors ref = readOk(kTrain + "modes.safetensors");
    LoadedModel m = loadOk(kRoot + "/resources/examples/net_plainlist.py");
    initWeights(*m.root, 0);
    setTrainMode(*m.root, false);
    const ForwardResult r = runForward(*m.root, get(ref, "plainlist.input"));
    QVERIFY(r.output);
    QVERIFY(close(*r.output, get(ref, "plainlist.output"), "NetPlainList output"));
    QCOMPARE(std::round((*r.output)[0] * 1e5) / 1e5, 0.11061);
}

void TestTrain::trainingBatchNormUpdatesRunningStatistics()
{
    const SafeTensors ref = readOk(kTrain + "modes.safetensors");
    const std::vector<std::pair<std::string, std::vector<LayerArgument>>> cases = {
        {"bn2d", {{"num_features", ArgValue::ofInt(3)}, {"momentum", ArgValue::ofFloat(0.2)}}},
        {"bn1d", {{"num_features", ArgValue::ofInt(6)}, {"momentum", ArgValue::none()}}},
        {"bn1d3", {{"num_features", ArgValue::ofInt(2)}}},
    };
    for (const auto& [name, args] : cases) {
        auto made = createLayer(name == "bn2d" ? "BatchNorm2d" : "BatchNorm1d", args);
        QVERIFY(std::holds_alternative<std::unique_ptr<Layer>>(made));
        Layer& bn = *std::get<std::unique_ptr<Layer>>(made);
        TorchGenerator gen(0);
        bn.initTensors(gen);
        loadTensors(bn, ref, name + ".init.");
        Tape tape;
        for (int step = 0; step < 2; ++step) {
            const Tensor* y = tape.forward(bn, get(ref, name + ".x" + std::to_string(step)));
            QVERIFY2(y, tape.error().c_str());
            QVERIFY(close(*y, get(ref, name + ".y" + std::to_string(step)), name + " output"));
        }
        const std::vector<TensorSpec> specs = bn.tensorSpecs();
        for (size_t i = 0; i < specs.size(); ++i)
            QVERIFY(close(bn.tensors()[i], get(ref, name + ".after." + specs[i].name), name + " " + specs[i].name));
        // The layer's own training-mode forward (a plain list's BatchNorm in an eval run) agrees.
        Tensor out;
        bn.trainForward(get(ref, name + ".x1"), out);
        QVERIFY(close(out, get(ref, name + ".y1"), name + " trainForward"));
    }
}

void TestTrain::dropoutMasksAndScales()
{
    auto made = createLayer("Dropout", {{"p", ArgValue::ofFloat(0.25)}});
    Layer& drop = *std::get<std::unique_ptr<Layer>>(made);
    seedDropout(7);
    Tensor x = Tensor::filled(Shape{100, 100}, 2.0f);
    Tape tape;
    const Tensor* y = tape.forward(drop, x);
    QVERIFY(y);
    int64_t kept = 0;
    for (int64_t i = 0; i < y->numel(); ++i) {
        QVERIFY((*y)[i] == 0.0f || std::fabs((*y)[i] - 2.0f / 0.75f) < 1e-6f);
        kept += (*y)[i] != 0.0f;
    }
    QVERIFY(kept > 7300 && kept < 7700); // 75% kept
    ParamGrads grads;
    const Tensor gx = tape.backward(Tensor::filled(Shape{100, 100}, 1.0f), grads);
    for (int64_t i = 0; i < gx.numel(); ++i)
        QCOMPARE(gx[i], (*y)[i] == 0.0f ? 0.0f : 1.0f / 0.75f);
    // Eval mode: the identity.
    drop.setTraining(false);
    const Tensor* e = tape.forward(drop, x);
    QCOMPARE((*e)[0], 2.0f);
    // Dropout2d drops whole channels.
    auto made2 = createLayer("Dropout2d", {{"p", ArgValue::ofFloat(0.5)}});
    const Tensor* c = tape.forward(*std::get<std::unique_ptr<Layer>>(made2), Tensor::filled(Shape{4, 8, 3, 3}, 1.0f));
    for (int64_t plane = 0; plane < 32; ++plane)
        for (int64_t j = 1; j < 9; ++j)
            QCOMPARE((*c)[plane * 9 + j], (*c)[plane * 9]);
}

void TestTrain::layerGradientsMatchPyTorch()
{
    // layers.*: the first twenty layer types; layers_more.*: the rest (make_layer_grads_more.py).
    for (const std::string file : {"layers", "layers_more"}) {
        const SafeTensors ref = readOk(kTrain + file + ".safetensors");
        const QJsonArray cases = readJson(kTrain + file + ".json");
        QVERIFY(cases.size() >= 30);
        for (const QJsonValue& cv : cases) {
            const QJsonObject c = cv.toObject();
            const std::string name = c["name"].toString().toStdString();
            std::vector<LayerArgument> args;
            const QJsonObject a = c["args"].toObject();
            for (auto it = a.begin(); it != a.end(); ++it)
                args.push_back({it.key().toStdString(), argOf(it.value())});
            auto made = createLayer(c["type"].toString().toStdString(), args);
            if (auto* err = std::get_if<std::string>(&made))
                QFAIL((name + ": " + *err).c_str());
            Layer& layer = *std::get<std::unique_ptr<Layer>>(made);
            TorchGenerator gen(0);
            layer.initTensors(gen);
            loadTensors(layer, ref, name + ".init.");
            layer.setTraining(c["training"].toBool());
            Tape tape;
            const Tensor* y = tape.forward(layer, get(ref, name + ".x"));
            QVERIFY2(y, (name + ": " + tape.error()).c_str());
            QVERIFY(close(*y, get(ref, name + ".y"), name + " output"));
            ParamGrads grads;
            const Tensor gx = tape.backward(get(ref, name + ".gy"), grads);
            QVERIFY(close(gx, get(ref, name + ".gx"), name + " input gradient"));
            const std::vector<TensorSpec> specs = layer.tensorSpecs();
            for (size_t i = 0; i < specs.size(); ++i) {
                const Tensor& t = layer.tensors()[i];
                if (specs[i].isBuffer) {
                    QVERIFY(close(t, get(ref, name + ".after." + specs[i].name), name + " " + specs[i].name));
                    continue;
                }
                QVERIFY2(grads.count(&t), (name + " has no gradient for " + specs[i].name).c_str());
                QVERIFY(close(grads.at(&t), get(ref, name + ".grad." + specs[i].name), name + " gradient of " + specs[i].name));
            }
        }
    }
}

void TestTrain::modelGradientsMatchPyTorch()
{
    const std::vector<std::tuple<std::string, std::string, LossKind, bool>> cases = {
        {"ops", "models/ops.py", LossKind::Mse, true},
        {"bce", "models/ops.py", LossKind::BceWithLogits, true},
        {"residual", "models/residual.py", LossKind::CrossEntropy, true},
        {"residual_eval", "models/residual.py", LossKind::CrossEntropy, false},
        {"plain_list", "models/plain_list.py", LossKind::Nll, true},
        {"plain_list_eval", "models/plain_list.py", LossKind::Nll, false},
        // parameters of the model itself used through + * cat (graph leaves), a block called twice
        {"own_params", "models/own_params.py", LossKind::CrossEntropy, true},
        // an nn.Parameter and buffers of the model; one Conv2d under two names, called twice
        {"buffers", "../../../resources/examples/buffers.py", LossKind::CrossEntropy, true},
        {"shared_module", "../../../resources/examples/shared_module.py", LossKind::CrossEntropy, true},
    };
    for (const auto& [name, file, loss, train] : cases) {
        const SafeTensors in = readOk(kTrain + "grad_" + name + ".in.safetensors");
        const SafeTensors ref = readOk(kTrain + "grad_" + name + ".ref.safetensors");
        LoadedModel m = loadOk(kTrain + file);
        initWeights(*m.root, 0);
        setTrainMode(*m.root, train);
        Tape tape;
        const GradientResult r = computeGradients(*m.root, get(in, "input"), targetsOf(*in.find("target")), {loss}, tape);
        QVERIFY2(r.error.empty(), (name + ": " + r.error).c_str());
        QVERIFY2(std::fabs(r.loss - get(ref, "loss")[0]) <= 1e-5 * std::max(1.0, std::fabs(r.loss)), name.c_str());
        QVERIFY(close(r.inputGrad, get(ref, "input"), name + " input gradient"));
        int checked = 0;
        std::set<const Tensor*> seen;
        for (const StateEntry& e : stateDict(*m.root)) {
            if (e.spec.isBuffer)
                continue;
            const Tensor* p = &e.module->tensors()[static_cast<size_t>(e.specIndex)];
            if (!seen.insert(p).second) {
                // A module under a second name is the same object: PyTorch names its parameters once.
                QVERIFY2(!ref.find(e.key), (name + ": " + e.key).c_str());
                continue;
            }
            QVERIFY2(r.grads.count(p), (name + ": no gradient for " + e.key).c_str());
            QVERIFY(close(r.grads.at(p), get(ref, e.key), name + " " + e.key, 1e-4, 1e-6));
            ++checked;
        }
        // A plain list's layers get gradients too (PyTorch fills their .grad).
        for (const NamedModule& nm : namedModules(*m.root, true)) {
            if (nm.module->isRegistered())
                continue;
            const std::vector<TensorSpec> specs = nm.module->tensorSpecs();
            for (size_t i = 0; i < specs.size(); ++i) {
                if (specs[i].isBuffer)
                    continue;
                const std::string key = "unregistered." + nm.path + "." + specs[i].name;
                QVERIFY2(r.grads.count(&nm.module->tensors()[i]), key.c_str());
                QVERIFY(close(r.grads.at(&nm.module->tensors()[i]), get(ref, key), name + " " + key, 1e-4, 1e-6));
                ++checked;
            }
        }
        QVERIFY(checked >= 4);
        // model.parameters(): what named_parameters() names (a shared module once), plain lists not.
        int named = 0;
        for (const NamedTensor& t : ref.tensors)
            named += t.name != "loss" && t.name != "input" && t.name.rfind("unregistered.", 0) != 0;
        QCOMPARE(int(modelParameters(*m.root).size()), named);
    }
}

// Every tensor op a forward program runs (permute, transpose, indexing and slicing, chunk,
// split, stack, mean, sum, max, squeeze, flatten, softmax as a method, ...), each alone or in the
// chain real models write (a channel shuffle, a dual-path split): output and input gradient.
void TestTrain::opGradientsMatchPyTorch()
{
    const SafeTensors ref = readOk(kTrain + "op_grads.safetensors");
    const QJsonArray cases = readJson(kTrain + "op_grads.json");
    QVERIFY(cases.size() >= 40);
    for (const QJsonValue& cv : cases) {
        const QJsonObject c = cv.toObject();
        const std::string name = c["name"].toString().toStdString();
        auto loaded = loadModelText(c["code"].toString().toStdString(), name + ".py");
        QVERIFY2(std::holds_alternative<LoadedModel>(loaded), name.c_str());
        Module& root = *std::get<LoadedModel>(loaded).root;
        Tape tape;
        const Tensor* y = tape.forward(root, get(ref, name + ".x"));
        QVERIFY2(y, (name + ": " + tape.error()).c_str());
        QVERIFY(close(*y, get(ref, name + ".y"), name + " output"));
        ParamGrads grads;
        const Tensor gx = tape.backward(get(ref, name + ".gy"), grads);
        QVERIFY(close(gx, get(ref, name + ".gx"), name + " input gradient"));
    }
}

void TestTrain::seedNetworkGradientsMatchPyTorch()
{
    const SafeTensors ref = readOk(kTrain + "seed_grads.safetensors");
    for (const std::string name : {"net_modulelist_fixed", "net_sequential_fixed"}) {
        LoadedModel m = loadOk(kRoot + "/resources/examples/" + name + ".py");
        initWeights(*m.root, 0);
        Tape tape;
        const GradientResult r = computeGradients(*m.root, get(ref, "input"), targetsOf(*ref.find("target")), {}, tape);
        QVERIFY2(r.error.empty(), r.error.c_str());
        QVERIFY(std::fabs(r.loss - get(ref, name + ".loss")[0]) < 1e-5);
        QVERIFY(digestClose(r.inputGrad, get(ref, name + ".input"), name + ".input"));
        for (const StateEntry& e : stateDict(*m.root))
            if (!e.spec.isBuffer)
                QVERIFY(digestClose(r.grads.at(&e.module->tensors()[static_cast<size_t>(e.specIndex)]), get(ref, name + "." + e.key),
                                    name + "." + e.key));
    }
}

void TestTrain::lossesMatchPyTorch()
{
    const SafeTensors ref = readOk(kTrain + "losses.safetensors");
    for (const QJsonValue& cv : readJson(kTrain + "losses.json")) {
        const QJsonObject c = cv.toObject();
        const std::string name = c["name"].toString().toStdString();
        const QJsonObject a = c["args"].toObject();
        LossOptions o;
        o.kind = *lossKindFromName(c["loss"].toString().toStdString());
        o.reduction = a["reduction"].toString() == "sum" ? Reduction::Sum : Reduction::Mean;
        o.labelSmoothing = a["label_smoothing"].toDouble(0.0);
        o.ignoreIndex = a.contains("ignore_index") ? a["ignore_index"].toInteger() : -100;
        const LossResult r = computeLoss(o, get(ref, name + ".x"), targetsOf(*ref.find(name + ".t")));
        QVERIFY2(r.error.empty(), (name + ": " + r.error).c_str());
        const double want = get(ref, name + ".loss")[0];
        QVERIFY2(std::fabs(r.value - want) <= 1e-5 * std::max(1.0, std::fabs(want)), name.c_str());
        QVERIFY(close(r.grad, get(ref, name + ".gx"), name + " gradient"));
    }
}

void TestTrain::plainListLayersAreNeverUpdated()
{
    LoadedModel m = loadOk(kTrain + "models/plain_list.py");
    initWeights(*m.root, 0);
    const std::unique_ptr<Module> before = m.root->clone();
    const SafeTensors in = readOk(kTrain + "grad_plain_list.in.safetensors");
    Trainer trainer(*m.root, defaultOptimizerOptions(OptimizerKind::Adam), {LossKind::Nll});
    for (int step = 0; step < 3; ++step) {
        std::string error;
        trainer.step(get(in, "input"), targetsOf(*in.find("target")), error);
        QVERIFY2(error.empty(), error.c_str());
    }
    const std::vector<NamedModule> now = namedModules(*m.root, true), then = namedModules(*before, true);
    QCOMPARE(now.size(), then.size());
    int unchanged = 0, changed = 0;
    for (size_t k = 0; k < now.size(); ++k) {
        const std::vector<TensorSpec> specs = now[k].module->tensorSpecs();
        for (size_t i = 0; i < specs.size(); ++i) {
            if (specs[i].isBuffer)
                continue;
            const Tensor& a = now[k].module->tensors()[i];
            const Tensor& b = then[k].module->tensors()[i];
            bool same = true;
            for (int64_t j = 0; j < a.numel(); ++j)
                same = same && a[j] == b[j];
            QVERIFY2(same == !now[k].module->isRegistered(), now[k].path.c_str());
            (same ? unchanged : changed) += 1;
            if (!now[k].module->isRegistered())
                QVERIFY(trainer.lastGrads().count(&a)); // it has a gradient all the same
        }
    }
    QCOMPARE(unchanged, 4); // BatchNorm2d weight, bias; Conv2d weight, bias in the plain list
    QVERIFY(changed >= 6);
}

void TestTrain::unsupportedLayerIsRefused()
{
    auto made = createLayer("Conv2d", {{"in_channels", ArgValue::ofInt(1)}, {"out_channels", ArgValue::ofInt(1)},
                                       {"kernel_size", ArgValue::ofInt(3)}, {"padding", ArgValue::ofInt(1)},
                                       {"padding_mode", ArgValue::ofStr("reflect")}});
    Layer& conv = *std::get<std::unique_ptr<Layer>>(made);
    TorchGenerator gen(0);
    conv.initTensors(gen);
    Tape tape;
    QVERIFY(!tape.forward(conv, Tensor::filled(Shape{1, 1, 4, 4}, 1.0f)));
    QVERIFY2(tape.error().find("not supported by ModuleLab yet") != std::string::npos, tape.error().c_str());
}

QTEST_APPLESS_MAIN(TestTrain)
#include "tst_train.moc"
