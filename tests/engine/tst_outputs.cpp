// Models with several outputs and the analysis past a first error, against PyTorch
// (tests/data/outputs, written by gen_outputs.py).
//
// A forward that returns a tuple, a namedtuple holding a tuple or a dict of tensors is analysed
// and run as PyTorch runs it: every output's shape and values, named as run --output saves them.
// A model with a size error is analysed past it as if it were fixed: the error stays where PyTorch
// raises it, the later shapes are the fixed model's, marked, and a later independent error is
// reported as one that comes after the first is fixed.
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/modelfile.h"
#include "engine/python/importer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <variant>

using namespace ml;

namespace {

QString dataPath(const QString& name) { return QStringLiteral(MODULELAB_TEST_DATA "/outputs/") + name; }

LoadedModel load(const QString& name)
{
    auto r = loadModelFile(dataPath(name + ".py").toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<LoadedModel>(r));
}

QJsonObject readJson(const QString& name)
{
    QFile f(dataPath(name + ".json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    return QJsonDocument::fromJson(f.readAll()).object();
}

SafeTensors readTensors(const QString& path)
{
    auto r = readSafeTensors(path.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<SafeTensors>(r));
}

QString shapeOf(const QJsonValue& v)
{
    if (v.isNull())
        return QStringLiteral("--");
    QStringList dims;
    for (const QJsonValue& d : v.toArray())
        dims << QString::number(d.toInteger());
    return QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString str(const Shape& s) { return QString::fromStdString(s.toString()); }

double maxDiff(const Tensor& a, const Tensor& b)
{
    double d = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
    return d;
}

std::vector<const Diagnostic*> errorsOf(const Analysis& a)
{
    std::vector<const Diagnostic*> out;
    for (const Diagnostic& d : a.diagnostics)
        if (d.severity == Severity::Error)
            out.push_back(&d);
    return out;
}

} // namespace

class TestOutputs : public QObject {
    Q_OBJECT
private slots:
    void severalOutputsAsPyTorch_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("tuple") << QStringLiteral("two_heads");
        QTest::newRow("namedtuple holding a tuple") << QStringLiteral("named_heads");
        QTest::newRow("dict") << QStringLiteral("vae_dict");
    }
    void severalOutputsAsPyTorch()
    {
        QFETCH(QString, name);
        LoadedModel m = load(name);
        const QJsonArray expected = readJson(name)["outputs"].toArray();
        QVERIFY(expected.size() >= 2);

        // Shapes: the analysis names every output and shows them all at the root.
        const Analysis a = analyze(*m.root, *m.inputShape);
        QVERIFY2(!a.hasErrors(), a.diagnostics.empty() ? "" : a.diagnostics.front().message.c_str());
        QVERIFY(!a.outputShape); // not one tensor
        QCOMPARE(a.outputs.size(), static_cast<size_t>(expected.size()));
        QStringList shapes;
        for (qsizetype k = 0; k < expected.size(); ++k) {
            const QJsonArray e = expected[k].toArray();
            QCOMPARE(QString::fromStdString(a.outputs[static_cast<size_t>(k)].name), e[0].toString());
            QCOMPARE(str(a.outputs[static_cast<size_t>(k)].shape), shapeOf(e[1]));
            shapes << shapeOf(e[1]);
        }
        QCOMPARE(QString::fromStdString(a.outputText()), shapes.join(QStringLiteral(", ")));
        const NodeInfo* root = a.info(m.root.get());
        QVERIFY(root);
        QCOMPARE(root->outputShapes.size(), static_cast<size_t>(expected.size()));
        const std::string table = summaryTable(*m.root, *m.inputShape, a);
        QVERIFY(table.find("Output shapes: " + shapes.join(QStringLiteral(", ")).toStdString()) != std::string::npos);
        const JsonValue j = summaryJson(*m.root, *m.inputShape, a);
        QCOMPARE(j.find("output_shape")->items().size(), static_cast<size_t>(expected.size()));
        QCOMPARE(QString::fromStdString(j.find("outputs")->items()[1].find("name")->stringValue()), expected[1].toArray()[0].toString());

        // Values: PyTorch's weights and input give PyTorch's outputs, every one.
        const SafeTensors ref = readTensors(dataPath(name + ".safetensors"));
        SafeTensors weights;
        for (const NamedTensor& t : ref.tensors)
            if (t.name != "input" && t.name.rfind("output", 0) != 0)
                weights.tensors.push_back(t);
        const StateDictReport rep = loadStateDict(*m.root, weights);
        QVERIFY2(rep.loaded, rep.message().c_str());
        const ForwardResult fr = runForward(*m.root, ref.find("input")->tensor);
        QVERIFY(!fr.output);
        QCOMPARE(fr.outputs.size(), static_cast<size_t>(expected.size()));
        for (const OutputTensor& out : fr.outputs) {
            const NamedTensor* want = ref.find(out.name);
            QVERIFY2(want, out.name.c_str());
            QCOMPARE(str(out.tensor.shape()), str(want->tensor.shape()));
            QVERIFY2(maxDiff(out.tensor, want->tensor) < 1e-5, out.name.c_str());
        }
    }

    // modulelab-cli run --output writes each output under its name; the text lists each.
    void cliWritesEveryOutput()
    {
        QTemporaryDir dir;
        const SafeTensors ref = readTensors(dataPath(QStringLiteral("named_heads.safetensors")));
        SafeTensors weights, input;
        for (const NamedTensor& t : ref.tensors)
            if (t.name.rfind("output", 0) != 0)
                (t.name == "input" ? input : weights).tensors.push_back(t);
        const QString w = dir.filePath(QStringLiteral("w.safetensors")), x = dir.filePath(QStringLiteral("x.safetensors"));
        const QString out = dir.filePath(QStringLiteral("y.safetensors"));
        QVERIFY(!writeSafeTensors(w.toStdString(), weights));
        QVERIFY(!writeSafeTensors(x.toStdString(), input));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_CLI), {QStringLiteral("run"), dataPath(QStringLiteral("named_heads.py")), QStringLiteral("--input-tensor"),
                                               x, QStringLiteral("--weights"), w, QStringLiteral("--output"), out});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(text.contains(QStringLiteral("output.logits [1, 4]")) && text.contains(QStringLiteral("output.aux.1 [1, 2]")), qPrintable(text));
        const SafeTensors got = readTensors(out);
        QStringList names;
        for (const NamedTensor& t : got.tensors)
            names << QString::fromStdString(t.name);
        QCOMPARE(names, (QStringList{QStringLiteral("output.logits"), QStringLiteral("output.aux.0"), QStringLiteral("output.aux.1")}));
        for (const NamedTensor& t : got.tensors)
            QVERIFY(maxDiff(t.tensor, ref.find(t.name)->tensor) < 1e-5);
    }

    // return logits, None: PyTorch's hooks see None among the outputs, and so does ModuleLab; the
    // tensors are named by their place (output.0), the None has no tensor.
    void noneAmongTheOutputsIsNone()
    {
        LoadedModel m = load(QStringLiteral("with_none"));
        const QJsonObject ref = readJson(QStringLiteral("with_none"));
        const Analysis a = analyze(*m.root, *m.inputShape);
        QVERIFY(!a.hasErrors());
        QCOMPARE(a.outputs.size(), size_t(1));
        QCOMPARE(QString::fromStdString(a.outputs[0].name), ref["outputs"].toArray()[0].toArray()[0].toString());
        QCOMPARE(QString::fromStdString(a.outputText()), QStringLiteral("[1, 2], None"));
        const NodeInfo* root = a.info(m.root.get());
        QVERIFY(root && root->outputShapes.size() == 2 && root->outputShapes[0] && !root->outputShapes[1]);
        const JsonValue j = summaryJson(*m.root, *m.inputShape, a);
        QCOMPARE(QString::fromStdString(writeJson(*j.find("output_shape"), {0})),
                 QString::fromUtf8(QJsonDocument(ref["output_shape"].toArray()).toJson(QJsonDocument::Compact)));
        QVERIFY(summaryTable(*m.root, *m.inputShape, a).find("[1, 2], None") != std::string::npos);

        const SafeTensors want = readTensors(dataPath(QStringLiteral("with_none.safetensors")));
        SafeTensors weights;
        for (const NamedTensor& t : want.tensors)
            if (t.name != "input" && t.name.rfind("output", 0) != 0)
                weights.tensors.push_back(t);
        QVERIFY(loadStateDict(*m.root, weights).loaded);
        const ForwardResult fr = runForward(*m.root, want.find("input")->tensor);
        QCOMPARE(fr.outputs.size(), size_t(1));
        QVERIFY(maxDiff(fr.outputs[0].tensor, want.find("output.0")->tensor) < 1e-6);

        // a tuple of None only gives no tensor to show
        auto r = python::importPython("import torch.nn as nn\nclass N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                            "        self.fc = nn.Linear(4, 2)\n    def forward(self, x):\n        return None, None\n",
                                      "model.py", {});
        QVERIFY(std::holds_alternative<python::ImportResult>(r));
        const Analysis none = analyze(*std::get<python::ImportResult>(r).root, Shape{1, 4});
        const auto errors = errorsOf(none);
        QVERIFY(errors.size() == 1 && errors[0]->message.find("a model output that holds no tensor") != std::string::npos);
    }

    void continuesPastTheFirstError()
    {
        LoadedModel m = load(QStringLiteral("after_error"));
        const QJsonObject ref = readJson(QStringLiteral("after_error"));
        const Analysis a = analyze(*m.root, *m.inputShape);

        // Where PyTorch stops, with PyTorch's text; the second error only once the first is fixed.
        const auto errors = errorsOf(a);
        QCOMPARE(errors.size(), size_t(2));
        QCOMPARE(QString::fromStdString(errors[0]->path), QStringLiteral("conv2"));
        const QString first = ref["errors"][0].toString().section(QStringLiteral(": "), 1);
        const QString second = ref["errors"][1].toString().section(QStringLiteral(": "), 1);
        QVERIFY2(QString::fromStdString(errors[0]->message).contains(QStringLiteral("(PyTorch: ") + first + QLatin1Char(')')),
                 errors[0]->message.c_str());
        QVERIFY(!QString::fromStdString(errors[0]->message).startsWith(QStringLiteral("after")));
        QCOMPARE(QString::fromStdString(errors[1]->path), QStringLiteral("head.0"));
        QVERIFY(QString::fromStdString(errors[1]->message).startsWith(QStringLiteral("after the error above is fixed: ")));
        QVERIFY2(QString::fromStdString(errors[1]->message).contains(second), errors[1]->message.c_str());
        QCOMPARE(a.stopsAt, std::optional<std::string>("conv2"));
        QVERIFY(!a.outputShape); // PyTorch gives no output
        QVERIFY(a.outputs.empty());

        // Every node's shapes and mult-adds are those of the model with both errors fixed; what
        // comes after conv2's error is marked.
        const std::vector<SummaryRow> rows = summaryRows(*m.root, a);
        const QJsonArray nodes = ref["fixed_nodes"].toArray();
        QCOMPARE(rows.size(), static_cast<size_t>(nodes.size()));
        const QStringList assumed = {QString(), QStringLiteral("conv2"), QStringLiteral("bn"), QStringLiteral("pool"), QStringLiteral("head"),
                                     QStringLiteral("head.0"), QStringLiteral("head.1"), QStringLiteral("head.2")};
        for (qsizetype k = 0; k < nodes.size(); ++k) {
            const QJsonObject n = nodes[k].toObject();
            const SummaryRow& r = rows[static_cast<size_t>(k)];
            const QString path = n["path"].toString();
            QCOMPARE(QString::fromStdString(r.path), path);
            QCOMPARE(r.inputShape ? str(*r.inputShape) : QStringLiteral("--"), shapeOf(n["input_shape"]));
            QCOMPARE(r.outputShape ? str(*r.outputShape) : QStringLiteral("--"), shapeOf(n["output_shape"]));
            QCOMPARE(r.multAdds, n["mult_adds"].toInteger());
            QCOMPARE(r.afterError, assumed.contains(path));
        }
        // The total counts what PyTorch runs: conv1 only.
        QCOMPARE(a.totalMultAdds, nodes[1].toObject()["mult_adds"].toInteger());

        // The diagram's steps: every call, those after the error marked.
        const ForwardSteps steps = a.stepsOf(*m.root);
        QCOMPARE(steps.calls.size(), size_t(5));
        QVERIFY(!steps.calls[0].afterError && !steps.calls[1].afterError); // conv1, then conv2 where it stops
        QVERIFY(steps.calls[2].afterError && steps.calls[4].afterError);
        QVERIFY(a.stepsOf(*m.root->findChild("head")).reached);

        const std::string table = summaryTable(*m.root, *m.inputShape, a);
        QVERIFY(table.find("* shapes after the first error assume it is fixed; PyTorch stops at conv2") != std::string::npos);
        const JsonValue j = summaryJson(*m.root, *m.inputShape, a);
        QCOMPARE(j.find("stops_at")->stringValue(), std::string("conv2"));
        QVERIFY(j.find("output_shape")->isNull());
    }

    // A run on tensors never goes past an error: it stops where PyTorch stops.
    void runStopsAtTheFirstError()
    {
        LoadedModel m = load(QStringLiteral("after_error"));
        initWeights(*m.root, 0);
        const ForwardResult fr = runForward(*m.root, Tensor::zeros(*m.inputShape));
        QVERIFY(fr.outputs.empty());
        QVERIFY(!fr.analysis.stopsAt);
        QCOMPARE(errorsOf(fr.analysis).size(), size_t(1));
        QVERIFY(!fr.analysis.info(m.root->findChild("bn")));
    }

};

QTEST_GUILESS_MAIN(TestOutputs)
#include "tst_outputs.moc"
