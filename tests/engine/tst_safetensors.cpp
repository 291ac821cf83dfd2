#include "engine/io/safetensors.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

using namespace ml;

namespace {

const std::string kData = MODULELAB_TEST_DATA;

std::string fileBytes(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", path.c_str());
    const QByteArray b = f.readAll();
    return std::string(b.constData(), static_cast<size_t>(b.size()));
}

// A safetensors file from header text and data bytes, with an explicit header length.
std::string makeFile(const std::string& header, const std::string& data, uint64_t headerLen)
{
    std::string out(8, '\0');
    for (int k = 0; k < 8; ++k)
        out[static_cast<size_t>(k)] = static_cast<char>((headerLen >> (8 * k)) & 0xFF);
    return out + header + data;
}
std::string makeFile(const std::string& header, const std::string& data) { return makeFile(header, data, header.size()); }

std::string floats(std::initializer_list<float> v)
{
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), v.begin(), s.size());
    return s;
}

SafeTensors parseOk(const std::string& bytes)
{
    auto r = parseSafeTensors(bytes, "t.safetensors");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("unexpected error: %s", e->toString().c_str());
    return std::get<SafeTensors>(std::move(r));
}

std::string parseError(const std::string& bytes)
{
    auto r = parseSafeTensors(bytes, "t.safetensors");
    if (std::holds_alternative<SafeTensors>(r))
        return "(no error)";
    return std::get<ParseError>(r).message;
}

bool sameBits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

// Parses and, on success, checks that the result is internally consistent.
void parseAnything(const std::string& bytes)
{
    auto r = parseSafeTensors(bytes, "x");
    if (auto* e = std::get_if<ParseError>(&r)) {
        QVERIFY(!e->message.empty());
        return;
    }
    for (const NamedTensor& t : std::get<SafeTensors>(r).tensors) {
        QCOMPARE(t.tensor.numel(), t.tensor.shape().numel().value_or(-1));
        QVERIFY(static_cast<uint64_t>(t.tensor.numel()) * static_cast<uint64_t>(dtypeSize(t.dtype)) <= bytes.size());
    }
}

} // namespace

class TestSafeTensors : public QObject {
    Q_OBJECT

private slots:
    void readsPyTorchFixture();
    void fixtureForwardOutputIsSoftmax();
    void readsEveryDtype();
    void rewriteIsByteIdenticalToReference();
    void roundTrip();
    void headerLayout();
    void writeRejects();
    void corruptions_data();
    void corruptions();
    void noGiantAllocation();
    void truncatedFixture();
    void bitFlips();
    void randomBytes();
    void atomicWrite();
    void missingFile();
};

void TestSafeTensors::readsPyTorchFixture()
{
    const std::string path = kData + "/numeric/tiny_cnn.weights.safetensors";
    auto r = readSafeTensors(path);
    QVERIFY(std::holds_alternative<SafeTensors>(r));
    const SafeTensors& st = std::get<SafeTensors>(r);
    QCOMPARE(st.tensors.size(), size_t(16));
    QCOMPARE(st.tensors[0].name, std::string("features.0.weight"));
    QCOMPARE(st.tensors[0].tensor.shape(), (Shape{8, 1, 3, 3}));
    QCOMPARE(st.tensors[12].name, std::string("head.1.weight"));
    QCOMPARE(st.tensors[12].tensor.shape(), (Shape{64, 784}));
    QVERIFY(st.metadata.empty());
    for (const NamedTensor& t : st.tensors)
        QCOMPARE(t.dtype, DType::F32);
    // Values equal the raw little-endian floats at the offsets the header names.
    const std::string bytes = fileBytes(path);
    uint64_t headerLen = 0;
    std::memcpy(&headerLen, bytes.data(), 8);
    const NamedTensor* bias = st.find("head.3.bias");
    QVERIFY(bias);
    for (int k = 0; k < 10; ++k) {
        float expected;
        std::memcpy(&expected, bytes.data() + 8 + headerLen + 208896 + 4 * k, 4);
        QVERIFY(sameBits((*bias).tensor[k], expected));
    }
    // Running variances are positive, as BatchNorm keeps them.
    for (int k = 0; k < 8; ++k)
        QVERIFY(st.find("features.1.running_var")->tensor[k] > 0.0f);
    // File and memory readers agree.
    const SafeTensors mem = parseOk(bytes);
    QCOMPARE(mem.tensors.size(), st.tensors.size());
    for (size_t i = 0; i < mem.tensors.size(); ++i)
        QVERIFY(std::memcmp(mem.tensors[i].tensor.data(), st.tensors[i].tensor.data(),
                            static_cast<size_t>(st.tensors[i].tensor.numel()) * 4) == 0);
}

void TestSafeTensors::fixtureForwardOutputIsSoftmax()
{
    auto r = readSafeTensors(kData + "/numeric/tiny_cnn.io.safetensors");
    QVERIFY(std::holds_alternative<SafeTensors>(r));
    const SafeTensors& st = std::get<SafeTensors>(r);
    const NamedTensor* out = st.find("output");
    QVERIFY(out && st.find("input"));
    QCOMPARE(st.find("input")->tensor.shape(), (Shape{4, 1, 28, 28}));
    QCOMPARE(out->tensor.shape(), (Shape{4, 10}));
    for (int row = 0; row < 4; ++row) {
        double sum = 0;
        for (int c = 0; c < 10; ++c) {
            QVERIFY(out->tensor[row * 10 + c] > 0.0f);
            sum += out->tensor[row * 10 + c];
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
}

void TestSafeTensors::readsEveryDtype()
{
    auto r = readSafeTensors(kData + "/io/dtypes.safetensors");
    if (auto* e = std::get_if<ParseError>(&r))
        QFAIL(e->toString().c_str());
    const SafeTensors& st = std::get<SafeTensors>(r);
    QCOMPARE(st.metadata.size(), size_t(2));
    QCOMPARE(st.metadata[1], (std::pair<std::string, std::string>{"note", "caf\xC3\xA9"}));
    auto values = [&](const char* name, DType dtype, Shape shape) {
        const NamedTensor* t = st.find(name);
        if (!t)
            qFatal("missing %s", name);
        if (t->dtype != dtype || !(t->tensor.shape() == shape))
            qFatal("wrong dtype or shape for %s", name);
        return std::vector<float>(t->tensor.data(), t->tensor.data() + t->tensor.numel());
    };
    QCOMPARE(values("f32", DType::F32, {2, 2}), (std::vector<float>{1.5f, -2.25f, 1e-3f, 3e38f}));
    QCOMPARE(values("f64", DType::F64, {3}), (std::vector<float>{0.1f, -INFINITY, 42.0f}));
    QCOMPARE(values("f16", DType::F16, {4}), (std::vector<float>{1.0f, -0.5f, 65504.0f, std::ldexp(1.0f, -24)}));
    QCOMPARE(values("bf16", DType::BF16, {2}), (std::vector<float>{3.0f, -0.15625f}));
    QCOMPARE(values("i64", DType::I64, {}), (std::vector<float>{123456792.0f}));
    QCOMPARE(values("i32", DType::I32, {2}), (std::vector<float>{-7.0f, 2147483648.0f}));
    QCOMPARE(values("i16", DType::I16, {2}), (std::vector<float>{-32768.0f, 12.0f}));
    QCOMPARE(values("i8", DType::I8, {3}), (std::vector<float>{-128.0f, 0.0f, 127.0f}));
    QCOMPARE(values("u8", DType::U8, {2}), (std::vector<float>{0.0f, 255.0f}));
    QCOMPARE(values("bool", DType::Bool, {3}), (std::vector<float>{1.0f, 0.0f, 1.0f}));
    QCOMPARE(values("empty", DType::F32, {0, 5}), std::vector<float>{});
    QCOMPARE(st.tensors.size(), size_t(11));
}

void TestSafeTensors::rewriteIsByteIdenticalToReference()
{
    for (const char* name : {"/numeric/tiny_cnn.weights.safetensors", "/numeric/tiny_cnn.io.safetensors"}) {
        const std::string original = fileBytes(kData + name);
        std::string written;
        QVERIFY(!serializeSafeTensors(parseOk(original), written));
        QCOMPARE(written.size(), original.size());
        QVERIFY(written == original);
    }
}

void TestSafeTensors::roundTrip()
{
    SafeTensors st;
    st.metadata = {{"format", "pt"}, {"b", "x\"y"}};
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> dist(-10, 10);
    Tensor w(Shape{3, 4, 5});
    for (int64_t k = 0; k < w.numel(); ++k)
        w[k] = dist(rng);
    w[7] = -0.0f;
    w[8] = INFINITY;
    w[9] = std::numeric_limits<float>::denorm_min();
    st.tensors.push_back({"z.weight", w, DType::F32});
    st.tensors.push_back({"a.num_batches_tracked", Tensor::filled(Shape{}, 12345.0f), DType::I64});
    st.tensors.push_back({"empty", Tensor(Shape{2, 0}), DType::F32});
    std::string bytes;
    QVERIFY(!serializeSafeTensors(st, bytes));
    const SafeTensors back = parseOk(bytes);
    QCOMPARE(back.metadata, st.metadata);
    QCOMPARE(back.tensors.size(), size_t(3));
    QCOMPARE(back.tensors[0].name, std::string("z.weight")); // given order, not sorted
    QCOMPARE(back.tensors[0].tensor.shape(), (Shape{3, 4, 5}));
    for (int64_t k = 0; k < w.numel(); ++k)
        QVERIFY(sameBits(back.tensors[0].tensor[k], w[k]));
    QCOMPARE(back.tensors[1].dtype, DType::I64);
    QCOMPARE(back.tensors[1].tensor.shape(), Shape{});
    QCOMPARE(back.tensors[1].tensor[0], 12345.0f);
    QCOMPARE(back.tensors[2].tensor.shape(), (Shape{2, 0}));
    std::string again;
    QVERIFY(!serializeSafeTensors(back, again));
    QVERIFY(again == bytes);
}

void TestSafeTensors::headerLayout()
{
    SafeTensors st;
    st.metadata = {{"format", "pt"}};
    st.tensors.push_back({"a", Tensor::filled(Shape{2}, 1.0f), DType::F32});
    std::string bytes;
    QVERIFY(!serializeSafeTensors(st, bytes));
    const std::string json = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    uint64_t len = 0;
    std::memcpy(&len, bytes.data(), 8);
    QCOMPARE(len % 8, uint64_t(0));
    QCOMPARE(len, uint64_t((json.size() + 7) / 8 * 8));
    QCOMPARE(bytes.substr(8, len), json + std::string(len - json.size(), ' '));
    QCOMPARE(bytes.size(), 8 + len + 8);
}

void TestSafeTensors::writeRejects()
{
    std::string bytes;
    SafeTensors dup;
    dup.tensors.push_back({"a", Tensor::zeros(Shape{1}), DType::F32});
    dup.tensors.push_back({"a", Tensor::zeros(Shape{1}), DType::F32});
    QCOMPARE(serializeSafeTensors(dup, bytes).value_or(""), std::string("tensor 'a' appears twice"));
    SafeTensors f16;
    f16.tensors.push_back({"h", Tensor::zeros(Shape{1}), DType::F16});
    QCOMPARE(serializeSafeTensors(f16, bytes).value_or(""), std::string("tensor 'h': writing F16 is not supported (F32 or I64)"));
    SafeTensors meta;
    meta.tensors.push_back({"__metadata__", Tensor::zeros(Shape{1}), DType::F32});
    QVERIFY(serializeSafeTensors(meta, bytes).has_value());
}

void TestSafeTensors::corruptions_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, const std::string& bytes, const char* msg) {
        QTest::newRow(name) << QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())) << QString::fromUtf8(msg);
    };
    const std::string two = floats({1, 2});
    const std::string entry = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    row("valid control", makeFile(entry, two), "(no error)");
    row("empty file", "", "too short for a safetensors file (0 bytes; the header length alone takes 8)");
    row("5 bytes", std::string("\x05\0\0\0\0", 5), "too short for a safetensors file (5 bytes; the header length alone takes 8)");
    row("absurd header length", makeFile(entry, two, uint64_t(1) << 63),
        "header length 9223372036854775808 exceeds the limit of 100000000 bytes: not a safetensors file, or a corrupt one");
    row("header past end", makeFile(entry, two, 1000),
        "header length 1000 runs past the end of the file (70 bytes): the file is truncated or not a safetensors file");
    row("header not json", makeFile("{\"a\":", ""), "invalid JSON header: unexpected end of input, expected a value");
    row("zero header", makeFile("", ""), "invalid JSON header: unexpected end of input, expected a value");
    row("header array", makeFile("[]", ""), "the header must be a JSON object, got an array");
    row("entry not object", makeFile(R"({"a":3})", ""), "tensor 'a': entry must be an object with dtype, shape and data_offsets");
    row("missing offsets", makeFile(R"({"a":{"dtype":"F32","shape":[2]}})", two), "tensor 'a': entry is missing data_offsets");
    row("unknown dtype", makeFile(R"({"a":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}})", two),
        "tensor 'a': unsupported dtype 'F8' (ModuleLab reads F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    row("negative dim", makeFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", two),
        "tensor 'a': shape must be an array of non-negative integers");
    row("float dim", makeFile(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", two),
        "tensor 'a': shape must be an array of non-negative integers");
    row("numel overflow", makeFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", two),
        "tensor 'a': shape [4294967296, 4294967296] has more elements than fit in 64 bits");
    row("bytes overflow", makeFile(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]}})", two),
        "tensor 'a': shape [4611686018427387904] of F32 needs more than 2^63 bytes, but data_offsets hold 8");
    row("dtype size mismatch", makeFile(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", two),
        "tensor 'a': shape [2] of F64 needs 16 bytes, but data_offsets hold 8");
    row("offsets out of range", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1000]}})", two),
        "tensor 'a': data_offsets [0, 1000] run past the end of the data section (8 bytes)");
    row("offsets reversed", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", two),
        "tensor 'a': data_offsets [8, 0] end before they begin");
    row("offsets negative", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", two),
        "tensor 'a': data_offsets must be [begin, end] with non-negative integers");
    row("offsets three", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}})", two),
        "tensor 'a': data_offsets must be [begin, end] with non-negative integers");
    row("overlap", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            floats({1, 2, 3})),
        "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)");
    row("same offsets", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                 two),
        "tensor 'b' (bytes 0..8) overlaps tensor 'a' (bytes 0..8)");
    row("gap", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                        floats({1, 2, 3, 4})),
        "bytes 8..12 of the data section belong to no tensor (before tensor 'b')");
    row("not from zero", makeFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", two),
        "bytes 0..4 of the data section belong to no tensor (before tensor 'a')");
    row("trailing data", makeFile(entry, floats({1, 2, 3})), "the data section has 12 bytes but the tensors cover only 8");
    row("metadata not string", makeFile(R"({"__metadata__":{"x":1}})", ""), "__metadata__ value of 'x' must be a string, got an integer");
    row("metadata not object", makeFile(R"({"__metadata__":[]})", ""), "__metadata__ must be an object of strings");
    row("duplicate names", makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", two),
        "invalid JSON header: duplicate key \"a\" (first at line 1, column 2)");
    row("invalid utf8 name", makeFile("{\"\xFF\":{}}", ""), "invalid JSON header: invalid UTF-8 in string (byte 0xFF)");
    row("truncated data", makeFile(entry, two.substr(0, 6)), "tensor 'a': data_offsets [0, 8] run past the end of the data section (6 bytes)");
}

void TestSafeTensors::corruptions()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    QCOMPARE(QString::fromStdString(parseError(bytes.toStdString())), message);
}

void TestSafeTensors::noGiantAllocation()
{
    // A header that claims a terabyte tensor in a tiny file is rejected before allocating.
    const std::string f = makeFile(R"({"a":{"dtype":"F32","shape":[250000000000],"data_offsets":[0,1000000000000]}})", floats({1}));
    QVERIFY(parseError(f).find("run past the end of the data section") != std::string::npos);
    // Errors in the header point into it.
    auto r = parseSafeTensors(makeFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})), "w.st");
    QCOMPARE(std::get<ParseError>(r).toString(), std::string("w.st:1:30: tensor 'a': shape must be an array of non-negative integers"));
}

void TestSafeTensors::truncatedFixture()
{
    const std::string bytes = fileBytes(kData + "/numeric/tiny_cnn.weights.safetensors");
    for (size_t n : {size_t(0), size_t(7), size_t(8), size_t(9), size_t(100), size_t(1231), size_t(1232), size_t(1233),
                     size_t(5000), bytes.size() - 1}) {
        const std::string msg = parseError(bytes.substr(0, n));
        QVERIFY2(msg != "(no error)", std::to_string(n).c_str());
    }
}

void TestSafeTensors::bitFlips()
{
    // Every bit of the header of a small valid file, flipped one at a time.
    const std::string valid = makeFile(
        R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]}})",
        floats({1, 2, 3, 4}));
    parseOk(valid);
    int errors = 0;
    for (size_t byte = 0; byte < valid.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string b = valid;
            b[byte] = static_cast<char>(b[byte] ^ (1 << bit));
            parseAnything(b);
            errors += std::holds_alternative<ParseError>(parseSafeTensors(b));
        }
    }
    QVERIFY(errors > 500); // most header flips must be caught
    // Random multi-bit damage to the real fixture.
    const std::string fixture = fileBytes(kData + "/numeric/tiny_cnn.weights.safetensors");
    std::mt19937 rng(11);
    for (int k = 0; k < 300; ++k) {
        std::string b = fixture;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const size_t pos = rng() % 1240; // header and the first data bytes
            b[pos] = static_cast<char>(b[pos] ^ (1 << (rng() % 8)));
        }
        parseAnything(b);
    }
}

void TestSafeTensors::randomBytes()
{
    std::mt19937 rng(5);
    for (int k = 0; k < 2000; ++k) {
        std::string b(static_cast<size_t>(rng() % 200), '\0');
        for (char& c : b)
            c = static_cast<char>(rng());
        if (k % 2 && b.size() >= 8) { // a plausible header length followed by garbage
            const uint64_t len = rng() % (b.size() - 7);
            std::memcpy(b.data(), &len, 8);
            if (len > 0)
                b[8] = '{';
        }
        parseAnything(b);
    }
}

void TestSafeTensors::atomicWrite()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("w.safetensors").toStdString();
    SafeTensors st;
    st.tensors.push_back({"a", Tensor::filled(Shape{3}, 2.0f), DType::F32});
    QVERIFY(!writeSafeTensors(path, st));
    QCOMPARE(std::get<SafeTensors>(readSafeTensors(path)).tensors[0].tensor[2], 2.0f);
    // Overwrite.
    st.tensors[0].tensor = Tensor::filled(Shape{4}, 3.0f);
    QVERIFY(!writeSafeTensors(path, st));
    QCOMPARE(std::get<SafeTensors>(readSafeTensors(path)).tensors[0].tensor.shape(), (Shape{4}));
    // A failing save leaves the old file as it was and no temporary behind.
    const std::string before = fileBytes(path);
    SafeTensors bad;
    bad.tensors.push_back({"h", Tensor::zeros(Shape{1}), DType::BF16});
    const auto err = writeSafeTensors(path, bad);
    QVERIFY(err && err->find("not supported") != std::string::npos);
    QVERIFY(fileBytes(path) == before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"w.safetensors"});
    // Missing directory: a message, no file.
    const auto err2 = writeSafeTensors(dir.filePath("no/such/dir/x.safetensors").toStdString(), st);
    QVERIFY(err2 && err2->find("no/such/dir/x.safetensors") != std::string::npos);
}

void TestSafeTensors::missingFile()
{
    auto r = readSafeTensors("/nonexistent/x.safetensors");
    QCOMPARE(std::get<ParseError>(r).toString(), std::string("/nonexistent/x.safetensors:1:1: cannot open the file: no such file"));
}

QTEST_APPLESS_MAIN(TestSafeTensors)
#include "tst_safetensors.moc"
