// The optional "normalize" member of project files: per-channel mean/std applied to images after
// ToTensor, as torchvision's Normalize does.
#include "clirun.h"
#include "engine/io/project.h"
#include "engine/io/safetensors.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>

using namespace ml;

namespace {

const std::string kData = MODULELAB_TEST_DATA;

std::string fileText(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", path.c_str());
    return f.readAll().toStdString();
}

// tiny_cnn.mlab with `member` inserted before "model" (member = "" leaves it unchanged).
std::string tinyCnnWith(const std::string& member, const std::string& inputShape = "[4, 1, 28, 28]")
{
    std::string text = fileText(kData + "/projects/tiny_cnn.mlab");
    text.replace(text.find("[4, 1, 28, 28]"), 14, inputShape);
    if (!member.empty())
        text.insert(text.find("  \"model\""), "  " + member + ",\n");
    return text;
}

std::string parseError(const std::string& text)
{
    auto r = parseProject(text, "p.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        return e->toString();
    return "(parsed without error)";
}

Project parseOk(const std::string& text)
{
    auto r = parseProject(text, "p.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<Project>(std::move(r));
}

using testcli::cli;
using testcli::Result;

Tensor readTensor(const QString& path, const char* key)
{
    auto r = readSafeTensors(path.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<SafeTensors>(r).find(key)->tensor;
}

} // namespace

class TestNormalize : public QObject {
    Q_OBJECT

private slots:
    void absentByDefault();
    void readsAndRoundTrips();
    void integersAccepted();
    void rejectsBadValues_data();
    void rejectsBadValues();
    void normalizeInputLikeTorchvision();
    void normalizeInputChecksChannels();
    void cliRunAppliesItToImages();
    void cliExportKeepsIt();

private:
    QTemporaryDir m_tmp;
};

void TestNormalize::absentByDefault()
{
    const Project p = parseOk(tinyCnnWith(""));
    QVERIFY(p.mean.empty());
    QVERIFY(p.std.empty());
    // Projects without it are written exactly as before.
    QVERIFY(projectToJson(p).find("normalize") == std::string::npos);
}

void TestNormalize::readsAndRoundTrips()
{
    const Project p = parseOk(tinyCnnWith(R"("normalize": {"mean": [0.286], "std": [0.353]})"));
    QCOMPARE(p.mean, std::vector<double>{0.286});
    QCOMPARE(p.std, std::vector<double>{0.353});
    const std::string json = projectToJson(p);
    QVERIFY2(json.find("\"normalize\": {\n    \"mean\": [0.286],\n    \"std\": [0.353]\n  },\n  \"model\"") != std::string::npos,
             json.c_str());
    const Project q = parseOk(json);
    QCOMPARE(q.mean, p.mean);
    QCOMPARE(q.std, p.std);
    QCOMPARE(projectToJson(q), json);

    // Three channels, values that need every digit.
    const Project rgb = parseOk(tinyCnnWith(R"("normalize": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]})",
                                            "[1, 3, 28, 28]"));
    const Project back = parseOk(projectToJson(rgb));
    QCOMPARE(back.mean, (std::vector<double>{0.485, 0.456, 0.406}));
    QCOMPARE(back.std, (std::vector<double>{0.229, 0.224, 0.225}));
}

void TestNormalize::integersAccepted()
{
    const Project p = parseOk(tinyCnnWith(R"("normalize": {"mean": [0], "std": [1]})"));
    QCOMPARE(p.mean, std::vector<double>{0.0});
    QCOMPARE(p.std, std::vector<double>{1.0});
}

void TestNormalize::rejectsBadValues_data()
{
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("inputShape");
    QTest::addColumn<QString>("message");
    const QString s = "[4, 1, 28, 28]";
    QTest::newRow("zero std") << R"("normalize": {"mean": [0.5], "std": [0]})" << s
                              << "p.mlab:6:40: normalize.std[0] must be positive, got 0.0 (it divides the input)";
    QTest::newRow("negative std") << R"("normalize": {"mean": [0.5], "std": [-0.2]})" << s
                                  << "normalize.std[0] must be positive, got -0.2";
    QTest::newRow("lengths differ") << R"("normalize": {"mean": [0.5, 0.5], "std": [0.2]})" << s
                                    << "p.mlab:6:44: normalize has 2 mean values but 1 std values";
    QTest::newRow("channels differ") << R"("normalize": {"mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2, 0.2]})" << s
                                     << "p.mlab:6:25: normalize has 3 values per statistic but input_shape [4, 1, 28, 28] has 1 channels";
    QTest::newRow("string") << R"("normalize": {"mean": ["0.5"], "std": [0.2]})" << s
                            << "normalize.mean must be an array of numbers, got a string";
    QTest::newRow("empty") << R"("normalize": {"mean": [], "std": []})" << s << "normalize.mean must be an array of numbers, got an empty array";
    QTest::newRow("not an array") << R"("normalize": {"mean": 0.5, "std": [0.2]})" << s << "normalize.mean must be an array of numbers";
    QTest::newRow("missing std") << R"("normalize": {"mean": [0.5]})" << s << "normalize is missing the field \"std\"";
    QTest::newRow("unknown member") << R"("normalize": {"mean": [0.5], "std": [0.2], "sdt": [1]})" << s << "sdt";
    QTest::newRow("not an object") << R"("normalize": [0.5, 0.2])" << s << "normalize";
    QTest::newRow("no channel dimension") << R"("normalize": {"mean": [0.5], "std": [0.2]})" << "[784]"
                                          << "normalize needs an input_shape with a channel dimension [N, C, ...], got [784]";
}

void TestNormalize::rejectsBadValues()
{
    QFETCH(QString, member);
    QFETCH(QString, inputShape);
    QFETCH(QString, message);
    const std::string e = parseError(tinyCnnWith(member.toStdString(), inputShape.toStdString()));
    QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
}

void TestNormalize::normalizeInputLikeTorchvision()
{
    // torchvision's Normalize on two RGB pictures, by PyTorch (tests/data/numeric/gen_normalize.py).
    auto read = readSafeTensors(kData + "/numeric/normalize_reference.safetensors");
    QVERIFY(std::holds_alternative<SafeTensors>(read));
    const SafeTensors& ref = std::get<SafeTensors>(read);
    const Tensor& input = ref.find("input")->tensor;
    std::vector<double> mean, std;
    for (int c = 0; c < 3; ++c) {
        mean.push_back(ref.find("mean")->tensor[c]); // float32 values, as torch.tensor holds them
        std.push_back(ref.find("std")->tensor[c]);
    }
    Tensor x = input;
    QVERIFY(!normalizeInput(x, mean, std));
    const Tensor& expected = ref.find("normalized")->tensor;
    QCOMPARE(x.shape(), expected.shape());
    for (int64_t k = 0; k < x.numel(); ++k)
        QVERIFY2(x[k] == expected[k], qPrintable(QStringLiteral("element %1: %2, PyTorch %3").arg(k).arg(x[k]).arg(expected[k])));
    // mean 0, std 1 leaves the values as PyTorch does; no values at all is nothing to do.
    Tensor y = input;
    QVERIFY(!normalizeInput(y, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}));
    const Tensor& identity = ref.find("identity")->tensor;
    for (int64_t k = 0; k < y.numel(); ++k)
        QCOMPARE(y[k], identity[k]);
    QVERIFY(!normalizeInput(y, {}, {}));
    for (int64_t k = 0; k < y.numel(); ++k)
        QCOMPARE(y[k], identity[k]);
}

void TestNormalize::normalizeInputChecksChannels()
{
    Tensor x = Tensor::filled(Shape{1, 3, 2, 2}, 0.5f);
    const auto e = normalizeInput(x, {0.5}, {0.2});
    QVERIFY(e);
    QCOMPARE(*e, std::string("normalize has values for 1 channels but the input is [1, 3, 2, 2]"));
    QCOMPARE(x[0], 0.5f); // unchanged
    QVERIFY(normalizeInput(x, {0.5, 0.5, 0.5}, {0.2, 0.2}));
}

void TestNormalize::cliRunAppliesItToImages()
{
    QVERIFY(m_tmp.isValid());
    const QString image = QString::fromStdString(kData + "/images/sample_grey.bmp");
    const QString weights = QString::fromStdString(kData + "/numeric/tiny_cnn.weights.safetensors");
    std::string text = tinyCnnWith(R"("normalize": {"mean": [0.2860], "std": [0.3530]})", "[1, 1, 28, 28]");
    text.replace(text.find("../numeric/"), 11, kData + "/numeric/");
    const QString project = m_tmp.filePath("normalized.mlab");
    QFile f(project);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text.c_str());
    f.close();

    // The image as the plain model sees it, normalised here, run as a tensor...
    const QString plain = m_tmp.filePath("plain_input.safetensors");
    Result r = cli({"run", QString::fromStdString(kData + "/numeric/tiny_cnn.py"), "--input", "1,1,28,28", "--image", image,
                    "--weights", weights, "--output", m_tmp.filePath("unused.safetensors")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto img = readSafeTensors(kData + "/images/images_reference.safetensors");
    QVERIFY(std::holds_alternative<SafeTensors>(img));
    const NamedTensor* ref = std::get<SafeTensors>(img).find("sample_grey.bmp:1:28x28");
    QVERIFY(ref);
    Tensor x = ref->tensor;
    x.reshapeInPlace(Shape{1, 1, 28, 28});
    QVERIFY(!normalizeInput(x, {0.2860}, {0.3530}));
    SafeTensors st;
    st.tensors.push_back({"input", x, DType::F32});
    QVERIFY(!writeSafeTensors(plain.toStdString(), st));
    const QString viaTensor = m_tmp.filePath("via_tensor.safetensors");
    r = cli({"run", project, "--input-tensor", plain, "--output", viaTensor});
    QVERIFY2(r.code == 0, qPrintable(r.err));

    // ...equals the project run on the image, which normalises by itself.
    const QString viaImage = m_tmp.filePath("via_image.safetensors");
    r = cli({"run", project, "--image", image, "--output", viaImage});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Tensor a = readTensor(viaTensor, "output"), b = readTensor(viaImage, "output");
    QCOMPARE(a.shape(), b.shape());
    for (int64_t k = 0; k < a.numel(); ++k)
        QCOMPARE(a[k], b[k]);

    // Without the normalisation the output differs: it was applied.
    const QString unnormalized = m_tmp.filePath("unnormalized.safetensors");
    r = cli({"run", QString::fromStdString(kData + "/numeric/tiny_cnn.py"), "--input", "1,1,28,28", "--image", image, "--weights",
             weights, "--output", unnormalized});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Tensor c = readTensor(unnormalized, "output");
    double diff = 0;
    for (int64_t k = 0; k < c.numel(); ++k)
        diff += std::fabs(double(c[k]) - double(b[k]));
    QVERIFY(diff > 1e-4);

    // An --input override with other channels is refused with the reason.
    r = cli({"run", project, "--input", "1,3,28,28", "--image", image});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("normalize has values for 1 channels but the input is [1, 3, 28, 28]"), qPrintable(r.err));
}

void TestNormalize::cliExportKeepsIt()
{
    const QString project = m_tmp.filePath("export_src.mlab");
    QFile f(project);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(tinyCnnWith(R"("normalize": {"mean": [0.5], "std": [0.25]})").c_str());
    f.close();
    const Result r = cli({"export", project, "--to", "json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Project p = parseOk(r.out.toStdString());
    QCOMPARE(p.mean, std::vector<double>{0.5});
    QCOMPARE(p.std, std::vector<double>{0.25});
}

QTEST_APPLESS_MAIN(TestNormalize)
#include "tst_normalize.moc"
