// The trained example resources/examples/fashion_cnn.py (+ .safetensors, .mlab) against PyTorch:
// forward on the shipped Fashion-MNIST samples, predictions, the command line, and refusal of
// weights that belong to another model. tests/data/fashion/make_fashion_reference.py made the
// reference with PyTorch.
#include "clirun.h"
#include "engine/analysis/analysis.h"
#include "engine/imageinput.h"
#include "engine/io/idx.h"
#include "engine/io/safetensors.h"
#include "referencetensors.h"
#include "engine/io/weights.h"
#include "engine/layer.h"
#include "engine/modelfile.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

using namespace ml;
using testref::readOk;

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kRoot = kData + "/../..";
const std::string kModel = kRoot + "/resources/examples/fashion_cnn.py";
const std::string kProject = kRoot + "/resources/examples/fashion_cnn.mlab";
const std::string kWeights = kRoot + "/resources/examples/fashion_cnn.safetensors";
const std::string kSamples = kRoot + "/resources/samples/fashion-mnist/";
constexpr int kSampleCount = 30;

QJsonObject reference()
{
    QFile f(QString::fromStdString(kData + "/fashion/fashion_samples.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fashion_samples.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

LoadedModel loadOk(const std::string& path)
{
    auto r = loadModelFile(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<LoadedModel>(std::move(r));
}

// The example with its trained weights, ready for a forward pass.
std::unique_ptr<Module> trainedModel()
{
    LoadedModel m = loadOk(kModel);
    initWeights(*m.root, 0);
    const StateDictReport rep = loadStateDict(*m.root, kWeights);
    if (!rep.loaded)
        qFatal("%s", rep.message().c_str());
    return std::move(m.root);
}

std::vector<std::string> samplePaths(const QJsonObject& ref)
{
    std::vector<std::string> paths;
    for (const QJsonValue& f : ref["files"].toArray())
        paths.push_back(kSamples + f.toString().toStdString());
    return paths;
}

std::vector<int> argmaxRows(const Tensor& t)
{
    const int64_t n = t.shape()[0], c = t.shape()[1];
    std::vector<int> out;
    for (int64_t i = 0; i < n; ++i)
        out.push_back(int(std::max_element(t.data() + i * c, t.data() + (i + 1) * c) - (t.data() + i * c)));
    return out;
}

std::vector<int> intArray(const QJsonValue& v)
{
    std::vector<int> out;
    for (const QJsonValue& x : v.toArray())
        out.push_back(x.toInt());
    return out;
}

using testcli::cli;
using testcli::Result;

} // namespace

class TestFashion : public QObject {
    Q_OBJECT

private slots:
    void exampleImportsCleanly();
    void weightsAreSmallAndComplete();
    void samplesEveryClassThreeTimes();
    void samplesDecodeToPyTorchInput();
    void forwardMatchesPyTorch();
    void cliRunPredictsTrueLabels();
    void projectFileNamesTheWeights();
    void mismatchedWeightsRefused();
    void testSetAgreesWithPyTorchWhenInstalled();
};

void TestFashion::exampleImportsCleanly()
{
    const LoadedModel m = loadOk(kModel);
    QVERIFY(m.diagnostics.empty());
    QVERIFY(m.inputShape);
    QCOMPARE(*m.inputShape, (Shape{1, 1, 28, 28}));
    const Analysis a = analyze(*m.root, *m.inputShape);
    for (const Diagnostic& d : a.diagnostics)
        qWarning("%s: %s", d.path.c_str(), d.message.c_str());
    QVERIFY(a.diagnostics.empty()); // no errors, no warnings
    QCOMPARE(a.nodes.at(m.root.get()).outputShape, std::optional<Shape>(Shape{1, 10}));
    const Result r = cli({"summary", QString::fromStdString(kModel)});
    QCOMPARE(r.code, 0);
    QVERIFY2(!r.out.contains("warning") && r.err.isEmpty(), qPrintable(r.out + r.err));
}

void TestFashion::weightsAreSmallAndComplete()
{
    QVERIFY(QFile(QString::fromStdString(kWeights)).size() < 1'000'000);
    const SafeTensors st = readOk(kWeights);
    // PyTorch's state_dict names, BatchNorm running statistics included.
    for (const char* key : {"features.0.weight", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
                            "features.4.weight", "features.5.running_var", "head.1.weight", "head.4.bias"})
        QVERIFY2(st.find(key), key);
    QCOMPARE(st.find("head.1.weight")->tensor.shape(), (Shape{64, 1568}));
    QVERIFY(st.find("features.1.num_batches_tracked")->tensor[0] > 0); // trained, not initial
}

void TestFashion::samplesEveryClassThreeTimes()
{
    const QJsonObject ref = reference();
    const std::vector<int> labels = intArray(ref["labels"]);
    QCOMPARE(int(labels.size()), kSampleCount);
    std::vector<int> perClass(10, 0);
    for (int l : labels)
        ++perClass[size_t(l)];
    for (int n : perClass)
        QCOMPARE(n, 3);
    // File names carry the class: 0013_dress.png is a Dress.
    const QJsonArray files = ref["files"].toArray();
    for (int i = 0; i < kSampleCount; ++i) {
        std::string name = fashionMnistClassNames()[size_t(labels[size_t(i)])];
        std::transform(name.begin(), name.end(), name.begin(), [](char c) { return char(std::tolower(c)); });
        std::erase(name, '-');
        std::replace(name.begin(), name.end(), '/', '_');
        std::replace(name.begin(), name.end(), ' ', '_');
        QVERIFY2(files[i].toString().endsWith(QString::fromStdString("_" + name + ".png")), qPrintable(files[i].toString()));
    }
}

void TestFashion::samplesDecodeToPyTorchInput()
{
    const QJsonObject ref = reference();
    auto r = imagesToTensor(samplePaths(ref), 1, 28, 28);
    QVERIFY2(std::holds_alternative<Tensor>(r), std::get_if<std::string>(&r) ? std::get<std::string>(r).c_str() : "");
    const Tensor& x = std::get<Tensor>(r);
    const SafeTensors io = readOk(kData + "/fashion/fashion_samples.io.safetensors");
    const Tensor& want = io.find("input")->tensor;
    QCOMPARE(x.shape(), want.shape());
    QVERIFY(std::memcmp(x.data(), want.data(), size_t(x.numel()) * sizeof(float)) == 0);
}

void TestFashion::forwardMatchesPyTorch()
{
    const QJsonObject ref = reference();
    const SafeTensors io = readOk(kData + "/fashion/fashion_samples.io.safetensors");
    const std::unique_ptr<Module> model = trainedModel();
    const ForwardResult fr = runForward(*model, io.find("input")->tensor);
    QVERIFY(fr.output);
    const Tensor& got = *fr.output;
    const Tensor& want = io.find("output")->tensor;
    QCOMPARE(got.shape(), (Shape{kSampleCount, 10}));
    double scale = 1, diff = 0;
    for (int64_t k = 0; k < want.numel(); ++k) {
        scale = std::max(scale, double(std::fabs(want[k])));
        diff = std::max(diff, double(std::fabs(got[k] - want[k])));
    }
    QVERIFY2(diff <= 1e-4 * scale, qPrintable(QString("max |diff| %1, scale %2").arg(diff).arg(scale)));

    const std::vector<int> predicted = argmaxRows(got);
    QCOMPARE(predicted, intArray(ref["predicted"]));
    const std::vector<int> labels = intArray(ref["labels"]);
    int correct = 0;
    for (int i = 0; i < kSampleCount; ++i)
        correct += predicted[size_t(i)] == labels[size_t(i)];
    QCOMPARE(correct, ref["correct"].toInt()); // ModuleLab's accuracy on the samples is PyTorch's
    QVERIFY(correct >= 24);
}

void TestFashion::cliRunPredictsTrueLabels()
{
    const QJsonObject ref = reference();
    QStringList args = {"run", QString::fromStdString(kModel), "--image"};
    for (const std::string& p : samplePaths(ref))
        args << QString::fromStdString(p);
    args << "--weights" << QString::fromStdString(kWeights) << "--topk" << "3" << "--labels" << "fashion-mnist" << "--format" << "json";
    const Result r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray preds = QJsonDocument::fromJson(r.out.toUtf8()).object()["predictions"].toArray();
    QCOMPARE(preds.size(), kSampleCount);
    const std::vector<int> labels = intArray(ref["labels"]), predicted = intArray(ref["predicted"]);
    int agreed = 0;
    for (int i = 0; i < kSampleCount; ++i) {
        const QJsonObject item = preds[i].toObject();
        QVERIFY(item["image"].toString().endsWith(ref["files"].toArray()[i].toString()));
        const QJsonArray top = item["top"].toArray();
        QCOMPARE(top.size(), 3);
        const QJsonObject first = top[0].toObject();
        QCOMPARE(first["index"].toInt(), predicted[size_t(i)]);
        if (predicted[size_t(i)] == labels[size_t(i)]) {
            QCOMPARE(first["label"].toString().toStdString(), fashionMnistClassNames()[size_t(labels[size_t(i)])]);
            ++agreed;
        }
    }
    QCOMPARE(agreed, ref["correct"].toInt());
}

void TestFashion::projectFileNamesTheWeights()
{
    const LoadedModel m = loadOk(kProject);
    QVERIFY(m.weightsPath.ends_with("resources/examples/fashion_cnn.safetensors"));
    QVERIFY(m.mean.empty()); // trained on [0, 1] inputs without normalisation
    QCOMPARE(repr(*m.root), repr(*loadOk(kModel).root));

    // The project alone (weights from the file it names) predicts what PyTorch predicts.
    const QJsonObject ref = reference();
    QStringList args = {"run", QString::fromStdString(kProject), "--image"};
    for (const std::string& p : samplePaths(ref))
        args << QString::fromStdString(p);
    args << "--topk" << "1" << "--format" << "json";
    const Result r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray preds = QJsonDocument::fromJson(r.out.toUtf8()).object()["predictions"].toArray();
    const std::vector<int> predicted = intArray(ref["predicted"]);
    QCOMPARE(preds.size(), kSampleCount);
    for (int i = 0; i < kSampleCount; ++i)
        QCOMPARE(preds[i].toObject()["top"].toArray()[0].toObject()["index"].toInt(), predicted[size_t(i)]);
}

void TestFashion::mismatchedWeightsRefused()
{
    const std::string tiny = kData + "/numeric/tiny_cnn.weights.safetensors";
    const SafeTensors theirs = readOk(tiny), ours = readOk(kWeights);
    // What PyTorch's strict load_state_dict would list. A missing num_batches_tracked is not an
    // error for a plain dict (PyTorch sets it to 0), so tiny_cnn's file, which has none, is not
    // blamed for it.
    std::set<std::string> missing, unexpected, mismatched;
    for (const NamedTensor& t : ours.tensors) {
        const NamedTensor* o = theirs.find(t.name);
        if (!o && !t.name.ends_with(".num_batches_tracked"))
            missing.insert(t.name);
        else if (!o)
            continue;
        else if (o->tensor.shape() != t.tensor.shape())
            mismatched.insert(t.name);
    }
    for (const NamedTensor& t : theirs.tensors)
        if (!ours.find(t.name))
            unexpected.insert(t.name);
    QVERIFY(missing.count("head.4.weight") && unexpected.count("head.3.weight") && mismatched.count("features.0.weight"));

    std::unique_ptr<Module> model = trainedModel();
    SafeTensors before;
    QVERIFY(!stateDictTensors(*model, before));
    const StateDictReport rep = loadStateDict(*model, tiny);
    QVERIFY(!rep.loaded);
    QCOMPARE(std::set<std::string>(rep.missing.begin(), rep.missing.end()), missing);
    QCOMPARE(std::set<std::string>(rep.unexpected.begin(), rep.unexpected.end()), unexpected);
    std::set<std::string> mismatchedKeys;
    for (const std::string& m : rep.mismatched)
        mismatchedKeys.insert(m.substr(0, m.find(':')));
    QCOMPARE(mismatchedKeys, mismatched);
    const std::string message = rep.message();
    for (const auto* keys : {&missing, &unexpected, &mismatched})
        for (const std::string& k : *keys)
            QVERIFY2(message.find(k) != std::string::npos, k.c_str());

    // Nothing was loaded: every tensor is still the trained one.
    SafeTensors after;
    QVERIFY(!stateDictTensors(*model, after));
    QCOMPARE(after.tensors.size(), before.tensors.size());
    for (size_t i = 0; i < before.tensors.size(); ++i) {
        const Tensor &a = before.tensors[i].tensor, &b = after.tensors[i].tensor;
        QVERIFY(a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(float)) == 0);
    }

    // The command line refuses them too and lists every problem.
    const Result r = cli({"run", QString::fromStdString(kModel), "--image", QString::fromStdString(kSamples + "0013_dress.png"),
                          "--weights", QString::fromStdString(tiny)});
    QCOMPARE(r.code, 2);
    for (const auto* keys : {&missing, &unexpected, &mismatched})
        for (const std::string& k : *keys)
            QVERIFY2(r.err.contains(QString::fromStdString(k)), qPrintable(r.err));
}

// Optional: Debian's dataset-fashion-mnist. When installed, ModuleLab classifies all 10000 test
// images as PyTorch did.
void TestFashion::testSetAgreesWithPyTorchWhenInstalled()
{
    const IdxPaths paths = fashionMnistTestFiles();
    if (paths.images.empty()) {
        qInfo("dataset-fashion-mnist is not installed; compared the shipped samples only");
        return;
    }
    auto r = readIdxDataset(paths.images, paths.labels);
    QVERIFY(std::holds_alternative<IdxDataset>(r));
    const IdxDataset& ds = std::get<IdxDataset>(r);
    const QJsonObject ref = reference();
    const std::string torchPred = ref["test_set_predicted"].toString().toStdString();
    QCOMPARE(int64_t(torchPred.size()), ds.images.count());

    const std::unique_ptr<Module> model = trainedModel();
    int64_t correct = 0, disagree = 0;
    const int64_t batch = 500;
    for (int64_t start = 0; start < ds.images.count(); start += batch) {
        std::vector<int64_t> idx;
        for (int64_t i = start; i < std::min(start + batch, ds.images.count()); ++i)
            idx.push_back(i);
        const ForwardResult fr = runForward(*model, idxImagesTensor(ds.images, idx));
        QVERIFY(fr.output);
        const std::vector<int> pred = argmaxRows(*fr.output);
        for (size_t k = 0; k < idx.size(); ++k) {
            correct += pred[k] == ds.labels[size_t(idx[k])];
            disagree += pred[k] != torchPred[size_t(idx[k])] - '0';
        }
    }
    const double accuracy = double(correct) / double(ds.images.count());
    qInfo("ModuleLab: test accuracy %.2f%%, %lld of 10000 predictions differ from PyTorch's", 100 * accuracy, (long long)disagree);
    QVERIFY(disagree <= 2); // float rounding may flip a near tie, nothing more
    QVERIFY(std::fabs(accuracy - ref["test_set_accuracy"].toDouble()) <= 2e-4);
    QVERIFY(accuracy >= 0.88);
}

QTEST_APPLESS_MAIN(TestFashion)
#include "tst_fashion.moc"
