// modulelab-cli end to end: exit codes, table and JSON summaries, repr, export round trips, run
// against PyTorch's output, images, memory refusal and bench.
#include "clirun.h"
#include "engine/io/safetensors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <tuple>

using namespace ml;

namespace {

QString data(const QString& rel) { return QStringLiteral(MODULELAB_TEST_DATA "/") + rel; }

using testcli::cli;
using testcli::Result;

QJsonObject fixture(const QString& rel)
{
    QFile f(data(rel));
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

QJsonObject parseJson(const QString& text)
{
    QJsonParseError e;
    const QJsonDocument d = QJsonDocument::fromJson(text.toUtf8(), &e);
    if (e.error != QJsonParseError::NoError)
        qFatal("invalid JSON: %s\n%s", qPrintable(e.errorString()), qPrintable(text.left(400)));
    return d.object();
}

double maxAbsDiff(const Tensor& a, const Tensor& b)
{
    double worst = 0;
    for (int64_t k = 0; k < a.numel(); ++k)
        worst = std::max(worst, std::fabs(double(a[k]) - double(b[k])));
    return worst;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void exitCodes_data();
    void exitCodes();
    void unreadableFilesAreLocated();
    void jsonSummaryMatchesPyTorch_data();
    void jsonSummaryMatchesPyTorch();
    void diagnosticsCarryLines();
    void modelChoiceNamesTheOption();
    void reprIsByteExact_data();
    void reprIsByteExact();
    void exportRoundTrips_data();
    void exportRoundTrips();
    void runMatchesPyTorch();
    void runImagesEqualsTensorInput();
    void topkPredictions();
    void runRefusesWhatCannotFit();
    void benchReportsTimes();
    void usageErrors();
    void optionsAreCheckedBeforeAnythingIsWritten();
    void labelsFilesAreBounded();
    void negativeSeedIsTorchsTwosComplement();
    void emptyProjectIsToldSo();
    void softmaxWithoutDimWarnsAsPyTorch();
    void exportWritesThroughASymlink();
    void missingFilesAreLocated();
    void exportKeepsWeightsAndNormalisation();
    void unreadableNormalisationCommentIsLocated();
    void exportedProjectDiagnosticsCarryLines();
    void predictionsUseTheEnginesRule();
    void outputTargetsAreCheckedBeforeRunning();
    void weightsKeyWithoutWeightsIsAnError();
    void convertWeightsNeedsAKnownFormat();
    void gradAndTrainCheckTheirOptionsFirst();
    void moreLabelsThanClassesAreNamedUnused();

private:
    QTemporaryDir m_tmp;
};

void TestCli::exitCodes_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("code");
    QTest::newRow("net (bn2)") << "seed/net.py" << 1;
    QTest::newRow("net_fixed") << "seed/net_fixed.py" << 0;
    QTest::newRow("net_sequential (decode)") << "seed/net_sequential.py" << 1;
    QTest::newRow("viewbug: a warning only") << "seed/net_sequential_viewbug.py" << 0;
    QTest::newRow("net_modulelist") << "seed/net_modulelist.py" << 1;
    QTest::newRow("net_modulelist_fixed.mlab") << "projects/net_modulelist_fixed.mlab" << 0;
    QTest::newRow("missing file") << "no/such/file.py" << 2;
}

void TestCli::exitCodes()
{
    QFETCH(QString, model);
    QFETCH(int, code);
    const Result r = cli({"summary", data(model)});
    QCOMPARE(r.code, code);
    if (code != 2) {
        QVERIFY(r.out.contains("Total params:"));
        QVERIFY(r.out.contains("Layer (type:depth-idx)"));
    }
}

void TestCli::unreadableFilesAreLocated()
{
    const QString bad = m_tmp.filePath("bad.py");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("import torch.nn as nn\n\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__(\n");
    f.close();
    Result r = cli({"summary", bad});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith(bad + ":"), qPrintable(r.err));
    QVERIFY2(QRegularExpression("^.*:\\d+:\\d+: ").match(r.err).hasMatch(), qPrintable(r.err));

    const QString badJson = m_tmp.filePath("bad.mlab");
    QFile j(badJson);
    QVERIFY(j.open(QIODevice::WriteOnly));
    j.write("{\n  \"format\": \"modulelab-project\",\n  \"version\": 1,\n  \"model\": [\n");
    j.close();
    r = cli({"summary", badJson});
    QCOMPARE(r.code, 2);
    QVERIFY2(QRegularExpression("bad\\.mlab:\\d+:\\d+: ").match(r.err).hasMatch(), qPrintable(r.err));
}

void TestCli::jsonSummaryMatchesPyTorch_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("fixture");
    for (const char* n : {"net", "net_fixed", "net_sequential", "net_sequential_viewbug", "net_modulelist_fixed"})
        QTest::newRow(n) << QStringLiteral("seed/%1.py").arg(n) << QStringLiteral("seed/%1.json").arg(n);
    QTest::newRow("tiny_cnn") << "numeric/tiny_cnn.py" << "numeric/tiny_cnn.json";
}

void TestCli::jsonSummaryMatchesPyTorch()
{
    QFETCH(QString, model);
    QFETCH(QString, fixture);
    const QJsonObject fx = ::fixture(fixture);
    const Result r = cli({"summary", data(model), "--format", "json"});
    QVERIFY(r.code == 0 || r.code == 1);
    const QJsonObject s = parseJson(r.out);
    for (const char* key : {"model", "input_shape", "output_shape", "total_params", "trainable_params", "non_trainable_params",
                            "buffer_elements", "total_mult_adds", "params_bytes", "nodes", "diagnostics"})
        QVERIFY2(s.contains(key), key);
    QCOMPARE(s["total_params"].toInteger(), fx["total_params"].toInteger());
    QCOMPARE(s["trainable_params"].toInteger(), fx["trainable_params"].toInteger());
    QCOMPARE(s["non_trainable_params"].toInteger(), 0);
    QCOMPARE(s["buffer_elements"].toInteger(), fx["buffer_elements"].toInteger());
    QCOMPARE(s["total_mult_adds"].toInteger(), fx["total_mult_adds"].toInteger());
    QCOMPARE(s["params_bytes"].toInteger(), 4 * fx["total_params"].toInteger());
    QCOMPARE(s["output_shape"].toArray(), fx["output_shape"].isNull() ? QJsonArray() : fx["output_shape"].toArray());
    QCOMPARE(s["output_shape"].isNull(), fx["output_shape"].isNull());
    const QJsonObject nodes = fx["nodes"].toObject();
    const QJsonArray ours = s["nodes"].toArray();
    QCOMPARE(ours.size(), nodes.size());
    for (const QJsonValue& v : ours) {
        const QJsonObject n = v.toObject();
        const QJsonObject want = nodes[n["path"].toString()].toObject();
        QCOMPARE(n["type"].toString(), want["type"].toString());
        QCOMPARE(n["params"].toInteger(), want["params"].toInteger());
        if (want.contains("output_shape")) {
            QCOMPARE(n["input_shape"].toArray(), want["input_shape"].toArray());
            QCOMPARE(n["output_shape"].toArray(), want["output_shape"].toArray());
            QCOMPARE(n["mult_adds"].toInteger(), want["mult_adds"].toInteger());
            QVERIFY(n["calls"].toInteger() >= 1);
        } else {
            // PyTorch never finished it: no shape, or one the analysis past the first error assumes.
            QVERIFY(n["output_shape"].isNull() || n["after_error"].toBool());
        }
    }
    const bool errors = !fx["error"].isNull();
    bool sawError = false;
    for (const QJsonValue& d : s["diagnostics"].toArray())
        sawError = sawError || d.toObject()["severity"].toString() == "error";
    QCOMPARE(sawError, errors);
    QCOMPARE(r.code, errors ? 1 : 0);
}

void TestCli::diagnosticsCarryLines()
{
    const Result r = cli({"summary", data("seed/net_modulelist.py"), "--format", "json"});
    const QJsonArray ds = parseJson(r.out)["diagnostics"].toArray();
    QCOMPARE(ds.size(), 1);
    const QJsonObject d = ds[0].toObject();
    QCOMPARE(d["path"].toString(), QString("module_list.7"));
    QCOMPARE(d["severity"].toString(), QString("error"));
    QCOMPARE(d["line"].toInt(), 23);
    QCOMPARE(d["column"].toInt(), 17);
    QVERIFY(d["message"].toString().contains("50176"));
}

// The engine says which model it built of several (the application shows that note too); the
// command line adds its own option for choosing another.
void TestCli::modelChoiceNamesTheOption()
{
    QTemporaryDir dir;
    const QString header = QStringLiteral("import torch.nn as nn\n\nclass A(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
                                          "        self.fc = nn.Linear(n, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n\n");
    const QString several = dir.filePath(QStringLiteral("several.py"));
    const QString none = dir.filePath(QStringLiteral("none.py"));
    for (const auto& [path, text] : {std::pair{several, header + QStringLiteral("a = A(3)\nb = A(4)\n")}, std::pair{none, header}}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text.toUtf8());
    }
    const Result r = cli({"summary", several, "--input", "1,4"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("the file creates several models: a (A, line 11), b (A, line 12); showing the last, b. "
                                           "Choose another with --model NAME\n")),
             qPrintable(r.out));
    const Result n = cli({"repr", none});
    QCOMPARE(n.code, 2);
    QVERIFY2(n.err.contains(QStringLiteral("says which to build (the file defines A(n)); choose one with --model NAME and --args\n")),
             qPrintable(n.err));
}

void TestCli::reprIsByteExact_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("fixture");
    for (const char* n : {"net", "net_fixed", "net_sequential", "net_sequential_fixed", "net_modulelist", "net_modulelist_fixed"}) {
        QTest::newRow(n) << QStringLiteral("seed/%1.py").arg(n) << QStringLiteral("seed/%1.json").arg(n);
        QTest::newRow(qPrintable(QStringLiteral("%1.mlab").arg(n))) << QStringLiteral("projects/%1.mlab").arg(n) << QStringLiteral("seed/%1.json").arg(n);
    }
    QTest::newRow("tiny_cnn") << "numeric/tiny_cnn.py" << "numeric/tiny_cnn.json";
}

void TestCli::reprIsByteExact()
{
    QFETCH(QString, model);
    QFETCH(QString, fixture);
    const Result r = cli({"repr", data(model)});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, ::fixture(fixture)["repr"].toString() + "\n");
}

void TestCli::exportRoundTrips_data()
{
    QTest::addColumn<QString>("model");
    for (const char* n : {"seed/net.py", "seed/net_sequential_viewbug.py", "seed/net_modulelist_fixed.py", "numeric/tiny_cnn.py",
                          "projects/net_sequential_fixed.mlab"})
        QTest::newRow(n) << QString(n);
}

void TestCli::exportRoundTrips()
{
    QFETCH(QString, model);
    const Result summary = cli({"summary", data(model), "--format", "json"});
    const QString json = m_tmp.filePath("roundtrip.mlab");
    const QString py = m_tmp.filePath("roundtrip.py");
    QCOMPARE(cli({"export", data(model), "--to", "json", "-o", json}).code, 0);
    QCOMPARE(cli({"export", json, "--to", "py", "-o", py}).code, 0);
    for (const QString& file : {json, py}) {
        const Result again = cli({"summary", file, "--format", "json"});
        QCOMPARE(again.code, summary.code);
        QJsonObject a = parseJson(summary.out), b = parseJson(again.out);
        // Source lines differ between formats; everything else is the same model.
        for (QJsonObject* o : {&a, &b}) {
            QJsonArray ds;
            for (const QJsonValue& d : (*o)["diagnostics"].toArray()) {
                QJsonObject x = d.toObject();
                x.remove("line");
                x.remove("column");
                ds.append(x);
            }
            (*o)["diagnostics"] = ds;
        }
        QCOMPARE(b, a);
        QCOMPARE(cli({"repr", file}).out, cli({"repr", data(model)}).out);
    }
    // Exporting the export again changes nothing.
    const QString py2 = m_tmp.filePath("roundtrip2.py");
    QCOMPARE(cli({"export", py, "--to", "py", "-o", py2}).code, 0);
    QFile f1(py), f2(py2);
    QVERIFY(f1.open(QIODevice::ReadOnly) && f2.open(QIODevice::ReadOnly));
    QCOMPARE(f2.readAll(), f1.readAll());
}

void TestCli::runMatchesPyTorch()
{
    const QString out = m_tmp.filePath("out.safetensors");
    const Result r = cli({"run", data("numeric/tiny_cnn.py"), "--input-tensor", data("numeric/tiny_cnn.io.safetensors") + ":input",
                          "--weights", data("numeric/tiny_cnn.weights.safetensors"), "--output", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto ours = readSafeTensors(out.toStdString());
    auto ref = readSafeTensors(data("numeric/tiny_cnn.io.safetensors").toStdString());
    QVERIFY(std::holds_alternative<SafeTensors>(ours) && std::holds_alternative<SafeTensors>(ref));
    const NamedTensor* o = std::get<SafeTensors>(ours).find("output");
    const NamedTensor* e = std::get<SafeTensors>(ref).find("output");
    QVERIFY(o && e);
    QCOMPARE(o->tensor.shape().toString(), e->tensor.shape().toString());
    QVERIFY(maxAbsDiff(o->tensor, e->tensor) < 1e-5);
    // The project names its weights file itself.
    const Result p = cli({"run", data("projects/tiny_cnn.mlab"), "--input-tensor", data("numeric/tiny_cnn.io.safetensors"),
                          "--format", "json"});
    QVERIFY2(p.code == 0, qPrintable(p.err));
    const QJsonArray values = parseJson(p.out)["output"].toArray();
    QCOMPARE(values.size(), 40);
    for (int k = 0; k < 40; ++k)
        QVERIFY(std::fabs(values[k].toDouble() - e->tensor[k]) < 1e-5);
}

void TestCli::runImagesEqualsTensorInput()
{
    const QString a = m_tmp.filePath("a.safetensors"), b = m_tmp.filePath("b.safetensors");
    const QString weights = data("numeric/tiny_cnn.weights.safetensors");
    Result r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_rgb.png"), "--weights", weights, "--output", a});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = cli({"run", data("numeric/tiny_cnn.py"), "--input-tensor", data("images/images_reference.safetensors") + ":sample_rgb.png:1:28x28",
             "--weights", weights, "--output", b});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto ta = readSafeTensors(a.toStdString()), tb = readSafeTensors(b.toStdString());
    const Tensor& x = std::get<SafeTensors>(ta).find("output")->tensor;
    const Tensor& y = std::get<SafeTensors>(tb).find("output")->tensor;
    QCOMPARE(x.shape().toString(), std::string("[1, 10]"));
    QCOMPARE(maxAbsDiff(x, y), 0.0);
}

void TestCli::topkPredictions()
{
    const Result r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_rgb.png"), data("images/sample_grey.bmp"),
                          "--weights", data("numeric/tiny_cnn.weights.safetensors"), "--topk", "3", "--labels", "fashion-mnist",
                          "--format", "json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray preds = parseJson(r.out)["predictions"].toArray();
    QCOMPARE(preds.size(), 2);
    const QJsonObject first = preds[0].toObject();
    QVERIFY(first["image"].toString().endsWith("sample_rgb.png"));
    const QJsonArray top = first["top"].toArray();
    QCOMPARE(top.size(), 3);
    double last = 2;
    for (const QJsonValue& t : top) {
        const QJsonObject o = t.toObject();
        QVERIFY(o["index"].toInt() >= 0 && o["index"].toInt() < 10);
        QVERIFY(!o["label"].toString().isEmpty());
        QVERIFY(o["probability"].toDouble() <= last);
        last = o["probability"].toDouble();
    }
}

void TestCli::runRefusesWhatCannotFit()
{
    const QString model = m_tmp.filePath("huge.py");
    QFile f(model);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("import torch.nn as nn\n\n\nclass Huge(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.flat = nn.Flatten()\n        self.fc = nn.Linear(784, 10000000)\n"
            "        self.fc2 = nn.Linear(10000000, 10000000)\n\n    def forward(self, x):\n"
            "        return self.fc2(self.fc(self.flat(x)))\n\n\nmodel = Huge()\n# input: 1,1,28,28\n");
    f.close();
    // Metadata is fine: 10^14 parameters are counted without allocating anything.
    const Result s = cli({"summary", model, "--format", "json"});
    QCOMPARE(s.code, 0);
    const qint64 expected = qint64(784) * 10000000 + 10000000 + qint64(10000000) * 10000000 + 10000000;
    QCOMPARE(parseJson(s.out)["total_params"].toInteger(), expected);
    QCOMPARE(parseJson(s.out)["params_bytes"].toInteger(), 4 * expected);
    // Running it would need 400 TB: refused before anything is allocated, naming the size.
    const Result r = cli({"run", model, "--image", data("images/sample_grey.bmp")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("refusing to run"), qPrintable(r.err));
    QVERIFY2(r.err.contains("400031.44 GB"), qPrintable(r.err));

    // What functional ops make counts too: self-attention's scores over 400,000 positions are
    // 640 GB, though every module output is small.
    const QString attention = m_tmp.filePath("attention.py");
    QFile a(attention);
    QVERIFY(a.open(QIODevice::WriteOnly));
    a.write("import torch.nn as nn\n\n\nclass Attention(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.q = nn.Linear(4, 4)\n\n    def forward(self, x):\n        q = self.q(x)\n"
            "        return (q @ q.transpose(2, 3)).softmax(-1) @ x\n\n\nmodel = Attention()\n# input: 1,1,400000,4\n");
    a.close();
    SafeTensors x;
    x.tensors.push_back({"input", Tensor::zeros(Shape{1, 1, 400000, 4}), DType::F32});
    const QString xFile = m_tmp.filePath("attention_x.safetensors");
    QVERIFY(!writeSafeTensors(xFile.toStdString(), x));
    const Result ra = cli({"run", attention, "--input-tensor", xFile});
    QCOMPARE(ra.code, 1);
    QVERIFY2(ra.err.contains("refusing to run") && ra.err.contains("activations up to 1280.0"), qPrintable(ra.err));
}

void TestCli::benchReportsTimes()
{
    const Result r = cli({"bench", data("numeric/tiny_cnn.py"), "--input", "2,1,28,28", "--threads", "1", "--iters", "3", "--format", "json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject j = parseJson(r.out);
    QVERIFY(j["median_ms"].toDouble() > 0);
    QVERIFY(j["min_ms"].toDouble() > 0 && j["min_ms"].toDouble() <= j["median_ms"].toDouble());
    QCOMPARE(j["iters"].toInt(), 3);
    QCOMPARE(j["threads"].toInt(), 1);
}

void TestCli::usageErrors()
{
    QCOMPARE(cli({}).code, 2);
    QCOMPARE(cli({"frobnicate", data("seed/net.py")}).code, 2);
    QCOMPARE(cli({"summary", data("seed/net.py"), "--input", "1,-1,28"}).code, 2);
    QCOMPARE(cli({"summary", data("seed/net.py"), "--format", "yaml"}).code, 2);
    QCOMPARE(cli({"run", data("seed/net_fixed.py")}).code, 2);
    QCOMPARE(cli({"bench", data("seed/net_fixed.py"), "--iters", "0"}).code, 2);
    QCOMPARE(cli({"--help"}).code, 0);
}

// A wrong option stops the command before a file is written; an option the command would not
// use is an error, not silently ignored.
void TestCli::optionsAreCheckedBeforeAnythingIsWritten()
{
    const QString out = m_tmp.filePath("o.safetensors");
    Result r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--output", out, "--format", "xml"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--format must be text or json"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    // --topk on a 4-D output: found from the shapes, before running or writing.
    const QString conv = m_tmp.filePath("conv.py");
    QFile f(conv);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Conv2d(1, 2, 3))\n# input: 1,1,8,8\n");
    f.close();
    r = cli({"run", conv, "--image", data("images/sample_grey.bmp"), "--output", out, "--topk", "3"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("need a [N, classes] output with at most 100,000 classes, the model gives [1, 2, 6, 6]"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));

    r = cli({"bench", data("numeric/tiny_cnn.py"), "--input", "1,1,28,28", "--iters", "1", "--format", "xml"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.out.isEmpty());
    struct Ignored {
        QStringList args;
        const char* says;
    };
    const std::vector<Ignored> ignored = {
        {{"summary", data("seed/net.py"), "--weights", "nonexist.safetensors"}, "--weights does not apply to summary"},
        {{"summary", data("seed/net.py"), "--image", "foo.png"}, "--image does not apply to summary"},
        {{"repr", data("seed/net.py"), "--format", "json"}, "--format does not apply to repr"},
        {{"summary", data("projects/net.mlab"), "--class", "Foo"}, "--class chooses the root class of a .py file"},
        {{"summary", data("seed/net_fixed.py"), "--args", "3"}, "--args are the arguments of the model, class or function --model"},
        {{"run", data("numeric/tiny_cnn.py"), "--input", "1,1,28,28", "--input-tensor", data("numeric/tiny_cnn.io.safetensors")},
         "--input does not apply with --input-tensor"},
    };
    for (const Ignored& c : ignored) {
        r = cli(c.args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String(c.says)), qPrintable(r.err));
    }

    // An option given twice is refused rather than the last one silently winning; more top
    // classes than the model has is refused rather than silently shortened (PyTorch's topk
    // raises); both before anything is written.
    const QStringList tiny = {"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--output", out};
    r = cli(tiny + QStringList{"--format", "json", "--format", "text"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("modulelab-cli: --format is given twice (json, text): give it once\n"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    r = cli({"train", data("numeric/tiny_cnn.py"), "--data-tensors", out, "--lr", "0.1", "--lr", "0.2", "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("modulelab-cli: --lr is given twice (0.1, 0.2): give it once\n"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    r = cli(tiny + QStringList{"--topk", "11"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("modulelab-cli: --topk 11: the model gives 10 classes ([1, 10]); choose at most 10\n"),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    r = cli(tiny + QStringList{"--topk", "10"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.count(QLatin1Char('%')), 10);
}

void TestCli::labelsFilesAreBounded()
{
    const QStringList run = {"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--weights",
                             data("numeric/tiny_cnn.weights.safetensors"), "--topk", "2", "--labels"};
    Result r = cli(run + QStringList{"/dev/zero"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("longer than 1,000 characters"), qPrintable(r.err));
    r = cli(run + QStringList{m_tmp.path()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("is a directory"), qPrintable(r.err));
    const QString three = m_tmp.filePath("three.txt");
    QFile f(three);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("zero\none\ntwo\n");
    f.close();
    r = cli(run + QStringList{three});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("has 3 labels for 10 classes"), qPrintable(r.err));
}

// tests/data/cli/make_seed_reference.py: PyTorch's outputs after torch.manual_seed(-1),
// manual_seed(2**64 - 1) and manual_seed(-2**63).
void TestCli::negativeSeedIsTorchsTwosComplement()
{
    auto ref = readSafeTensors(data("cli/small_seeds.safetensors").toStdString());
    QVERIFY(std::holds_alternative<SafeTensors>(ref));
    const SafeTensors& st = std::get<SafeTensors>(ref);
    for (const char* seed : {"-1", "18446744073709551615", "-9223372036854775808"}) {
        const QString out = m_tmp.filePath(QStringLiteral("seed%1.safetensors").arg(QLatin1String(seed)));
        const Result r = cli({"run", data("cli/small.py"), "--input-tensor", data("cli/small_seeds.safetensors:input"), "--seed",
                              seed, "--output", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        auto got = readSafeTensors(out.toStdString());
        QVERIFY(std::holds_alternative<SafeTensors>(got));
        const NamedTensor* want = st.find(std::string("output_seed_") + seed);
        QVERIFY(want);
        // Bit-identical weights; the forward sums in another order (float rounding only).
        QVERIFY(maxAbsDiff(std::get<SafeTensors>(got).tensors[0].tensor, want->tensor) < 1e-6);
    }
    QCOMPARE(cli({"run", data("cli/small.py"), "--input-tensor", data("cli/small_seeds.safetensors:input"), "--seed",
                  "18446744073709551616"}).code, 2);
}


// An empty .mlab is an empty project, not Python code without a class.
void TestCli::emptyProjectIsToldSo()
{
    const QString empty = m_tmp.filePath("empty.mlab");
    QFile f(empty);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    Result r = cli({"summary", empty});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith(empty + ":1:1: the file is empty"), qPrintable(r.err));
    QVERIFY2(!r.err.contains("class"), qPrintable(r.err));
    const QString text = m_tmp.filePath("text.mlab");
    QFile t(text);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write("\n  model = nn.Linear(2, 2)\n");
    t.close();
    r = cli({"summary", text});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith(text + ":2:3: a ModuleLab project is a JSON object"), qPrintable(r.err));
}

// nn.Softmax() / nn.LogSoftmax() without dim: a warning quoting PyTorch's own (made by
// tests/data/cli/make_softmax_warning.py), at the layer's node and line.
void TestCli::softmaxWithoutDimWarnsAsPyTorch()
{
    const QJsonObject expected = fixture("cli/softmax_implicit_dim.json");
    const QString model = m_tmp.filePath("softmax.py");
    QFile f(model);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(4, 10)\n        self.soft = nn.Softmax()\n        self.logsoft = nn.LogSoftmax()\n"
            "        self.fine = nn.Softmax(dim=1)\n\n    def forward(self, x):\n"
            "        return self.fine(self.logsoft(self.soft(self.fc(x))))\n\n# input: 1,4\n");
    f.close();
    const Result r = cli({"summary", model, "--format", "json"});
    QCOMPARE(r.code, 0);
    QMap<QString, QJsonObject> byPath;
    for (const QJsonValue& v : parseJson(r.out)["diagnostics"].toArray())
        byPath.insert(v["path"].toString(), v.toObject());
    QVERIFY(!byPath.contains("fine"));
    for (const auto& [path, layer, line] : {std::tuple{"soft", "Softmax", 8}, std::tuple{"logsoft", "LogSoftmax", 9}}) {
        QVERIFY2(byPath.contains(path), qPrintable(r.out));
        const QJsonObject d = byPath[path];
        QCOMPARE(d["severity"].toString(), QString("warning"));
        QCOMPARE(d["line"].toInt(), line);
        const QJsonArray warnings = expected[layer].toArray();
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(d["message"].toString().contains(warnings[0].toString()), qPrintable(d["message"].toString()));
    }
}

// export -o LINK replaces the link's target, as editors save through links; the link stays.
void TestCli::exportWritesThroughASymlink()
{
    QDir(m_tmp.path()).mkpath("real");
    const QString target = m_tmp.filePath("real/model.mlab");
    const QString link = m_tmp.filePath("link.mlab");
    QFile t(target);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write("old");
    t.close();
    QVERIFY(QFile::link("real/model.mlab", link)); // relative, as ln -s makes them
    const Result r = cli({"export", data("seed/net_modulelist.py"), "--to", "json", "-o", link});
    QCOMPARE(r.code, 0);
    QVERIFY(QFileInfo(link).isSymLink());
    QFile written(target);
    QVERIFY(written.open(QIODevice::ReadOnly));
    QVERIFY(parseJson(QString::fromUtf8(written.readAll())).contains("model"));
    QCOMPARE(QDir(m_tmp.filePath("real")).entryList(QDir::Files), QStringList{"model.mlab"}); // no temporary left
}

void writeText(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

// A file that cannot be read is named with a position, as every other failure to understand it.
void TestCli::missingFilesAreLocated()
{
    const QString missing = m_tmp.filePath("nonexist.py");
    Result r = cli({"summary", missing});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err, missing + ":1:1: cannot open the file: no such file\n");
    r = cli({"repr", m_tmp.path()});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err, m_tmp.path() + ":1:1: cannot open the file: not a regular file\n");
    // A weights file is named once.
    r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--weights",
             m_tmp.filePath("nonexist.safetensors")});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err.count(QStringLiteral("nonexist.safetensors")), 1);
    // Every file a command reads is located and says why, as the model file is.
    const QString weights = m_tmp.filePath("nonexist.safetensors");
    const QString why = QStringLiteral(":1:1: cannot open the file: no such file\n");
    r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--weights", weights});
    QCOMPARE(r.err, weights + why);
    r = cli({"run", data("numeric/tiny_cnn.py"), "--input-tensor", weights + ":input"});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err, weights + why);
    r = cli({"run", data("numeric/tiny_cnn.py"), "--input-tensor", m_tmp.path()});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err, m_tmp.path() + ":1:1: cannot open the file: not a regular file\n");
    const QString image = m_tmp.filePath("nonexist.png");
    r = cli({"run", data("numeric/tiny_cnn.py"), "--image", image});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err, image + why);
    const QString labels = m_tmp.filePath("nonexist.txt");
    r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--labels", labels});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("modulelab-cli: --labels " + labels + why), qPrintable(r.err));
}

// .mlab -> --to py -> --to json keeps "weights" and "normalize": as comments of the code that
// the reader reads back, the weights path relative to each written file.
void TestCli::exportKeepsWeightsAndNormalisation()
{
    QDir(m_tmp.path()).mkpath("a/w");
    QDir(m_tmp.path()).mkpath("b");
    QFile::copy(data("numeric/tiny_cnn.weights.safetensors"), m_tmp.filePath("a/w/tiny.safetensors"));
    const QString code = QString::fromUtf8([&] {
        QFile f(data("numeric/tiny_cnn.py"));
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }());
    Result r = cli({"export", data("numeric/tiny_cnn.py"), "--to", "json"});
    QCOMPARE(r.code, 0);
    QJsonObject project = parseJson(r.out);
    project["weights"] = "w/tiny.safetensors";
    project["normalize"] = QJsonObject{{"mean", QJsonArray{0.2860}}, {"std", QJsonArray{0.3530}}};
    const QString mlab = m_tmp.filePath("a/net.mlab");
    writeText(mlab, QJsonDocument(project).toJson());

    const QString py = m_tmp.filePath("b/net.py");
    r = cli({"export", mlab, "--to", "py", "-o", py});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile f(py);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    QVERIFY2(text.contains("\n# weights: ../a/w/tiny.safetensors\n"), qPrintable(text));
    QVERIFY2(text.contains("\n# normalize: mean=[0.286], std=[0.353]\n"), qPrintable(text));

    const QString back = m_tmp.filePath("net2.mlab");
    r = cli({"export", py, "--to", "json", "-o", back});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QFile b(back);
    QVERIFY(b.open(QIODevice::ReadOnly));
    const QJsonObject again = parseJson(QString::fromUtf8(b.readAll()));
    QCOMPARE(again["weights"].toString(), QString("a/w/tiny.safetensors"));
    QCOMPARE(again["normalize"].toObject(), project["normalize"].toObject());
    QCOMPARE(again["model"].toObject(), project["model"].toObject());

    // The code's weights are the ones run uses: the same output as naming them with --weights.
    const QStringList image = {"--image", data("images/sample_grey.bmp"), "--format", "json"};
    const Result viaComment = cli(QStringList{"run", py} + image);
    QVERIFY2(viaComment.code == 0, qPrintable(viaComment.err));
    const Result viaProject = cli(QStringList{"run", back} + image);
    QCOMPARE(viaProject.out, viaComment.out);
    const Result unweighted = cli(QStringList{"run", data("numeric/tiny_cnn.py")} + image);
    QVERIFY(unweighted.out != viaComment.out);
}

void TestCli::unreadableNormalisationCommentIsLocated()
{
    const QString py = m_tmp.filePath("badnorm.py");
    writeText(py, "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))\n# input: 1,1,2,2\n"
                  "# normalize: mean=[0.5], std=[0]\n# weights:\n");
    const Result r = cli({"summary", py, "--format", "json"});
    QCOMPARE(r.code, 0);
    QStringList found;
    for (const QJsonValue& v : parseJson(r.out)["diagnostics"].toArray())
        found << QStringLiteral("%1:%2 %3: %4").arg(v["line"].toInt()).arg(v["column"].toInt()).arg(v["severity"].toString(),
                                                                                                    v["message"].toString());
    QVERIFY2(found.contains("5:1 warning: normalize std[0] must be positive, got 0 (it divides the input); the images are not "
                            "normalised"),
             qPrintable(found.join('\n')));
    QVERIFY2(found.contains("6:1 warning: the weights comment names no file; write it as '# weights: net.safetensors'"),
             qPrintable(found.join('\n')));
}

// The plain-list warning of a project points at the list's node in the JSON.
void TestCli::exportedProjectDiagnosticsCarryLines()
{
    const QString mlab = m_tmp.filePath("plain.mlab");
    Result r = cli({"export", data("../../resources/examples/net_plainlist.py"), "--to", "json", "-o", mlab});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = cli({"summary", mlab, "--format", "json"});
    QFile f(mlab);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    bool plainList = false;
    for (const QJsonValue& v : parseJson(r.out)["diagnostics"].toArray()) {
        QVERIFY2(v["line"].isDouble() && v["column"].isDouble(), qPrintable(r.out));
        if (!v["message"].toString().contains("plain Python list"))
            continue;
        plainList = true;
        // The node's opening brace, followed by its name.
        const int line = v["line"].toInt();
        QVERIFY(line >= 1 && line < lines.size());
        QCOMPARE(lines[line - 1].mid(v["column"].toInt() - 1, 1), QString("{"));
        QVERIFY2(lines[line].contains("\"name\": \"" + v["path"].toString().section('.', -1) + "\""), qPrintable(lines[line]));
    }
    QVERIFY(plainList);
}

// A model ending in nn.Softmax gives a distribution: shown as it is, not softmaxed again.
void TestCli::predictionsUseTheEnginesRule()
{
    const QString py = m_tmp.filePath("soft.py");
    writeText(py, "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Softmax(dim=1))\n"
                  "# input: 1,1,2,2\n");
    const QString out = m_tmp.filePath("soft.safetensors");
    Result r = cli({"run", py, "--image", data("images/sample_grey.bmp"), "--output", out, "--topk", "3", "--format", "json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto st = readSafeTensors(out.toStdString());
    QVERIFY(std::holds_alternative<SafeTensors>(st));
    const Tensor& output = std::get<SafeTensors>(st).tensors[0].tensor;
    const QJsonArray predictions = parseJson(r.out)["predictions"].toArray();
    QCOMPARE(predictions.size(), 1);
    const QJsonArray top = predictions[0].toObject()["top"].toArray();
    QCOMPARE(top.size(), 3);
    for (const QJsonValue& e : top)
        QCOMPARE(e["probability"].toDouble(), double(output[e["index"].toInt()]));
}

// A file that cannot be written where it is named (a directory, a directory that does not exist)
// is refused before the model is loaded or run: nothing printed, nothing written.
void TestCli::outputTargetsAreCheckedBeforeRunning()
{
    const QString missingDir = m_tmp.filePath("nonexist/o.safetensors");
    const QStringList run = {"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--output"};
    Result r = cli(run + QStringList{missingDir});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--output " + missingDir + ": the directory " + m_tmp.filePath("nonexist") + " does not exist"),
             qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    r = cli(run + QStringList{m_tmp.path()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--output " + m_tmp.path() + ": is a directory"), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    r = cli({"export", data("seed/net_fixed.py"), "--to", "json", "-o", m_tmp.filePath("nonexist/net.mlab")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("-o " + m_tmp.filePath("nonexist/net.mlab") + ": the directory"), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(m_tmp.filePath("nonexist")));
}

// --weights-key picks a state_dict inside a weights file: without one it is not silently ignored.
void TestCli::weightsKeyWithoutWeightsIsAnError()
{
    const Result r = cli({"run", data("numeric/tiny_cnn.py"), "--image", data("images/sample_grey.bmp"), "--weights-key",
                          "model_state_dict"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--weights-key chooses the state_dict inside a weights file, and there is none"), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

// convert-weights chooses the output format by the extension; one that names no format is refused
// before anything is read or written, not written as safetensors under another name.
void TestCli::convertWeightsNeedsAKnownFormat()
{
    const QString out = m_tmp.filePath("weights.xyz");
    Result r = cli({"convert-weights", data("numeric/tiny_cnn.weights.safetensors"), out});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(out + ": name the output .safetensors, or .pt, .pth, .bin or .ckpt"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    r = cli({"convert-weights", data("numeric/tiny_cnn.weights.safetensors"), m_tmp.filePath("nonexist/w.pth")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("the directory " + m_tmp.filePath("nonexist") + " does not exist"), qPrintable(r.err));
    const QString good = m_tmp.filePath("weights.pth");
    const QString twice = m_tmp.filePath("twice.safetensors");
    r = cli({"convert-weights", data("numeric/tiny_cnn.weights.safetensors"), twice, "--weights-key", "a", "--weights-key", "b"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("modulelab-cli: --weights-key is given twice (a, b): give it once\n"), qPrintable(r.err));
    QVERIFY(!QFile::exists(twice));
    r = cli({"convert-weights", data("numeric/tiny_cnn.weights.safetensors"), good});
    QCOMPARE(r.code, 0);
    QVERIFY(QFile::exists(good));
}

// grad and train: an option of the other command, --args without --model, and a file to write in a
// directory that does not exist are refused before anything is loaded, trained or written.
void TestCli::gradAndTrainCheckTheirOptionsFirst()
{
    const QString model = data("numeric/tiny_cnn.py");
    struct Case {
        QStringList args;
        QString says;
    };
    const QString missing = m_tmp.filePath("nonexist/out.safetensors");
    const std::vector<Case> cases = {
        {{"grad", model, "--epochs", "3"}, "--epochs does not apply to grad"},
        {{"train", model, "--data", "fashion-mnist", "--steps", "1", "--mode", "eval"}, "--mode does not apply to train"},
        {{"train", model, "--data", "fashion-mnist", "--steps", "1", "--args", "3"}, "--args are the arguments of the model"},
        {{"train", model, "--data", "fashion-mnist", "--steps", "1", "--out", missing},
         "--out " + missing + ": the directory " + m_tmp.filePath("nonexist") + " does not exist"},
        {{"grad", model, "--input-tensor", data("numeric/tiny_cnn.io.safetensors"), "--target", "t.safetensors", "--loss", "mse",
          "--output", m_tmp.path()},
         "--output " + m_tmp.path() + ": is a directory"},
    };
    for (const Case& c : cases) {
        const Result r = cli(c.args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(c.says), qPrintable(r.err));
        QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    }
}

// More labels than classes: the warning says which are not used (no class is "without a label").
void TestCli::moreLabelsThanClassesAreNamedUnused()
{
    const QString five = m_tmp.filePath("five.py");
    writeText(five, "import torch.nn as nn\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(784, 5))\n# input: 1,1,28,28\n");
    const Result r = cli({"run", five, "--image", data("images/sample_grey.bmp"), "--labels", "fashion-mnist"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("fashion-mnist has 10 labels for 5 classes; the labels after the first 5 are not used"), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
