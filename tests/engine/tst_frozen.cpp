// Freezing (requires_grad = False): the trainable parameter count and the optimizer's parameters
// are PyTorch's (tests/data/train/frozen.json, make_frozen_reference.py), the summary's
// "Trainable params" follow, and a project file keeps the frozen flags ("requires_grad": false).
// Code that freezes single parameters (p.requires_grad = False over model.parameters(),
// model.fc.bias.requires_grad_(False), nn.Parameter(..., requires_grad=False)) freezes the same
// parameters as PyTorch (frozen/*.py, frozen_code.json, make_frozen_code_reference.py), and a
// project file and the exported Python keep them.
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/io/project.h"
#include "engine/modelfile.h"
#include "engine/python/exporter.h"
#include "engine/train/optimizer.h"
#include "engine/train/weightchange.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QTest>

#include <algorithm>
#include <tuple>

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kExamples = kData + "/../../resources/examples/";

std::unique_ptr<ml::Module> load(const std::string& file)
{
    auto r = ml::loadModelFile(kExamples + file);
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<ml::LoadedModel>(r).root);
}

QJsonArray cases(const std::string& file = "frozen.json")
{
    QFile f(QString::fromStdString(kData + "/train/" + file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("no %s", file.c_str());
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("cases")).toArray();
}

// named_parameters() names whose requires_grad is False.
std::vector<std::string> frozenNames(const ml::Module& root)
{
    std::vector<std::string> out;
    for (const ml::NamedModule& nm : ml::namedModules(root))
        for (const ml::TensorSpec& s : nm.module->tensorSpecs())
            if (!s.isBuffer && !nm.module->requiresGrad(s.name))
                out.push_back(ml::joinName(nm.path, s.name));
    return out;
}

std::unique_ptr<ml::Module> loadText(const std::string& text, const std::string& name)
{
    auto r = ml::loadModelText(text, name);
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s\n%s", e->toString().c_str(), text.c_str());
    return std::move(std::get<ml::LoadedModel>(r).root);
}

} // namespace

class TestFrozen : public QObject {
    Q_OBJECT
private slots:
    void countsAreTorchs_data()
    {
        QTest::addColumn<QJsonObject>("c");
        int i = 0;
        for (const QJsonValue& v : cases())
            QTest::newRow(std::to_string(i++).c_str()) << v.toObject();
    }

    void countsAreTorchs()
    {
        QFETCH(QJsonObject, c);
        auto root = load(c.value(QStringLiteral("file")).toString().toStdString());
        for (const QJsonValue& p : c.value(QStringLiteral("frozen")).toArray()) {
            ml::Module* m = p.toString().isEmpty() ? root.get() : root->findPath(p.toString().toStdString());
            QVERIFY(m);
            m->setFrozen(true);
        }
        const ml::ParamCounts pc = ml::countParameters(*root);
        QCOMPARE(pc.total, static_cast<int64_t>(c.value(QStringLiteral("total")).toDouble()));
        QCOMPARE(pc.trainable, static_cast<int64_t>(c.value(QStringLiteral("trainable")).toDouble()));
        ml::initWeights(*root, 0); // the optimizer takes the model's tensors, as training has them
        const std::vector<ml::Tensor*> params = ml::modelParameters(*root, ml::frozenPaths(*root));
        QCOMPARE(static_cast<int>(params.size()), c.value(QStringLiteral("optimizer_tensors")).toInt());
        // The summary says the same.
        const ml::Shape input{1, 1, 28, 28};
        const ml::Analysis an = ml::analyze(*root, input);
        const std::string text = ml::summaryTable(*root, input, an);
        QVERIFY2(text.find("Trainable params: " + ml::withThousands(pc.trainable) + "\n") != std::string::npos, text.c_str());
        QVERIFY(text.find("Non-trainable params: " + ml::withThousands(pc.total - pc.trainable) + "\n") != std::string::npos);
    }

    void codeFreezesParameters_data()
    {
        QTest::addColumn<QJsonObject>("c");
        for (const QJsonValue& v : cases("frozen_code.json"))
            QTest::newRow(v.toObject().value(QStringLiteral("file")).toString().toUtf8().constData()) << v.toObject();
    }

    void codeFreezesParameters()
    {
        QFETCH(QJsonObject, c);
        auto r = ml::loadModelFile(kData + "/train/frozen/" + c.value(QStringLiteral("file")).toString().toStdString());
        if (auto* e = std::get_if<ml::ParseError>(&r))
            QFAIL(e->toString().c_str());
        ml::LoadedModel& loaded = std::get<ml::LoadedModel>(r);
        const ml::Module& root = *loaded.root;
        std::vector<std::string> expected;
        for (const QJsonValue& v : c.value(QStringLiteral("frozen")).toArray())
            expected.push_back(v.toString().toStdString());
        QCOMPARE(frozenNames(root), expected);
        for (const ml::Diagnostic& d : loaded.diagnostics)
            QVERIFY2(d.message.find("requires_grad") == std::string::npos, d.message.c_str()); // no "has no effect" note
        const ml::ParamCounts pc = ml::countParameters(root);
        QCOMPARE(pc.total, static_cast<int64_t>(c.value(QStringLiteral("total")).toDouble()));
        QCOMPARE(pc.trainable, static_cast<int64_t>(c.value(QStringLiteral("trainable")).toDouble()));
        auto copy = root.clone();
        ml::initWeights(*copy, 0);
        QCOMPARE(static_cast<int>(ml::modelParameters(*copy, ml::frozenPaths(*copy)).size()), c.value(QStringLiteral("optimizer_tensors")).toInt());

        // A project keeps them (where it can store the model), and so does the exported Python
        // (p.requires_grad_(False) lines).
        if (!ml::projectLimit(root)) {
            ml::Project project;
            project.root = root.clone();
            project.inputShape = ml::Shape{1, 1, 28, 28};
            auto back = ml::parseProject(ml::projectToJson(project), "frozen.mlab");
            if (auto* e = std::get_if<ml::ParseError>(&back))
                QFAIL(e->toString().c_str());
            QCOMPARE(frozenNames(*std::get<ml::Project>(back).root), expected);
        }
        const std::string code = ml::python::exportPython(root);
        auto reread = loadText(code, "exported.py");
        QCOMPARE(frozenNames(*reread), expected);
        QCOMPARE(ml::countParameters(*reread).trainable, pc.trainable);
    }

    void badRequiresGradIsTold()
    {
        // PyTorch's own errors where PyTorch fails
        const std::string head = "import torch\nimport torch.nn as nn\nmodel = nn.Linear(2, 2)\n";
        const std::string cls = "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n"
                                "        super().__init__()\n        self.p = ";
        const std::tuple<std::string, std::string, int> bad[] = {
            {head + "model.bias.requires_grad = 0\n", "RuntimeError: requires_grad must be a bool", 4},
            {head + "model.bias.requires_grad_(1)\n", "TypeError: requires_grad_(): argument 'requires_grad' (position 1) must be bool, not int", 4},
            {head + "model.bias.requires_grad_(False, True)\n", "TypeError: requires_grad_() takes from 0 to 1 positional arguments but 2 were given", 4},
            {cls + "nn.Parameter(torch.zeros(2), None)\nmodel = M()\n",
             "TypeError: _make_subclass(): argument 'require_grad' (position 3) must be bool, not NoneType", 6},
            {cls + "nn.Parameter(torch.zeros(2), x=1)\nmodel = M()\n", "TypeError: Parameter.__new__() got an unexpected keyword argument 'x'", 6},
        };
        for (const auto& [text, message, line] : bad) {
            auto r = ml::loadModelText(text, "bad.py");
            QVERIFY2(std::holds_alternative<ml::ParseError>(r), text.c_str());
            const ml::ParseError& e = std::get<ml::ParseError>(r);
            QVERIFY2(e.message.find(message) != std::string::npos, e.toString().c_str());
            QCOMPARE(e.loc.line, line);
        }
        // reading it back: False after freezing, True again after thawing
        auto m = loadText(head + "model.bias.requires_grad = False\nassert not model.bias.requires_grad and model.weight.requires_grad\n"
                                 "model.bias.requires_grad_()\nassert model.bias.requires_grad\n",
                          "ok.py");
        QCOMPARE(ml::countParameters(*m).trainable, int64_t(6));
    }

    void projectKeepsFrozenFlags()
    {
        ml::Project project;
        project.root = load("fashion_cnn.py");
        project.inputShape = ml::Shape{1, 1, 28, 28};
        project.root->findPath("features")->setFrozen(true);
        project.root->findPath("head.1")->setFrozen(true);
        const std::string json = ml::projectToJson(project);
        size_t count = 0;
        for (size_t at = json.find("\"requires_grad\": false"); at != std::string::npos; at = json.find("\"requires_grad\": false", at + 1))
            ++count;
        QCOMPARE(count, size_t(2));
        auto back = ml::parseProject(json, "frozen.mlab");
        QVERIFY(std::holds_alternative<ml::Project>(back));
        const ml::Module& root = *std::get<ml::Project>(back).root;
        std::vector<std::string> frozen = ml::frozenPaths(root);
        QCOMPARE(frozen, (std::vector<std::string>{"features", "head.1"}));
        QCOMPARE(ml::projectToJson(std::get<ml::Project>(back)), json);
        QCOMPARE(ml::countParameters(root).trainable, ml::countParameters(*project.root).trainable);
        // A wrong value is told where it is.
        std::string bad = json;
        bad.replace(bad.find("\"requires_grad\": false"), 22, "\"requires_grad\": 0");
        auto err = ml::parseProject(bad, "bad.mlab");
        QVERIFY(std::holds_alternative<ml::ParseError>(err));
        QVERIFY2(std::get<ml::ParseError>(err).toString().find("requires_grad must be true or false") != std::string::npos,
                 std::get<ml::ParseError>(err).toString().c_str());
    }
};

QTEST_MAIN(TestFrozen)
#include "tst_frozen.moc"
