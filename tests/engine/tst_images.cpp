// Image input converted exactly as PIL + torchvision's ToTensor convert it (references made with
// PIL by tests/data/images/gen_images.py).
#include "engine/imageinput.h"
#include "engine/io/safetensors.h"

#include <QTest>

#include <cmath>

using namespace ml;

class TestImages : public QObject {
    Q_OBJECT

private slots:
    void matchesPil_data();
    void matchesPil();
    void batchesStack();
    void badFilesAreRefused();
};

static std::string data(const char* rel) { return std::string(MODULELAB_TEST_DATA "/images/") + rel; }

void TestImages::matchesPil_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    for (const char* f : {"sample_rgb.png", "sample_rgba.png", "sample_grey.bmp", "sample_wide.png"})
        for (int c : {1, 3})
            for (auto [h, w] : {std::pair{28, 28}, std::pair{23, 37}, std::pair{20, 16}})
                QTest::newRow(qPrintable(QStringLiteral("%1 C=%2 %3x%4").arg(f).arg(c).arg(h).arg(w))) << QString(f) << c << h << w;
}

void TestImages::matchesPil()
{
    QFETCH(QString, file);
    QFETCH(int, channels);
    QFETCH(int, height);
    QFETCH(int, width);
    auto ref = readSafeTensors(data("images_reference.safetensors"));
    QVERIFY(std::holds_alternative<SafeTensors>(ref));
    const std::string key = file.toStdString() + ":" + std::to_string(channels) + ":" + std::to_string(height) + "x" + std::to_string(width);
    const NamedTensor* expected = std::get<SafeTensors>(ref).find(key);
    QVERIFY2(expected, key.c_str());
    auto r = imagesToTensor({data(file.toUtf8().constData())}, channels, height, width);
    QVERIFY(std::holds_alternative<Tensor>(r));
    const Tensor& t = std::get<Tensor>(r);
    QCOMPARE(t.shape().toString(), expected->tensor.shape().toString());
    int off = 0;
    for (int64_t k = 0; k < t.numel(); ++k)
        off += std::lround(t[k] * 255.f) != std::lround(expected->tensor[k] * 255.f);
    QCOMPARE(off, 0);
}

void TestImages::batchesStack()
{
    auto r = imagesToTensor({data("sample_rgb.png"), data("sample_grey.bmp"), data("sample_rgb.png")}, 1, 28, 28);
    QVERIFY(std::holds_alternative<Tensor>(r));
    const Tensor& t = std::get<Tensor>(r);
    QCOMPARE(t.shape().toString(), std::string("[3, 1, 28, 28]"));
    for (int64_t k = 0; k < 28 * 28; ++k)
        QCOMPARE(t[k], t[2 * 28 * 28 + k]);
    for (int64_t k = 0; k < t.numel(); ++k)
        QVERIFY(t[k] >= 0.f && t[k] <= 1.f);
}

void TestImages::badFilesAreRefused()
{
    auto missing = imagesToTensor({data("no_such_image.png")}, 1, 28, 28);
    QVERIFY(std::holds_alternative<std::string>(missing));
    // Not an image at all: the generator script.
    auto text = imagesToTensor({data("gen_images.py")}, 1, 28, 28);
    QVERIFY(std::holds_alternative<std::string>(text));
    QVERIFY(QString::fromStdString(std::get<std::string>(text)).contains("gen_images.py"));
    auto channels = imagesToTensor({data("sample_rgb.png")}, 2, 28, 28);
    QVERIFY(std::holds_alternative<std::string>(channels));
    auto size = imagesToTensor({data("sample_rgb.png")}, 1, 0, 28);
    QVERIFY(std::holds_alternative<std::string>(size));
}

QTEST_GUILESS_MAIN(TestImages)
#include "tst_images.moc"
