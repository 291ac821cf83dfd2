// modulelab-cli grad and train against PyTorch: whole-model gradients, the state_dict after three
// steps of SGD (nesterov, weight decay), Adam and AdamW with BatchNorm running statistics, JSON
// progress lines, refusals. References: tests/data/train/make_train_reference.py (PyTorch 1.13).
#include "clirun.h"
#include "engine/io/safetensors.h"
#include "referencetensors.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>

using namespace ml;

namespace {

const QString kTrain = QStringLiteral(MODULELAB_TEST_DATA "/train/");
const QString kRoot = QStringLiteral(MODULELAB_TEST_DATA "/../..");

using testcli::cli;
using testcli::Result;

SafeTensors readOk(const QString& path)
{
    return testref::readOk(path.toStdString());
}

// absTol covers gradients that are zero in exact arithmetic (a conv bias before BatchNorm).
bool close(const Tensor& got, const Tensor& want, const std::string& what, double rel = 1e-4, double absTol = 1e-6)
{
    return testref::close(got, want, what, rel, absTol);
}

} // namespace

class TestTrainCli : public QObject {
    Q_OBJECT

private slots:
    void runUsesPlainListBatchStatistics();
    void gradMatchesPyTorch();
    void gradLeavesOutFrozenParameters();
    void threeOptimizerStepsMatchPyTorch();
    void jsonProgressAndShuffledBatches();
    void frozenModulesStayPut();
    void refusesWhatDoesNotFit();
    void badOptionsAreExplained();
    void severalOutputsTrainOnTheChosenOne();

private:
    QTemporaryDir m_tmp;
};

void TestTrainCli::runUsesPlainListBatchStatistics()
{
    // The first Fashion-MNIST test image through the seed's NetPlainList, seed 0, eval mode.
    const SafeTensors ref = readOk(kTrain + "modes.safetensors");
    SafeTensors in;
    in.tensors.push_back({"input", ref.find("plainlist.input")->tensor, DType::F32});
    const QString x = m_tmp.filePath("x.safetensors"), y = m_tmp.filePath("y.safetensors");
    QVERIFY(!writeSafeTensors(x.toStdString(), in));
    const Result r = cli({"run", kRoot + "/resources/examples/net_plainlist.py", "--input-tensor", x, "--seed", "0", "--output", y});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("0.1106")); // PyTorch: 0.110614; the tensor is compared below
    QVERIFY(close(readOk(y).find("output")->tensor, ref.find("plainlist.output")->tensor, "run output"));
}

void TestTrainCli::gradMatchesPyTorch()
{
    const std::vector<std::tuple<QString, QString, QString, QString>> cases = {
        {"residual", "models/residual.py", "cross_entropy", "train"},
        {"plain_list_eval", "models/plain_list.py", "nll", "eval"},
        {"ops", "models/ops.py", "mse", "train"},
        {"own_params", "models/own_params.py", "cross_entropy", "train"},
        {"buffers", "../../../resources/examples/buffers.py", "cross_entropy", "train"},
        {"shared_module", "../../../resources/examples/shared_module.py", "cross_entropy", "train"},
    };
    for (const auto& [name, file, loss, mode] : cases) {
        const QString in = kTrain + "grad_" + name + ".in.safetensors", out = m_tmp.filePath(name + ".grad.safetensors");
        const Result r = cli({"grad", kTrain + file, "--seed", "0", "--input-tensor", in, "--target", in + ":target",
                              "--loss", loss, "--mode", mode, "--output", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const SafeTensors got = readOk(out), ref = readOk(kTrain + "grad_" + name + ".ref.safetensors");
        int compared = 0;
        for (const NamedTensor& t : ref.tensors) {
            if (t.name.rfind("unregistered.", 0) == 0) {
                QVERIFY(!got.find(t.name)); // not a named parameter
                continue;
            }
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, t.name.c_str());
            QVERIFY(close(g->tensor, t.tensor, name.toStdString() + " " + t.name));
            ++compared;
        }
        QCOMPARE(compared, int(got.tensors.size()));
    }
}

// Parameters with requires_grad=False have no gradient in PyTorch (.grad is None): grad leaves
// them out, as named_parameters() filtered on p.grad is not None does, and names them in a note.
void TestTrainCli::gradLeavesOutFrozenParameters()
{
    const std::vector<std::pair<QString, QString>> cases = {
        {"named_filter", "body.0.weight, body.0.bias, body.1.bias, body.3.weight, body.3.bias"},
        {"thaw_one", "0.weight, 0.bias, 2.0.weight, 2.0.bias, 2.1.bias"},
    };
    for (const auto& [name, frozen] : cases) {
        const QString base = kTrain + "grad_frozen_" + name, out = m_tmp.filePath(name + ".grad.safetensors");
        const Result r = cli({"grad", kTrain + "frozen/" + name + ".py", "--weights", base + ".weights.safetensors", "--input-tensor",
                              base + ".in.safetensors", "--target", base + ".in.safetensors:target", "--loss", "cross_entropy",
                              "--output", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("note: not written, frozen (requires_grad=False, no gradient in PyTorch): " + frozen), qPrintable(r.err));
        const SafeTensors got = readOk(out), ref = readOk(base + ".ref.safetensors");
        QCOMPARE(got.tensors.size(), ref.tensors.size());
        for (const NamedTensor& t : ref.tensors) {
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, t.name.c_str());
            QVERIFY(close(g->tensor, t.tensor, name.toStdString() + " " + t.name));
        }
    }
}

void TestTrainCli::threeOptimizerStepsMatchPyTorch()
{
    QFile f(kTrain + "optimizers.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonArray cases = QJsonDocument::fromJson(f.readAll()).array();
    // small_cnn.py with four optimizers; own parameters, buffers and a shared module with three each
    QCOMPARE(cases.size(), 13);
    for (const QJsonValue& cv : cases) {
        const QJsonObject c = cv.toObject();
        const QString name = c["name"].toString(), out = m_tmp.filePath(name + ".safetensors");
        QStringList args = {"train", kTrain + c["model"].toString(), "--weights", kTrain + c["init"].toString(),
                            "--data-tensors", kTrain + "optim_data.safetensors", "--batch", "4", "--steps", "3", "--no-shuffle",
                            "--optimizer", c["optimizer"].toString(), "--out", out};
        const QJsonObject a = c["args"].toObject();
        for (auto it = a.begin(); it != a.end(); ++it) {
            const QString opt = "--" + QString(it.key()).replace('_', '-');
            if (it.value().isBool()) {
                if (it.value().toBool())
                    args << opt;
            } else if (it.value().isArray()) {
                args << opt << QString::number(it.value()[0].toDouble(), 'g', 17) + "," + QString::number(it.value()[1].toDouble(), 'g', 17);
            } else {
                args << opt << QString::number(it.value().toDouble(), 'g', 17);
            }
        }
        const Result r = cli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const SafeTensors got = readOk(out), ref = readOk(kTrain + "optim_" + name + ".safetensors");
        QCOMPARE(got.tensors.size(), ref.tensors.size());
        for (const NamedTensor& t : ref.tensors) {
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, t.name.c_str());
            QCOMPARE(g->dtype, t.dtype); // num_batches_tracked stays int64
            // Three steps amplify rounding: PyTorch itself, with every weight perturbed by one part in
            // 10^7, moves these states by up to 5e-5 (SGD) and 3.4e-4 (Adam, AdamW) of their scale.
            QVERIFY(close(g->tensor, t.tensor, name.toStdString() + " " + t.name, 1e-3));
        }
    }
}

void TestTrainCli::jsonProgressAndShuffledBatches()
{
    const QStringList base = {"train", kTrain + "models/small_cnn.py", "--data-tensors", kTrain + "optim_data.safetensors",
                              "--batch", "4", "--epochs", "2", "--optimizer", "adam", "--format", "json", "--seed", "5"};
    const Result a = cli(base), b = cli(base);
    QVERIFY2(a.code == 0, qPrintable(a.err));
    const QStringList lines = a.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 6); // 10 samples in batches of 4: 3 steps per epoch, the last one of 2
    const QJsonObject last = QJsonDocument::fromJson(lines.last().toUtf8()).object();
    QCOMPARE(last["epoch"].toInt(), 2);
    QCOMPARE(last["step"].toInt(), 6);
    QVERIFY(std::isfinite(last["loss"].toDouble()));
    QCOMPARE(a.out, b.out); // the seed decides the batches
    const Result c = cli(QStringList(base) << "--seed" << "6");
    QVERIFY(c.out != a.out);
    // Batches of 3 leave one sample for the last: BatchNorm1d fails there, as in PyTorch.
    const Result d = cli({"train", kTrain + "models/small_cnn.py", "--data-tensors", kTrain + "optim_data.safetensors", "--batch", "3",
                          "--no-shuffle"});
    QCOMPARE(d.code, 1);
    QVERIFY2(d.err.contains("head.2: BatchNorm needs more than one value per channel in training mode (PyTorch: Expected more "
                            "than 1 value per channel when training, got input size torch.Size([1, 16]))"),
             qPrintable(d.err));
}

void TestTrainCli::frozenModulesStayPut()
{
    const QString out = m_tmp.filePath("frozen.safetensors");
    const Result r = cli({"train", kTrain + "models/small_cnn.py", "--weights", kTrain + "optim_init.safetensors", "--data-tensors",
                          kTrain + "optim_data.safetensors", "--batch", "5", "--steps", "2", "--optimizer", "adam", "--freeze",
                          "features.0,head.4", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const SafeTensors got = readOk(out), init = readOk(kTrain + "optim_init.safetensors");
    for (const NamedTensor& t : init.tensors) {
        const bool frozen = t.name.rfind("features.0.", 0) == 0 || t.name.rfind("head.4.", 0) == 0;
        const Tensor& g = got.find(t.name)->tensor;
        bool same = true;
        for (int64_t i = 0; i < g.numel(); ++i)
            same = same && g[i] == t.tensor[i];
        QVERIFY2(same == frozen, t.name.c_str());
    }
    const Result bad = cli({"train", kTrain + "models/small_cnn.py", "--data-tensors", kTrain + "optim_data.safetensors", "--freeze", "head.9"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains("--freeze: ") && bad.err.contains("has no registered module 'head.9'"), qPrintable(bad.err));
}

void TestTrainCli::refusesWhatDoesNotFit()
{
    const QString data = m_tmp.filePath("huge_data.safetensors");
    SafeTensors st;
    st.tensors.push_back({"inputs", Tensor::zeros(Shape{2, 1}), DType::F32});
    st.tensors.push_back({"targets", Tensor::zeros(Shape{2}), DType::I64});
    QVERIFY(!writeSafeTensors(data.toStdString(), st));
    const Result r = cli({"train", kTrain + "models/huge.py", "--data-tensors", data});
    QCOMPARE(r.code, 1);
    // The model's own shape check comes first: [2, 1] is not what Linear(1000000) takes.
    QVERIFY2(r.err.contains("1000000"), qPrintable(r.err));
    SafeTensors big;
    big.tensors.push_back({"inputs", Tensor::zeros(Shape{2, 1000000}), DType::F32});
    big.tensors.push_back({"targets", Tensor::zeros(Shape{2}), DType::I64});
    QVERIFY(!writeSafeTensors(data.toStdString(), big));
    const Result h = cli({"train", kTrain + "models/huge.py", "--data-tensors", data});
    QCOMPARE(h.code, 1);
    QVERIFY2(h.err.contains("refusing to train: it needs about 8000") && h.err.contains("GB"), qPrintable(h.err));
    // NetPlainList registers no parameter: torch.optim.Adam(model.parameters()) raises.
    const Result empty = cli({"train", kRoot + "/resources/examples/net_plainlist.py", "--data-tensors", kTrain + "optim_data.safetensors"});
    QCOMPARE(empty.code, 1);
    QVERIFY2(empty.err.contains("PyTorch would fail: ValueError: optimizer got an empty parameter list"), qPrintable(empty.err));
    QVERIFY2(empty.err.contains("plain Python list"), qPrintable(empty.err));
}

void TestTrainCli::badOptionsAreExplained()
{
    const QString model = kTrain + "models/small_cnn.py", data = kTrain + "optim_data.safetensors";
    Result r = cli({"train", model, "--data-tensors", data, "--optimizer", "sgd", "--lr", "-1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("Invalid learning rate: -1.0"), qPrintable(r.err));
    r = cli({"train", model, "--data-tensors", data, "--nesterov"});
    QVERIFY2(r.err.contains("Nesterov momentum requires a momentum and zero dampening"), qPrintable(r.err));
    r = cli({"train", model});
    QVERIFY(r.err.contains("train needs one of --data"));
    r = cli({"grad", model, "--input-tensor", data + ":inputs", "--target", data + ":targets", "--loss", "hinge", "--output", "x"});
    QVERIFY(r.err.contains("--loss must be"));
    r = cli({"train", model, "--data-tensors", data, "--loss", "mse"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("float targets"), qPrintable(r.err));
}

void TestTrainCli::severalOutputsTrainOnTheChosenOne()
{
    // References: tests/data/train/make_output_choice_reference.py.
    const SafeTensors ref = readOk(kTrain + "output_choice.safetensors");
    const SafeTensors data = readOk(kTrain + "optim_data.safetensors");
    const Tensor& all = data.find("inputs")->tensor;
    SafeTensors in, target;
    in.tensors.push_back({"input", Tensor(Tensor::borrow(Shape{4, 1, 28, 28}, all.data())), DType::F32});
    target.tensors.push_back({"target", ref.find("targets")->tensor, DType::I64});
    const QString x = m_tmp.filePath("choice_x.safetensors"), t = m_tmp.filePath("choice_t.safetensors");
    QVERIFY(!writeSafeTensors(x.toStdString(), in));
    QVERIFY(!writeSafeTensors(t.toStdString(), target));
    const QString twoHeads = kTrain + "models/two_heads.py", logitsNone = kTrain + "models/logits_none.py";
    auto grad = [&](const QString& model, const QStringList& extra) {
        return cli(QStringList{"grad", model, "--input-tensor", x, "--target", t, "--loss", "cross_entropy", "--output",
                               m_tmp.filePath("choice_g.safetensors")}
                   << extra);
    };
    auto matches = [&](const std::string& refCase) {
        const SafeTensors got = readOk(m_tmp.filePath("choice_g.safetensors"));
        for (const NamedTensor& g : got.tensors) {
            const NamedTensor* want = ref.find(refCase + "." + g.name);
            if (!want || !close(g.tensor, want->tensor, refCase + " " + g.name, 1e-5, 1e-7))
                return false;
        }
        return got.tensors.size() == 2 + 6u - (refCase == "logits_none" ? 2u : 0u);
    };
    // The namedtuple's field by name, and the same model's other head by index: only the chosen
    // head gets a gradient (PyTorch leaves the other's .grad None, written as zeros).
    for (const auto& [choice, refCase] : std::vector<std::pair<QString, std::string>>{
             {"logits", "two_heads_logits"}, {"1", "two_heads_aux"}, {"-1", "two_heads_aux"}, {"0", "two_heads_logits"}}) {
        const Result r = grad(twoHeads, {"--loss-output", choice});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(matches(refCase), qPrintable(choice));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    }
    const SafeTensors aux = readOk(m_tmp.filePath("choice_g.safetensors"));
    QCOMPARE(double(aux.find("aux.weight")->tensor[0]), 0.0); // the last run chose logits
    // Without a choice: several tensors are refused with their list and how to choose.
    const Result none = grad(twoHeads, {});
    QCOMPARE(none.code, 1);
    QVERIFY2(none.err.contains("TwoHeads.forward() returns Outputs of 2 outputs (0 logits [4, 10], 1 aux [4, 10])")
                 && none.err.contains("the training loop picks the output the loss is computed on")
                 && none.err.contains("with --loss-output K or --loss-output NAME"),
             qPrintable(none.err));
    // (logits, None): trained on its only tensor, said once.
    const Result only = grad(logitsNone, {});
    QVERIFY2(only.code == 0, qPrintable(only.err));
    QVERIFY(matches("logits_none"));
    QVERIFY2(only.err.contains("note: LogitsAndNone.forward() returns tuple of 2 outputs (0 [4, 10], 1 None); the loss is "
                               "computed on its only tensor, 0"),
             qPrintable(only.err));
    // Choices that do not name a tensor.
    const std::vector<std::pair<QStringList, QString>> bad = {
        {{"--loss-output", "2"}, "output 2 is out of range: TwoHeads.forward() returns Outputs of 2 outputs"},
        {{"--loss-output", "main"}, "no output named main: TwoHeads.forward() returns Outputs of 2 outputs"},
        {{"--loss-output", ""}, "--loss-output needs an output's index or name"},
    };
    for (const auto& [args, message] : bad) {
        const Result r = grad(twoHeads, args);
        QVERIFY2(r.code != 0 && r.err.contains(message), qPrintable(r.err));
    }
    const Result isNone = grad(logitsNone, {"--loss-output", "1"});
    QVERIFY2(isNone.code == 1 && isNone.err.contains("output 1 is None, not a tensor"), qPrintable(isNone.err));
    // train: the note once, however many steps; the chosen head learns, the other stays put.
    const QString out = m_tmp.filePath("choice_trained.safetensors");
    const Result tr = cli({"train", logitsNone, "--data-tensors", kTrain + "optim_data.safetensors", "--batch", "2", "--steps", "4",
                           "--optimizer", "adam"});
    QVERIFY2(tr.code == 0, qPrintable(tr.err));
    QCOMPARE(tr.err.count("the loss is computed on its only tensor"), 1);
    const Result th = cli({"train", twoHeads, "--data-tensors", kTrain + "optim_data.safetensors", "--batch", "2", "--steps", "3",
                           "--optimizer", "adam", "--loss-output", "aux", "--out", out});
    QVERIFY2(th.code == 0, qPrintable(th.err));
    const SafeTensors trained = readOk(out);
    const Result init = cli({"train", twoHeads, "--data-tensors", kTrain + "optim_data.safetensors", "--batch", "2", "--steps", "1",
                             "--optimizer", "sgd", "--lr", "0", "--loss-output", "aux", "--out", m_tmp.filePath("choice_init.safetensors")});
    QVERIFY2(init.code == 0, qPrintable(init.err));
    const SafeTensors initial = readOk(m_tmp.filePath("choice_init.safetensors"));
    auto changed = [&](const std::string& key) {
        const Tensor &a = trained.find(key)->tensor, &b = initial.find(key)->tensor;
        for (int64_t i = 0; i < a.numel(); ++i)
            if (a[i] != b[i])
                return true;
        return false;
    };
    QVERIFY(changed("aux.weight"));
    QVERIFY(changed("body.1.weight"));
    QVERIFY(!changed("head.weight")); // outside the loss: no gradient, and Adam skips a parameter without one
    const Result refused = cli({"train", twoHeads, "--data-tensors", kTrain + "optim_data.safetensors", "--steps", "1"});
    QVERIFY2(refused.code == 1 && refused.err.contains("with --loss-output K or --loss-output NAME"), qPrintable(refused.err));
}

QTEST_APPLESS_MAIN(TestTrainCli)
#include "tst_train_cli.moc"
