// Image input converted exactly as PIL + torchvision's ToTensor convert it (references made with
// PIL by tests/data/images/gen_images.py).
#include "engine/imagedecoder.h"
#include "engine/imageinput.h"
#include "engine/analysis/analysis.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/layer.h"
#include "engine/modelfile.h"

#include <QFile>
#include <QTest>

#include <cmath>

using namespace ml;

class TestImages : public QObject {
    Q_OBJECT

private slots:
    void matchesPil_data();
    void matchesPil();
    void decodesAsPil_data();
    void decodesAsPil();
    void batchesStack();
    void badFilesAreRefused();
    void truncatedPicturesAreRefused();
    void jpegGivesPyTorchsLogits();
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

// Every encoding in images/decoding/ (made by make_decoding.py) against PIL's
// Image.open(f).convert("L") and convert("RGB"), value for value.
void TestImages::decodesAsPil_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("channels");
    for (const char* f : {"jpeg_420.jpg", "jpeg_422.jpg", "jpeg_444.jpg", "jpeg_progressive.jpg", "jpeg_grey.jpg",
                          "jpeg_exif_rotate.jpg", "png_rgb.png", "png_rgba.png", "png_grey.png", "png_grey_alpha.png",
                          "png_palette.png", "png_palette_transparent.png", "png_1bit.png", "png_grey16.png",
                          "png_rgb16.png", "png_grey_alpha16.png", "png_grey2.png", "png_grey4.png",
                          "png_interlaced_rgb.png", "png_interlaced_grey16.png", "bmp_rgb24.bmp", "bmp_palette8.bmp",
                          "bmp_grey8.bmp", "bmp_1bit.bmp", "bmp_rgba32.bmp"})
        for (int c : {1, 3})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(f, c == 1 ? "L" : "RGB"))) << QString(f) << c;
}

void TestImages::decodesAsPil()
{
    QFETCH(QString, file);
    QFETCH(int, channels);
    static const auto ref = readSafeTensors(data("decoding/pil_pixels.safetensors"));
    QVERIFY(std::holds_alternative<SafeTensors>(ref));
    const std::string key = file.toStdString() + (channels == 1 ? ":L" : ":RGB");
    const NamedTensor* expected = std::get<SafeTensors>(ref).find(key);
    QVERIFY2(expected, key.c_str());
    auto r = readImage(data(("decoding/" + file).toUtf8().constData()));
    QVERIFY2(std::holds_alternative<Image8>(r), std::get_if<std::string>(&r) ? std::get<std::string>(r).c_str() : "");
    const Image8& decoded = std::get<Image8>(r);
    const Shape& s = expected->tensor.shape();
    QCOMPARE(decoded.height, static_cast<int>(s[0]));
    QCOMPARE(decoded.width, static_cast<int>(s[1]));
    const Image8 img = convertImage(decoded, channels, decoded.width, decoded.height);
    QCOMPARE(static_cast<int64_t>(img.pixels.size()), expected->tensor.numel());
    int off = 0, maxDiff = 0;
    for (size_t k = 0; k < img.pixels.size(); ++k) {
        const int d = std::abs(img.pixels[k] - static_cast<int>(expected->tensor[static_cast<int64_t>(k)]));
        off += d != 0;
        maxDiff = std::max(maxDiff, d);
    }
    QVERIFY2(off == 0, qPrintable(QStringLiteral("%1 of %2 values differ from PIL, by up to %3").arg(off).arg(img.pixels.size()).arg(maxDiff)));
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
    // 20000 x 10: refused for its long side, named as it is (not as "larger than 16384 x 16384").
    auto wide = imagesToTensor({data("too_wide.png")}, 1, 28, 28);
    QVERIFY(std::holds_alternative<std::string>(wide));
    const QString why = QString::fromStdString(std::get<std::string>(wide));
    QVERIFY2(why.contains("20000 x 10 pixels") && why.contains("not supported by ModuleLab yet"), qPrintable(why));
}

// PIL refuses a picture that ends early ("image file is truncated"); so does ModuleLab, with the
// file's name, never a crash.
void TestImages::truncatedPicturesAreRefused()
{
    for (const char* f : {"jpeg_420.jpg", "jpeg_progressive.jpg", "png_rgb.png", "png_interlaced_rgb.png", "bmp_rgb24.bmp"}) {
        QFile file(QString::fromStdString(data("decoding/") + f));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        for (qsizetype n : {qsizetype(0), qsizetype(10), bytes.size() / 2, bytes.size() - 40}) {
            auto r = decodeImage(std::string_view(bytes.constData(), static_cast<size_t>(n)), f);
            QVERIFY2(std::holds_alternative<std::string>(r), qPrintable(QStringLiteral("%1 cut at %2").arg(f).arg(n)));
            QVERIFY(std::get<std::string>(r).rfind(std::string(f) + ": ", 0) == 0);
        }
    }
}

// A 28x28 quality-90 RGB JPEG through the trained FashionCNN: PIL's pixels give PyTorch's logits.
void TestImages::jpegGivesPyTorchsLogits()
{
    const std::string root = MODULELAB_TEST_DATA "/../..";
    auto m = loadModelFile(root + "/resources/examples/fashion_cnn.py");
    QVERIFY(std::holds_alternative<LoadedModel>(m));
    Module& net = *std::get<LoadedModel>(m).root;
    initWeights(net, 0);
    QVERIFY(loadStateDict(net, root + "/resources/examples/fashion_cnn.safetensors").loaded);
    auto input = imagesToTensor({data("decoding/fashion_q90.jpg")}, 1, 28, 28);
    QVERIFY(std::holds_alternative<Tensor>(input));
    const ForwardResult r = runForward(net, std::get<Tensor>(input));
    QVERIFY(r.output);
    auto ref = readSafeTensors(data("decoding/fashion_q90_logits.safetensors"));
    QVERIFY(std::holds_alternative<SafeTensors>(ref));
    const Tensor& want = std::get<SafeTensors>(ref).find("logits")->tensor;
    QCOMPARE(r.output->shape().toString(), want.shape().toString());
    float diff = 0;
    for (int64_t k = 0; k < want.numel(); ++k)
        diff = std::max(diff, std::fabs((*r.output)[k] - want[k]));
    QVERIFY2(diff < 2e-5f, std::to_string(diff).c_str());
}

QTEST_GUILESS_MAIN(TestImages)
#include "tst_images.moc"
