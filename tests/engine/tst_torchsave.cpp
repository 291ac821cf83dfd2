// torch.save files read and written, against files made by PyTorch 1.13 and PyTorch's reading of
// what ModuleLab writes (tests/data/torchsave/make_torchsave.py made both).
#include "engine/analysis/analysis.h"
#include "engine/io/atomicfile.h"
#include "engine/io/torchcheckpoint.h"
#include "engine/io/torchsave.h"
#include "engine/io/weights.h"
#include "engine/layer.h"
#include "engine/modelfile.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

using namespace ml;

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kDir = kData + "/torchsave/";
const std::string kRoot = kData + "/../..";
const std::string kFashion = kRoot + "/resources/examples/fashion_cnn.py";
const std::string kFashionWeights = kRoot + "/resources/examples/fashion_cnn.safetensors";
const std::string kTiny = kData + "/numeric/tiny_cnn.py";
const std::string kTinyWeights = kData + "/numeric/tiny_cnn.weights.safetensors";
const std::string kMlp = kDir + "mlp.py";

std::unique_ptr<Module> model(const std::string& path)
{
    auto r = loadModelFile(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    auto root = std::move(std::get<LoadedModel>(r).root);
    initWeights(*root, 0);
    return root;
}

SafeTensors readSt(const std::string& path)
{
    auto r = readSafeTensors(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<SafeTensors>(std::move(r));
}

WeightsFile readOk(const std::string& path, const Module* m = nullptr, const std::string& key = {})
{
    auto r = readWeights(path, m, key);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<WeightsFile>(std::move(r));
}

std::string readError(const std::string& path, const Module* m = nullptr, const std::string& key = {})
{
    auto r = readWeights(path, m, key);
    if (auto* w = std::get_if<WeightsFile>(&r))
        return "read " + std::to_string(w->tensors.tensors.size()) + " tensors";
    return std::get<ParseError>(r).toString();
}

bool sameBits(const Tensor& a, const Tensor& b)
{
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

SafeTensors current(const Module& m)
{
    SafeTensors st;
    if (auto err = stateDictTensors(m, st))
        qFatal("%s", err->c_str());
    return st;
}

bool sameState(const Module& a, const Module& b)
{
    const SafeTensors x = current(a), y = current(b);
    if (x.tensors.size() != y.tensors.size())
        return false;
    for (size_t k = 0; k < x.tensors.size(); ++k)
        if (x.tensors[k].name != y.tensors[k].name || !sameBits(x.tensors[k].tensor, y.tensors[k].tensor))
            return false;
    return true;
}

std::string fileBytes(const std::string& path)
{
    std::string error;
    auto b = readWholeFile(path, error);
    if (!b)
        qFatal("%s", error.c_str());
    return *b;
}

bool contains(const std::vector<std::string>& notes, const std::string& part)
{
    for (const std::string& n : notes)
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

float maxDiff(const Tensor& a, const Tensor& b)
{
    float d = a.shape() == b.shape() ? 0.f : INFINITY;
    for (int64_t k = 0; k < a.numel() && k < b.numel(); ++k)
        d = std::max(d, std::fabs(a[k] - b[k]));
    return d;
}

} // namespace

class TestTorchSave : public QObject {
    Q_OBJECT

private slots:
    void fashionVariantsGiveTheSafetensorsForward_data();
    void fashionVariantsGiveTheSafetensorsForward();
    void float16GivesPyTorchsForward();
    void dtypesParametersAndViews_data();
    void dtypesParametersAndViews();
    void checkpointEntryFitsTheModel();
    void bigEndianRecords();
    void strictRulesAsForSafetensors();
    void hostileFilesAreRefused_data();
    void hostileFilesAreRefused();
    void maliciousPickleRunsNothing();
    void truncatedAndCorruptedFiles();
    void mutatedFilesNeverCrash();
    void pyTorchReadsWhatModuleLabWrites();
    void roundTripsBitForBit();
    void convertWeightsCommand();
};

void TestTorchSave::fashionVariantsGiveTheSafetensorsForward_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("note");
    QTest::newRow("state_dict") << "fashion_state_dict.pth" << "";
    QTest::newRow("checkpoint") << "fashion_checkpoint.pt"
                                << "using the state_dict under 'model_state_dict' of the checkpoint; ignored beside it: "
                                   "epoch, optimizer_state_dict, loss, best_acc";
    QTest::newRow("DataParallel") << "fashion_dataparallel.pth"
                                  << "removed the 'module.' prefix that DataParallel / DistributedDataParallel puts before every key";
    QTest::newRow("legacy") << "fashion_legacy.pth" << "read torch.save's legacy (before PyTorch 1.6) format";
}

void TestTorchSave::fashionVariantsGiveTheSafetensorsForward()
{
    QFETCH(QString, file);
    QFETCH(QString, note);
    auto reference = model(kFashion);
    QVERIFY(loadStateDict(*reference, kFashionWeights).loaded);
    auto m = model(kFashion);
    const StateDictReport report = loadStateDict(*m, kDir + file.toStdString());
    QVERIFY2(report.loaded, report.message().c_str());
    if (!note.isEmpty())
        QVERIFY2(contains(report.notes, note.toStdString()), report.notes.empty() ? "no notes" : report.notes[0].c_str());
    QVERIFY(sameState(*m, *reference));

    const SafeTensors ref = readSt(kDir + "fashion_reference.safetensors");
    const Tensor& input = ref.find("input")->tensor;
    const ForwardResult a = runForward(*m, input);
    const ForwardResult b = runForward(*reference, input);
    QVERIFY(a.output && b.output);
    QVERIFY(sameBits(*a.output, *b.output));
    QVERIFY2(maxDiff(*a.output, ref.find("output_f32")->tensor) < 1e-4f, std::to_string(maxDiff(*a.output, ref.find("output_f32")->tensor)).c_str());
}

void TestTorchSave::float16GivesPyTorchsForward()
{
    auto m = model(kFashion);
    const StateDictReport report = loadStateDict(*m, kDir + "fashion_f16.pth");
    QVERIFY2(report.loaded, report.message().c_str());
    QVERIFY(contains(report.notes, "converted 16 float16 tensors to float32"));
    const SafeTensors ref = readSt(kDir + "fashion_reference.safetensors");
    const ForwardResult r = runForward(*m, ref.find("input")->tensor);
    QVERIFY(r.output);
    const float toF16 = maxDiff(*r.output, ref.find("output_f16")->tensor);
    const float toF32 = maxDiff(*r.output, ref.find("output_f32")->tensor);
    QVERIFY2(toF16 < 1e-4f, std::to_string(toF16).c_str());
    QVERIFY2(toF32 > 1e-3f, std::to_string(toF32).c_str()); // the rounding to float16 is visible
}

void TestTorchSave::dtypesParametersAndViews_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("tag");
    QTest::addColumn<QString>("note");
    QTest::newRow("bfloat16") << "mlp_bf16.pt" << "bf16" << "converted 4 bfloat16 tensors to float32";
    QTest::newRow("float64") << "mlp_f64.pt" << "f64" << "converted 4 float64 tensors to float32";
    QTest::newRow("float16 legacy") << "mlp_f16_legacy.pth" << "f16" << "converted 4 float16 tensors to float32";
    QTest::newRow("nn.Parameter") << "mlp_params.pt" << "params" << "";
    QTest::newRow("strided views") << "mlp_views.pt" << "views" << "";
}

void TestTorchSave::dtypesParametersAndViews()
{
    QFETCH(QString, file);
    QFETCH(QString, tag);
    QFETCH(QString, note);
    auto m = model(kMlp);
    const WeightsFile w = readOk(kDir + file.toStdString(), m.get());
    if (!note.isEmpty())
        QVERIFY(contains(w.notes, note.toStdString()));
    const SafeTensors expected = readSt(kDir + "mlp_expected.safetensors");
    QCOMPARE(w.tensors.tensors.size(), size_t(4));
    for (const NamedTensor& t : w.tensors.tensors) {
        const NamedTensor* want = expected.find(tag.toStdString() + "/" + t.name);
        QVERIFY2(want, t.name.c_str());
        QVERIFY2(sameBits(t.tensor, want->tensor), t.name.c_str());
    }
    QVERIFY(loadStateDict(*m, w.tensors).loaded);
}

void TestTorchSave::checkpointEntryFitsTheModel()
{
    const std::string gan = kDir + "tiny_gan.ckpt";
    auto tiny = model(kTiny);
    auto mlp = model(kMlp);
    const WeightsFile d = readOk(gan, tiny.get());
    QCOMPARE(d.notes.front(), std::string("using the state_dict under 'discriminator' of the checkpoint; ignored beside it: "
                                          "epoch, g_optimizer, generator"));
    QCOMPARE(d.tensors.tensors.size(), size_t(18));
    QCOMPARE(readOk(gan, mlp.get()).tensors.tensors.size(), size_t(4));
    QCOMPARE(readError(gan), gan + ": the checkpoint holds several state_dicts ('generator', 'discriminator'): "
                                   "choose one with --weights-key KEY");
    QCOMPARE(readOk(gan, nullptr, "generator").tensors.tensors.size(), size_t(4));
    QCOMPARE(readError(gan, tiny.get(), "model"), gan + ": --weights-key 'model': no state_dict under that key; "
                                                        "the file holds 'generator', 'discriminator'");
    QVERIFY(loadStateDict(*tiny, gan).loaded);
    auto reference = model(kTiny);
    QVERIFY(loadStateDict(*reference, kTinyWeights).loaded);
    QVERIFY(sameState(*tiny, *reference));
    QCOMPARE(readError(kTinyWeights, tiny.get(), "x"),
             kTinyWeights + ": --weights-key 'x' applies to torch.save checkpoints; this is a safetensors file");
}

void TestTorchSave::bigEndianRecords()
{
    auto m = model(kTiny), reference = model(kTiny);
    QVERIFY(loadStateDict(*m, kDir + "tiny_bigendian.pt").loaded);
    QVERIFY(loadStateDict(*reference, kTinyWeights).loaded);
    QVERIFY(sameState(*m, *reference));
}

void TestTorchSave::strictRulesAsForSafetensors()
{
    auto m = model(kTiny);
    const SafeTensors before = current(*m);
    const StateDictReport report = loadStateDict(*m, kDir + "mlp_params.pt");
    QVERIFY(!report.loaded);
    QCOMPARE(report.unexpected, (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
    QCOMPARE(report.missing.size(), size_t(16)); // every tensor but the defaulted num_batches_tracked
    const SafeTensors after = current(*m);
    for (size_t k = 0; k < before.tensors.size(); ++k)
        QVERIFY(sameBits(before.tensors[k].tensor, after.tensors[k].tensor)); // nothing half-loaded
}

void TestTorchSave::hostileFilesAreRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("os.system") << "evil_reduce.pt"
                               << "evil_reduce/data.pkl: refused: the pickle names posix.system, which a state_dict does not need. "
                                  "ModuleLab reads only tensors, dicts, lists, numbers and strings from a torch.save file (as "
                                  "torch.load(weights_only=True) does) and runs nothing from it";
    QTest::newRow("whole model") << "pickled_model.pt"
                                 << "pickled_model/data.pkl: this file holds a pickled model object; save model.state_dict() "
                                    "instead (torch.save(model.state_dict(), PATH)). Loading it would need the classes mlp.MLP, "
                                    "__builtin__.set, torch.nn.modules.linear.Linear, torch.nn.modules.activation.ReLU, and "
                                    "ModuleLab runs no code from a weights file";
    QTest::newRow("whole model, legacy") << "pickled_model_legacy.pt" << "this file holds a pickled model object; save model.state_dict() instead";
    QTest::newRow("huge size") << "huge_numel.pt" << "tensor 'w': storage '0' should hold 1099511627776 F32 elements, its record has 16 bytes";
    QTest::newRow("offset past the end") << "offset_past_end.pt" << "tensor 'w' (offset 10, size [2]) reaches element 11 of a storage of 4 elements";
    QTest::newRow("stride past the end") << "stride_past_end.pt" << "tensor 'w' (offset 0, size [2, 2]) reaches element 4 of a storage of 4 elements";
    QTest::newRow("huge string") << "huge_string.pt" << "archive/data.pkl: byte 2: needs 4294967280 bytes but only 3 remain: the file is truncated or corrupt";
    QTest::newRow("deep lists") << "deep_lists.pt" << "holds a list, not a state_dict";
    QTest::newRow("memo bomb") << "memo_bomb.pt" << "holds a list, not a state_dict";
    // Found by fuzz_torchsave: a POP below the MARK, then a TUPLE back to that MARK.
    QTest::newRow("pop below mark") << "fuzz_pop_below_mark.pth" << "byte 462: pops from an empty stack";
}

void TestTorchSave::hostileFilesAreRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    const std::string path = kDir + "hostile/" + file.toStdString();
    const std::string err = readError(path, nullptr);
    QVERIFY2(err.rfind(path + ": ", 0) == 0, err.c_str());
    QVERIFY2(err.find(message.toStdString()) != std::string::npos, err.c_str());
    auto m = model(kMlp);
    const StateDictReport report = loadStateDict(*m, path);
    QVERIFY(!report.loaded);
    QCOMPARE(report.message(), err);
}

void TestTorchSave::maliciousPickleRunsNothing()
{
    const std::string marker = "/tmp/modulelab-pickle-ran"; // what the pickle's os.system would create
    std::filesystem::remove(marker);
    auto m = model(kMlp);
    QVERIFY(!loadStateDict(*m, kDir + "hostile/evil_reduce.pt").loaded);
    QVERIFY(!std::filesystem::exists(marker));
}

void TestTorchSave::truncatedAndCorruptedFiles()
{
    for (const char* name : {"mlp_params.pt", "mlp_f16_legacy.pth"}) {
        const std::string bytes = fileBytes(kDir + name);
        for (size_t n = 0; n < bytes.size(); n += 7) {
            auto r = parseWeights(bytes.substr(0, n), name, nullptr);
            QVERIFY2(std::holds_alternative<ParseError>(r), (std::string(name) + " cut at " + std::to_string(n)).c_str());
            QVERIFY(std::get<ParseError>(r).toString().rfind(std::string(name) + ": ", 0) == 0);
        }
    }
    // A changed byte inside a tensor record: the zip CRC catches it.
    std::string bytes = fileBytes(kDir + "mlp_params.pt");
    const size_t at = bytes.find("PK\x07\x08", bytes.find("mlp_params/data/0")) - 1; // before its data descriptor
    bytes[at] = static_cast<char>(bytes[at] ^ 0x40);
    auto r = parseWeights(bytes, "mlp_params.pt", nullptr);
    QVERIFY(std::holds_alternative<ParseError>(r));
    QVERIFY2(std::get<ParseError>(r).message.find("CRC error") != std::string::npos, std::get<ParseError>(r).message.c_str());
    QCOMPARE(std::get<ParseError>(r).message.substr(0, 19), std::string("storage '0': record"));
}

void TestTorchSave::mutatedFilesNeverCrash()
{
    // The fuzz target's check with the normal compiler: mutated real files are read or refused,
    // never crash, hang or allocate wildly (ASan builds run this too).
    std::mt19937 rng(13);
    int accepted = 0, refused = 0;
    for (const char* name : {"mlp_params.pt", "mlp_views.pt", "mlp_f16_legacy.pth", "mlp_bf16.pt", "hostile/pickled_model.pt"}) {
        const std::string seed = fileBytes(kDir + name);
        for (int i = 0; i < 300; ++i) {
            std::string bytes = seed;
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                const size_t at = rng() % bytes.size();
                switch (rng() % 3) {
                case 0: bytes[at] = static_cast<char>(rng()); break;
                case 1: bytes.erase(at, 1 + rng() % 8); break;
                default: bytes.insert(at, 1, static_cast<char>(rng())); break;
                }
                if (bytes.empty())
                    bytes = "x";
            }
            auto r = parseWeights(bytes, name, nullptr);
            if (auto* w = std::get_if<WeightsFile>(&r)) {
                ++accepted;
                for (const NamedTensor& t : w->tensors.tensors)
                    QVERIFY(t.tensor.numel() <= 1 << 20);
            } else {
                ++refused;
                QVERIFY(!std::get<ParseError>(r).message.empty());
            }
        }
    }
    QVERIFY(refused > 0);
    qInfo("%d mutated files read, %d refused", accepted, refused);
}

void TestTorchSave::pyTorchReadsWhatModuleLabWrites()
{
    QFile f(QString::fromStdString(kDir + "written.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject written = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(written.size(), 3);
    for (auto it = written.begin(); it != written.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        QVERIFY2(o["equal_key_for_key_bit_for_bit"].toBool(), qPrintable(it.key()));
        const SafeTensors source = readSt(kRoot + "/" + o["source"].toString().toStdString());
        std::string bytes;
        const std::string archive = it.key().toStdString().substr(0, it.key().size() - 4);
        QVERIFY(!serializeTorchSave(source, archive, bytes));
        // The very bytes PyTorch read and found equal, key for key and bit for bit.
        const QByteArray digest = QCryptographicHash::hash(QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())),
                                                           QCryptographicHash::Sha256).toHex();
        QCOMPARE(QString::fromLatin1(digest), o["sha256"].toString());
    }
}

void TestTorchSave::roundTripsBitForBit()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString() + "/";
    // safetensors -> .pth -> safetensors
    const SafeTensors source = readSt(kFashionWeights);
    QVERIFY(!writeTorchSave(d + "a.pth", source));
    const WeightsFile back = readOk(d + "a.pth");
    QVERIFY(!writeSafeTensors(d + "a.safetensors", back.tensors));
    std::string original, again;
    QVERIFY(!serializeSafeTensors(source, original));
    QCOMPARE(fileBytes(d + "a.safetensors"), original);
    // .pth (by PyTorch) -> safetensors -> .pth: the same tensors, the same bytes on a second pass
    const WeightsFile torch = readOk(kDir + "fashion_state_dict.pth");
    QVERIFY(!writeSafeTensors(d + "b.safetensors", torch.tensors));
    QVERIFY(!writeWeights(d + "b.pth", readOk(d + "b.safetensors").tensors));
    const WeightsFile torch2 = readOk(d + "b.pth");
    QCOMPARE(torch2.tensors.tensors.size(), torch.tensors.tensors.size());
    for (size_t k = 0; k < torch.tensors.tensors.size(); ++k) {
        QCOMPARE(torch2.tensors.tensors[k].name, torch.tensors.tensors[k].name);
        QCOMPARE(torch2.tensors.tensors[k].dtype, torch.tensors.tensors[k].dtype);
        QVERIFY(sameBits(torch2.tensors.tensors[k].tensor, torch.tensors.tensors[k].tensor));
    }
    // saveStateDict picks the format by extension.
    auto m = model(kFashion);
    QVERIFY(loadStateDict(*m, kFashionWeights).loaded);
    QVERIFY(!saveStateDict(*m, d + "m.pt"));
    QVERIFY(looksLikeTorchSave(fileBytes(d + "m.pt")));
    auto m2 = model(kFashion);
    QVERIFY(loadStateDict(*m2, d + "m.pt").loaded);
    QVERIFY(sameState(*m, *m2));
}

void TestTorchSave::convertWeightsCommand()
{
    QTemporaryDir dir;
    auto run = [](const QStringList& args, QString* err = nullptr) {
        QProcess p;
        p.start(QStringLiteral(MODULELAB_CLI), args);
        if (!p.waitForFinished(60000))
            qFatal("modulelab-cli did not finish");
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    };
    const QString out = dir.filePath(QStringLiteral("ckpt.safetensors"));
    QString err;
    QCOMPARE(run({"convert-weights", QString::fromStdString(kDir + "fashion_checkpoint.pt"), out}, &err), 0);
    QVERIFY2(err.contains(QStringLiteral("note: using the state_dict under 'model_state_dict'")), qPrintable(err));
    const SafeTensors got = readSt(out.toStdString());
    const SafeTensors want = readSt(kFashionWeights);
    QCOMPARE(got.tensors.size(), size_t(18));
    for (const NamedTensor& t : want.tensors)
        QVERIFY2(got.find(t.name) && sameBits(got.find(t.name)->tensor, t.tensor), t.name.c_str());
    QCOMPARE(run({"convert-weights", QString::fromStdString(kDir + "tiny_gan.ckpt"), dir.filePath("g.pth"), "--weights-key",
                  "generator"}), 0);
    QCOMPARE(run({"convert-weights", QString::fromStdString(kDir + "tiny_gan.ckpt"), dir.filePath("g.pth")}, &err), 2);
    QVERIFY2(err.contains(QStringLiteral("choose one with --weights-key KEY")), qPrintable(err));
    QCOMPARE(run({"convert-weights", QString::fromStdString(kDir + "hostile/evil_reduce.pt"), dir.filePath("e.pth")}, &err), 2);
    QVERIFY(err.contains(QStringLiteral("refused: the pickle names posix.system")));
    QVERIFY(!QFile::exists(dir.filePath("e.pth")));
    QCOMPARE(run({"convert-weights", "only-one"}, &err), 2);
    // run reads torch.save files too.
    QCOMPARE(run({"run", QString::fromStdString(kFashion), "--input-tensor",
                  QString::fromStdString(kDir + "fashion_reference.safetensors:input"), "--weights",
                  QString::fromStdString(kDir + "fashion_dataparallel.pth")}, &err), 0);
    QVERIFY(err.contains(QStringLiteral("note: removed the 'module.' prefix")));
}

QTEST_APPLESS_MAIN(TestTorchSave)
#include "tst_torchsave.moc"
