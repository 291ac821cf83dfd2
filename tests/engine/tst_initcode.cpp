// The initial weights a model's code makes (nn.init calls, torch.randn parameters, in-place
// changes, construction order) after torch.manual_seed, against PyTorch (tests/data/initcode,
// written by gen_reference.py).
#include "engine/analysis/analysis.h"
#include "engine/initrecipe.h"
#include "engine/layer.h"
#include "engine/module.h"
#include "engine/python/importer.h"
#include "referencetensors.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <cstring>

using namespace ml;

namespace {

QString dataPath(const QString& rel) { return QStringLiteral(MODULELAB_TEST_DATA "/") + rel; }

QJsonObject reference()
{
    QFile f(dataPath(QStringLiteral("initcode/reference.json")));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read initcode/reference.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::string readText(const QString& rel)
{
    QFile f(dataPath(rel));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(rel));
    return f.readAll().toStdString();
}

std::variant<python::ImportResult, ParseError> importCode(const std::string& source, const std::string& model = {},
                                                          const std::string& args = {})
{
    python::ImportOptions o;
    o.className = model;
    o.args = args;
    return python::importPython(source, "model.py", o);
}

// The model, or nullptr with the import's error in `error`.
std::unique_ptr<Module> build(const QString& rel, const std::string& model = {}, const std::string& args = {}, std::string* error = nullptr)
{
    auto r = importCode(readText(rel), model, args);
    if (auto* e = std::get_if<ParseError>(&r)) {
        if (error)
            *error = e->toString();
        return nullptr;
    }
    return std::move(std::get<python::ImportResult>(r).root);
}

// FNV-1a 64 of the values' little-endian float32 bytes, as gen_reference.py computes it.
QString fnv64(const Tensor& t)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (int64_t i = 0; i < t.numel(); ++i) {
        const float v = t[i];
        unsigned char bytes[4];
        std::memcpy(bytes, &v, 4);
        for (unsigned char b : bytes)
            h = (h ^ b) * 0x100000001B3ull;
    }
    return QString::asprintf("%016llx", static_cast<unsigned long long>(h));
}

// Every float entry of the state_dict, in order: (key, tensor).
std::vector<std::pair<std::string, const Tensor*>> floatState(const Module& root)
{
    std::vector<std::pair<std::string, const Tensor*>> out;
    for (const StateEntry& e : stateDict(root))
        if (!e.spec.isInteger)
            out.emplace_back(e.key, &e.module->tensors()[static_cast<size_t>(e.specIndex)]);
    return out;
}

std::string errorOf(const std::string& source)
{
    auto r = importCode(source);
    if (auto* e = std::get_if<ParseError>(&r))
        return e->toString();
    return "(no error)";
}

} // namespace

class TestInitCode : public QObject {
    Q_OBJECT
private slots:
    void seededStateIsPyTorchs_data();
    void seededStateIsPyTorchs();
    void editedModelGetsTheDefault();
    void defaultCodeNeedsNoRecipe();
    void pytorchsErrors();
    void notSupportedYet();
    void normalIsPyTorchsKernel();
};

void TestInitCode::seededStateIsPyTorchs_data()
{
    QTest::addColumn<QString>("key");
    for (const QString& k : reference().keys())
        QTest::newRow(qPrintable(k)) << k;
}

void TestInitCode::seededStateIsPyTorchs()
{
    QFETCH(QString, key);
    const QJsonObject ref = reference()[key].toObject();
    std::string error;
    std::unique_ptr<Module> root = build(ref["file"].toString(), ref["model"].toString().toStdString(), ref["args"].toString().toStdString(), &error);
    QVERIFY2(root, error.c_str());
    QVERIFY(root->initRecipe()); // the code initialises in its own way
    initWeights(*root, static_cast<uint64_t>(ref["seed"].toInteger()));
    const auto state = floatState(*root);
    const QJsonArray want = ref["state_dict"].toArray();
    QCOMPARE(static_cast<qsizetype>(state.size()), want.size());
    for (qsizetype i = 0; i < want.size(); ++i) {
        const QJsonArray w = want[i].toArray();
        const auto& [name, t] = state[static_cast<size_t>(i)];
        QCOMPARE(QString::fromStdString(name), w[0].toString());
        QCOMPARE(static_cast<qsizetype>(t->shape().rank()), w[1].toArray().size());
        const QJsonArray first = w[3].toArray();
        QString firstGot;
        for (qsizetype k = 0; k < first.size(); ++k)
            firstGot += QString::number((*t)[k], 'g', 9) + QLatin1Char(' ');
        QString firstWant;
        for (const QJsonValue& v : first)
            firstWant += QString::number(v.toDouble(), 'g', 9) + QLatin1Char(' ');
        QVERIFY2(fnv64(*t) == w[2].toString(),
                 qPrintable(QStringLiteral("%1: values %2..., PyTorch %3...").arg(w[0].toString(), firstGot, firstWant)));
    }
    if (!ref.contains("forward"))
        return;
    const SafeTensors io = testref::readOk(dataPath(QStringLiteral("initcode/") + ref["forward"].toString()).toStdString());
    const ForwardResult fr = runForward(*root, testref::get(io, "input"));
    QVERIFY2(fr.output, fr.analysis.diagnostics.empty() ? "no output" : fr.analysis.diagnostics.front().message.c_str());
    QVERIFY(testref::close(*fr.output, testref::get(io, "output"), key.toStdString(), 1e-5, 1e-6));
}

// An edit that changes the tree ends the code's initialisation: the weights are the default
// initialisation in tree order, as the exported code has them, and one note says so.
void TestInitCode::editedModelGetsTheDefault()
{
    std::unique_ptr<Module> root = build(QStringLiteral("initcode/vit_like.py"));
    QVERIFY(initRecipeApplies(*root));
    QVERIFY(!initRecipeNote(*root));
    std::unique_ptr<Module> copy = root->clone(); // a copy keeps the recipe
    QVERIFY(initRecipeApplies(*copy));
    root->appendChild("extra", createExampleLayer("ReLU"));
    QVERIFY(!initRecipeApplies(*root));
    const auto note = initRecipeNote(*root);
    QVERIFY(note && note->find("no longer applies") != std::string::npos);
    initWeights(*root, 0);
    std::unique_ptr<Module> plain = root->clone();
    plain->setInitRecipe(nullptr);
    initWeights(*plain, 0);
    const auto a = floatState(*root);
    const auto b = floatState(*plain);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
        QCOMPARE(fnv64(*a[i].second), fnv64(*b[i].second));
    // the unedited copy still gets the code's weights (PyTorch's cls_token is torch.randn, not zeros)
    initWeights(*copy, 0);
    const QJsonArray want = reference()[QStringLiteral("vit_like/seed0")].toObject()["state_dict"].toArray();
    const auto c = floatState(*copy);
    for (qsizetype i = 0; i < want.size(); ++i)
        QCOMPARE(fnv64(*c[static_cast<size_t>(i)].second), want[i].toArray()[2].toString());
}

// Code whose initialisation is PyTorch's default in tree order carries no recipe (and so no
// note after an edit).
void TestInitCode::defaultCodeNeedsNoRecipe()
{
    std::unique_ptr<Module> root = build(QStringLiteral("corpus/cifar_resnet.py"), "ResNet18");
    QVERIFY(!root->initRecipe());
    root = build(QStringLiteral("seed/net.py"));
    QVERIFY(!root->initRecipe());
}

// Errors PyTorch 1.13 raises for the same calls (texts checked with /usr/bin/python3).
void TestInitCode::pytorchsErrors()
{
    const std::string head = "import torch\nimport torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                             "        self.fc = nn.Linear(4, 2, bias=False)\n";
    auto err = [&](const std::string& line) { return errorOf(head + "        " + line + "\n"); };
    QCOMPARE(err("nn.init.kaiming_normal_(self.fc.weight, mode='fan_avg')"),
             std::string("model.py:7:9: cannot build Net: ValueError: Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"));
    QCOMPARE(err("nn.init.constant_(self.fc.bias, 0)"),
             std::string("model.py:7:9: cannot build Net: AttributeError: 'NoneType' object has no attribute 'fill_'"));
    QCOMPARE(err("nn.init.xavier_uniform_(nn.Parameter(torch.zeros(3)))"),
             std::string("model.py:7:9: cannot build Net: ValueError: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"));
    QCOMPARE(err("nn.init.calculate_gain('swish')"),
             std::string("model.py:7:9: cannot build Net: ValueError: Unsupported nonlinearity swish"));
    QCOMPARE(err("nn.init.eye_(nn.Parameter(torch.zeros(2, 2, 2)))"),
             std::string("model.py:7:9: cannot build Net: ValueError: Only tensors with 2 dimensions are supported"));
    QCOMPARE(err("nn.init.kaiming_uniform_(self.fc.weight, b=1)"),
             std::string("model.py:7:9: cannot build Net: TypeError: kaiming_uniform_() got an unexpected keyword argument 'b'"));
    QCOMPARE(err("nn.init.normal_()"),
             std::string("model.py:7:9: cannot build Net: TypeError: normal_() missing 1 required positional argument: 'tensor'"));
    QCOMPARE(err("nn.init.not_a_function(self.fc.weight)"),
             std::string("model.py:7:9: cannot build Net: AttributeError: module 'torch.nn.init' has no attribute 'not_a_function'"));
}

void TestInitCode::notSupportedYet()
{
    const std::string head = "import torch\nimport torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                             "        self.fc = nn.Linear(4, 2)\n";
    const std::string e = errorOf(head + "        nn.init.sparse_(self.fc.weight, 0.5)\n");
    QVERIFY2(e.rfind("model.py:7:9: cannot build Net: not supported by ModuleLab yet: nn.init.sparse_()", 0) == 0, e.c_str());
    // p.data.to(torch.float32) is p (PyTorch returns the tensor when nothing changes); assigning
    // it back to p.data after an in-place init changes nothing and needs no note
    auto same = importCode(head + "        self.cls = nn.Parameter(torch.randn(1, 1, 4))\n"
                                  "        self.cls.data = nn.init.trunc_normal_(self.cls.data.to(torch.float32), std=0.02).to(self.cls.dtype)\n"
                                  "        self.cls.data = self.cls.data.cpu().float().to('cpu', dtype=self.cls.dtype)\n");
    QVERIFY(std::holds_alternative<python::ImportResult>(same));
    for (const Diagnostic& d : std::get<python::ImportResult>(same).diagnostics)
        QVERIFY2(d.loc.line < 7, d.message.c_str());
    // .to() another dtype is ModuleLab's limit, said where it is written
    const std::string half = errorOf(head + "        self.h = nn.Parameter(torch.randn(1, 4).to(torch.float16))\n");
    QVERIFY2(half.rfind("model.py:7:", 0) == 0 && half.find("not supported by ModuleLab yet") != std::string::npos, half.c_str());
    // orthogonal_ draws as PyTorch does (the later weights stay PyTorch's) and says what it leaves out
    auto r = importCode(head + "        nn.init.orthogonal_(self.fc.weight)\n        self.out = nn.Linear(2, 2)\n");
    QVERIFY(std::holds_alternative<python::ImportResult>(r));
    const python::ImportResult& res = std::get<python::ImportResult>(r);
    QVERIFY(std::any_of(res.diagnostics.begin(), res.diagnostics.end(), [](const Diagnostic& d) {
        return d.loc.line == 7 && d.message.find("not supported by ModuleLab yet: nn.init.orthogonal_()") != std::string::npos;
    }));
}

// normal_ draws as PyTorch 1.13's CPU kernel: Box-Muller on blocks of 16 (the last 16 redrawn
// when the size is no multiple of 16), at::normal_distribution<double> below 16 values, whose
// second value is kept for the next call. The values are PyTorch's
// (torch.manual_seed(0); torch.empty(n).normal_(mean, std)).
void TestInitCode::normalIsPyTorchsKernel()
{
    TorchGenerator g(0);
    float small[3];
    g.normal(small, 3, 0.0, 1.0);
    QCOMPARE(small[0], 1.5409960746765137f);
    QCOMPARE(small[2], -2.1787893772125244f);
    float next[3];
    g.normal(next, 3, 0.0, 1.0); // continues with the kept second value
    QCOMPARE(next[0], 0.5684312582015991f);
    TorchGenerator h(0);
    std::vector<float> v(40);
    h.normal(v.data(), 40, 0.0, 1.0);
    QCOMPARE(v[0], -1.1258398294448853f);
    QCOMPARE(v[1], -1.152360200881958f);
    QCOMPARE(v[38], -1.580993890762329f);
    QCOMPARE(v[39], 1.7066433429718018f);
}

QTEST_GUILESS_MAIN(TestInitCode)
#include "tst_initcode.moc"
