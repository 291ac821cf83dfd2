#include "engine/io/idx.h"

#include <QtTest/QTest>

#include <filesystem>

using namespace ml;

namespace {

const std::string kDir = std::string(MODULELAB_TEST_DATA) + "/idx/";

// The formula tests/data/idx/make_idx.py writes.
int pixel(int i, int r, int c)
{
    return i == 1 ? 255 : (61 * i + 17 * r + 5 * c) % 256;
}
const std::vector<uint8_t> kLabels = {7, 2, 0, 9, 4};

IdxImages images(const std::string& name)
{
    auto r = readIdxImages(kDir + name);
    if (auto* e = std::get_if<std::string>(&r))
        qFatal("%s", e->c_str());
    return std::get<IdxImages>(std::move(r));
}

std::string imageError(const std::string& name)
{
    auto r = readIdxImages(kDir + name);
    if (auto* e = std::get_if<std::string>(&r))
        return *e;
    return "(read without error)";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

template <typename T>
const char* errorOf(const std::variant<T, std::string>& r)
{
    const std::string* e = std::get_if<std::string>(&r);
    return e ? e->c_str() : "";
}

#define VERIFY_CONTAINS(text, part) QVERIFY2(contains(text, part), (text).c_str())

} // namespace

class TestIdx : public QObject {
    Q_OBJECT

private slots:
    void readsImages_data();
    void readsImages();
    void readsLabels_data();
    void readsLabels();
    void datasetCountsMustAgree();
    void imageTensorScaledLikeToTensor();
    void batchTensorAndImage8();
    void outOfRangeIsEmpty();
    void corruptFiles_data();
    void corruptFiles();
    void wrongKindOfFile();
    void fashionMnistClassNames();
    void debianFashionMnistWhenInstalled();
};

void TestIdx::readsImages_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("plain") << "images-idx3-ubyte";
    QTest::newRow("gzip") << "images-idx3-ubyte.gz";
}

void TestIdx::readsImages()
{
    QFETCH(QString, file);
    const IdxImages im = images(file.toStdString());
    QCOMPARE(im.count(), 5);
    QCOMPARE(im.rows(), 4);
    QCOMPARE(im.cols(), 3);
    QCOMPARE(im.pixels().size(), size_t(60));
    // Random access, last image first.
    for (int i = 4; i >= 0; --i) {
        const std::span<const uint8_t> px = im.image(i);
        QCOMPARE(px.size(), size_t(12));
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(int(px[size_t(r * 3 + c)]), pixel(i, r, c));
    }
}

void TestIdx::readsLabels_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("plain") << "labels-idx1-ubyte";
    QTest::newRow("gzip") << "labels-idx1-ubyte.gz";
}

void TestIdx::readsLabels()
{
    QFETCH(QString, file);
    auto r = readIdxLabels(kDir + file.toStdString());
    QVERIFY2(std::holds_alternative<std::vector<uint8_t>>(r), errorOf(r));
    QCOMPARE(std::get<std::vector<uint8_t>>(r), kLabels);
}

void TestIdx::datasetCountsMustAgree()
{
    auto ok = readIdxDataset(kDir + "images-idx3-ubyte.gz", kDir + "labels-idx1-ubyte");
    QVERIFY(std::holds_alternative<IdxDataset>(ok));
    QCOMPARE(std::get<IdxDataset>(ok).labels, kLabels);
    QCOMPARE(std::get<IdxDataset>(ok).images.count(), 5);

    auto bad = readIdxDataset(kDir + "images-idx3-ubyte", kDir + "labels-4-idx1-ubyte");
    QVERIFY(std::holds_alternative<std::string>(bad));
    const std::string& e = std::get<std::string>(bad);
    VERIFY_CONTAINS(e, "has 5 images but");
    VERIFY_CONTAINS(e, "labels-4-idx1-ubyte has 4 labels");
}

void TestIdx::imageTensorScaledLikeToTensor()
{
    const IdxImages im = images("images-idx3-ubyte");
    for (int i : {0, 1, 3}) {
        const Tensor t = idxImageTensor(im, i);
        QCOMPARE(t.shape(), (Shape{1, 1, 4, 3}));
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(t[r * 3 + c], float(pixel(i, r, c)) / 255.0f); // ToTensor: byte.float().div(255)
    }
    const Tensor white = idxImageTensor(im, 1);
    for (int64_t k = 0; k < white.numel(); ++k)
        QCOMPARE(white[k], 1.0f);
    QCOMPARE(idxImageTensor(im, 0)[0], 0.0f);
}

void TestIdx::batchTensorAndImage8()
{
    const IdxImages im = images("images-idx3-ubyte.gz");
    const std::vector<int64_t> pick = {3, 0, 3};
    const Tensor t = idxImagesTensor(im, pick);
    QCOMPARE(t.shape(), (Shape{3, 1, 4, 3}));
    for (size_t n = 0; n < pick.size(); ++n)
        for (int k = 0; k < 12; ++k)
            QCOMPARE(t[int64_t(n) * 12 + k], float(pixel(int(pick[n]), k / 3, k % 3)) / 255.0f);

    const Image8 img = idxImage(im, 2);
    QCOMPARE(img.width, 3);
    QCOMPARE(img.height, 4);
    QCOMPARE(img.channels, 1);
    QCOMPARE(img.pixels.size(), size_t(12));
    QCOMPARE(int(img.pixels[5]), pixel(2, 1, 2));
}

void TestIdx::outOfRangeIsEmpty()
{
    const IdxImages im = images("images-idx3-ubyte");
    QVERIFY(im.image(-1).empty());
    QVERIFY(im.image(5).empty());
    QCOMPARE(idxImageTensor(im, 5).numel(), 0);
    const std::vector<int64_t> pick = {0, 7};
    QCOMPARE(idxImagesTensor(im, pick).numel(), 0);
    QCOMPARE(idxImage(im, -3).pixels.size(), size_t(0));
}

void TestIdx::corruptFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << "no-such-file" << "cannot open: no such file";
    QTest::newRow("directory") << "." << "not a regular file";
    QTest::newRow("bad magic") << "bad-magic.idx" << "not an IDX file: it starts with 0x01 0x00";
    QTest::newRow("float data") << "float-type.idx" << "IDX data type 0x0D (float) is not supported";
    QTest::newRow("3 bytes") << "short.idx" << "too short for an IDX header (3 bytes)";
    QTest::newRow("header cut") << "header-cut.idx" << "the header ends inside its dimension sizes";
    QTest::newRow("truncated") << "truncated.idx"
                               << "the header promises 5 x 4 x 3 = 60 bytes of data but the file holds 53 (truncated file)";
    QTest::newRow("trailing bytes") << "trailing.idx" << "but the file holds 62 (2 bytes too many)";
    QTest::newRow("zero rows") << "zero-side.idx" << "image size 0 x 3: rows and columns must be between 1 and 4096";
    QTest::newRow("huge side") << "huge-side.idx" << "image size 5000 x 5000";
    QTest::newRow("2^56 bytes") << "giant.idx" << "4294967295 images of 4096 x 4096";
    QTest::newRow("784 MB in 116 bytes") << "million.idx" << "= 784000000 bytes of data but the file holds 100";
    QTest::newRow("784 MB in 35 gzip bytes") << "million.idx.gz" << "more than a gzip file of 35 bytes can hold";
    QTest::newRow("gzip cut") << "truncated.idx.gz" << "truncated file";
    QTest::newRow("gzip garbage") << "garbage.gz" << "garbage.gz: corrupt gzip data: invalid block type";
}

void TestIdx::corruptFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    const std::string e = imageError(file.toStdString());
    VERIFY_CONTAINS(e, message.toStdString());
    VERIFY_CONTAINS(e, kDir + file.toStdString() + ": "); // every message names the file
}

void TestIdx::wrongKindOfFile()
{
    VERIFY_CONTAINS(imageError("labels-idx1-ubyte.gz"), "expected 3 dimensions (N x rows x columns images), the header has 1 (a labels file?)");
    auto r = readIdxLabels(kDir + "images-idx3-ubyte");
    QVERIFY(std::holds_alternative<std::string>(r));
    VERIFY_CONTAINS(std::get<std::string>(r), "expected 1 dimension (N labels), the header has 3 (an images file?)");
}

void TestIdx::fashionMnistClassNames()
{
    const std::vector<std::string>& names = ml::fashionMnistClassNames();
    QCOMPARE(names.size(), size_t(10));
    QCOMPARE(names[0], std::string("T-shirt/top"));
    QCOMPARE(names[3], std::string("Dress"));
    QCOMPARE(names[9], std::string("Ankle boot"));
    QVERIFY(fashionMnistTestFiles(kDir).images.empty()); // no t10k files there
}

// Debian's dataset-fashion-mnist is optional: this checks it when it is installed and
// otherwise only records that it was not there (the files above cover the reader).
void TestIdx::debianFashionMnistWhenInstalled()
{
    const IdxPaths paths = fashionMnistTestFiles();
    if (paths.images.empty()) {
        qInfo("dataset-fashion-mnist is not installed; checked the generated files only");
        return;
    }
    auto r = readIdxDataset(paths.images, paths.labels);
    QVERIFY2(std::holds_alternative<IdxDataset>(r), errorOf(r));
    const IdxDataset& ds = std::get<IdxDataset>(r);
    QCOMPARE(ds.images.count(), 10000);
    QCOMPARE(ds.images.rows(), 28);
    QCOMPARE(ds.images.cols(), 28);
    std::vector<int> perClass(10, 0);
    for (uint8_t l : ds.labels) {
        QVERIFY(l < 10);
        ++perClass[l];
    }
    for (int n : perClass)
        QCOMPARE(n, 1000);
    QCOMPARE(int(ds.labels[0]), 9); // the first test image is an ankle boot
    QCOMPARE(idxImageTensor(ds.images, 9999).shape(), (Shape{1, 1, 28, 28}));
}

QTEST_APPLESS_MAIN(TestIdx)
#include "tst_idx.moc"
