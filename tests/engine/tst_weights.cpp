#include "engine/io/project.h"
#include "engine/io/weights.h"
#include "engine/layer.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cstring>

using namespace ml;

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kWeights = kData + "/numeric/tiny_cnn.weights.safetensors";

std::unique_ptr<Module> tinyCnn()
{
    auto r = loadProject(kData + "/projects/tiny_cnn.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<Project>(r).root);
}

SafeTensors fixture()
{
    auto r = readSafeTensors(kWeights);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<SafeTensors>(std::move(r));
}

bool sameTensor(const Tensor& a, const Tensor& b)
{
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

void removeTensor(SafeTensors& st, const std::string& name)
{
    std::erase_if(st.tensors, [&](const NamedTensor& t) { return t.name == name; });
}

NamedTensor* findTensor(SafeTensors& st, const std::string& name)
{
    for (NamedTensor& t : st.tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace

class TestWeights : public QObject {
    Q_OBJECT

private slots:
    void loadsFixtureIntoTinyCnn();
    void reportsEveryProblemAndLoadsNothing();
    void failedLoadKeepsPreviousWeights();
    void numBatchesTrackedForms();
    void saveWritesPyTorchKeys();
    void saveNeedsWeights();
    void plainListIsNotInStateDict();
    void unreadableFile();
};

void TestWeights::loadsFixtureIntoTinyCnn()
{
    auto model = tinyCnn();
    const SafeTensors file = fixture();
    const StateDictReport report = loadStateDict(*model, file);
    QVERIFY2(report.loaded, report.message().c_str());
    QCOMPARE(report.message(), std::string());
    QCOMPARE(report.notes, (std::vector<std::string>{"features.1.num_batches_tracked not in the file: set to 0",
                                                     "features.5.num_batches_tracked not in the file: set to 0"}));
    // Every file tensor landed in the module and slot stateDict names.
    for (const StateEntry& e : stateDict(*model)) {
        const Tensor& t = e.module->tensors()[static_cast<size_t>(e.specIndex)];
        if (e.spec.name == "num_batches_tracked") {
            QCOMPARE(t[0], 0.0f);
            continue;
        }
        QVERIFY2(sameTensor(t, file.find(e.key)->tensor), e.key.c_str());
    }
    QVERIFY(model->findPath("features.4")->tensor("weight"));
}

void TestWeights::reportsEveryProblemAndLoadsNothing()
{
    auto model = tinyCnn();
    SafeTensors file = fixture();
    removeTensor(file, "features.0.bias");
    removeTensor(file, "head.3.weight");
    file.tensors.push_back({"extra.weight", Tensor::zeros(Shape{2}), DType::F32});
    findTensor(file, "features.1.weight")->tensor = Tensor::zeros(Shape{16});
    findTensor(file, "head.1.weight")->tensor = Tensor::zeros(Shape{64, 785});
    const StateDictReport report = loadStateDict(*model, file);
    QVERIFY(!report.loaded);
    QCOMPARE(report.missing, (std::vector<std::string>{"features.0.bias", "head.3.weight"}));
    QCOMPARE(report.unexpected, (std::vector<std::string>{"extra.weight"}));
    QCOMPARE(report.mismatched, (std::vector<std::string>{"features.1.weight: file has [16], model expects [8]",
                                                          "head.1.weight: file has [64, 785], model expects [64, 784]"}));
    QCOMPARE(report.message(), std::string("Error(s) in loading state_dict:\n"
                                           "Missing key(s) in state_dict: \"features.0.bias\", \"head.3.weight\".\n"
                                           "Unexpected key(s) in state_dict: \"extra.weight\".\n"
                                           "Size mismatch: features.1.weight: file has [16], model expects [8], "
                                           "head.1.weight: file has [64, 785], model expects [64, 784]."));
    // Nothing was assigned, not even the tensors that matched.
    for (const NamedModule& m : namedModules(*model))
        QVERIFY2(m.module->tensors().empty(), m.path.c_str());
}

void TestWeights::failedLoadKeepsPreviousWeights()
{
    auto model = tinyCnn();
    QVERIFY(loadStateDict(*model, fixture()).loaded);
    const Tensor before = *model->findPath("features.0")->tensor("weight");
    SafeTensors file = fixture();
    findTensor(file, "features.0.weight")->tensor = Tensor::filled(Shape{8, 1, 3, 3}, 7.0f);
    findTensor(file, "head.3.bias")->tensor = Tensor::zeros(Shape{11});
    QVERIFY(!loadStateDict(*model, file).loaded);
    QVERIFY(sameTensor(*model->findPath("features.0")->tensor("weight"), before));
}

void TestWeights::numBatchesTrackedForms()
{
    auto model = tinyCnn();
    SafeTensors file = fixture();
    file.tensors.push_back({"features.1.num_batches_tracked", Tensor::filled(Shape{}, 300.0f), DType::I64});
    file.tensors.push_back({"features.5.num_batches_tracked", Tensor::filled(Shape{}, 300.0f), DType::F32});
    StateDictReport report = loadStateDict(*model, file);
    QVERIFY2(report.loaded, report.message().c_str());
    QVERIFY(report.notes.empty());
    QCOMPARE((*model->findPath("features.1")->tensor("num_batches_tracked"))[0], 300.0f);
    findTensor(file, "features.5.num_batches_tracked")->tensor = Tensor::filled(Shape{}, 2.5f);
    report = loadStateDict(*model, file);
    QVERIFY(!report.loaded);
    QCOMPARE(report.mismatched.size(), size_t(1));
    QVERIFY(report.mismatched[0].starts_with("features.5.num_batches_tracked: must hold a non-negative whole number"));
}

void TestWeights::saveWritesPyTorchKeys()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("tiny.safetensors").toStdString();
    auto model = tinyCnn();
    QVERIFY(loadStateDict(*model, fixture()).loaded);
    QVERIFY(!saveStateDict(*model, path));
    auto r = readSafeTensors(path);
    QVERIFY(std::holds_alternative<SafeTensors>(r));
    const SafeTensors& saved = std::get<SafeTensors>(r);
    const std::vector<StateEntry> entries = stateDict(*model);
    QCOMPARE(saved.tensors.size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        QCOMPARE(saved.tensors[i].name, entries[i].key);
        QCOMPARE(saved.tensors[i].dtype, entries[i].spec.isInteger ? DType::I64 : DType::F32);
    }
    QCOMPARE(saved.tensors[6].name, std::string("features.1.num_batches_tracked"));
    const SafeTensors original = fixture();
    for (const NamedTensor& t : original.tensors)
        QVERIFY(sameTensor(saved.find(t.name)->tensor, t.tensor));
    auto again = tinyCnn();
    const StateDictReport report = loadStateDict(*again, path);
    QVERIFY2(report.loaded, report.message().c_str());
    QVERIFY(report.notes.empty());
}

void TestWeights::saveNeedsWeights()
{
    QTemporaryDir dir;
    auto model = tinyCnn();
    const auto err = saveStateDict(*model, dir.filePath("x.safetensors").toStdString());
    QVERIFY(err.has_value());
    QVERIFY2(err->find("'features.0' has no weights yet") != std::string::npos, err->c_str());
    QVERIFY(!QFile::exists(dir.filePath("x.safetensors")));
}

void TestWeights::plainListIsNotInStateDict()
{
    // self.layers = [nn.Linear(2, 3)] is invisible to PyTorch's state_dict; so it is here.
    const std::string text = R"J({"format": "modulelab-project", "version": 1, "input_shape": [1, 2], "weights": null,
        "model": {"class": "Net", "children": [
            {"name": "fc", "layer": "Linear", "args": {"in_features": 2, "out_features": 3}},
            {"name": "layers", "container": "list", "children": [{"layer": "Linear", "args": {"in_features": 2, "out_features": 3}}]}],
          "forward": {"params": ["x"], "body": [{"return": "self.fc(x)"}]}}})J";
    auto r = parseProject(text, "p.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        QFAIL(e->toString().c_str());
    Module& root = *std::get<Project>(r).root;
    SafeTensors file;
    file.tensors.push_back({"fc.weight", Tensor::zeros(Shape{3, 2}), DType::F32});
    file.tensors.push_back({"fc.bias", Tensor::zeros(Shape{3}), DType::F32});
    file.tensors.push_back({"layers.0.weight", Tensor::zeros(Shape{3, 2}), DType::F32});
    StateDictReport report = loadStateDict(root, file);
    QCOMPARE(report.unexpected, (std::vector<std::string>{"layers.0.weight"}));
    file.tensors.pop_back();
    report = loadStateDict(root, file);
    QVERIFY(report.loaded);
    QVERIFY(root.findPath("layers.0")->tensors().empty());
}

void TestWeights::unreadableFile()
{
    auto model = tinyCnn();
    const StateDictReport report = loadStateDict(*model, std::string("/nonexistent/w.safetensors"));
    QVERIFY(!report.loaded);
    QCOMPARE(report.message(), std::string("/nonexistent/w.safetensors:1:1: cannot open the file: no such file"));
}

QTEST_APPLESS_MAIN(TestWeights)
#include "tst_weights.moc"
