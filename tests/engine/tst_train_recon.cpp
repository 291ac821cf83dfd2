// Training against the input itself (an autoencoder: loss(model(x), x)): modulelab-cli grad and
// train with --target input against PyTorch (tests/data/train/make_recon_reference.py), the
// training loop the GUI drives, the refusals, and the pictures the Train panel shows.
#include "clirun.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/modelfile.h"
#include "engine/train/target.h"
#include "engine/train/trainingrun.h"
#include "referencetensors.h"

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

using testcli::cli;
using testcli::Result;

SafeTensors readOk(const QString& path)
{
    return testref::readOk(path.toStdString());
}

bool close(const Tensor& got, const Tensor& want, const std::string& what, double rel)
{
    return testref::close(got, want, what, rel, 1e-6);
}

QJsonArray cases()
{
    QFile f(kTrain + "recon.json");
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read recon.json");
    return QJsonDocument::fromJson(f.readAll()).array();
}

// The case's optimizer options as modulelab-cli takes them.
QStringList optimizerArgs(const QJsonObject& c)
{
    QStringList args = {"--optimizer", c["optimizer"].toString(), "--loss", c["loss"].toString()};
    const QJsonObject a = c["args"].toObject();
    for (auto it = a.begin(); it != a.end(); ++it) {
        const QString opt = "--" + QString(it.key()).replace('_', '-');
        if (it.value().isBool()) {
            if (it.value().toBool())
                args << opt;
        } else {
            args << opt << QString::number(it.value().toDouble(), 'g', 17);
        }
    }
    return args;
}

std::unique_ptr<Module> load(const QString& path)
{
    auto r = loadModelFile(path.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<LoadedModel>(r).root);
}

} // namespace

class TestTrainRecon : public QObject {
    Q_OBJECT

private slots:
    void gradAgainstInputMatchesPyTorch();
    void threeStepsAgainstInputMatchPyTorch();
    void trainingRunAgainstInputMatchesPyTorch();
    void evaluationAgainstInputHasNoAccuracy();
    void targetProblemsAreExplained();
    void cliRefusesWhatCannotReconstruct();
    void picturesUndoNormalisationAndLogits();

private:
    QTemporaryDir m_tmp;
};

void TestTrainRecon::gradAgainstInputMatchesPyTorch()
{
    for (const QJsonValue& cv : cases()) {
        const QJsonObject c = cv.toObject();
        const QString name = c["name"].toString(), ref = kTrain + "recon_" + name + "_grad.safetensors";
        const QString out = m_tmp.filePath(name + ".grad.safetensors");
        // --loss defaults to mse against the input
        QStringList args = {"grad", kTrain + c["model"].toString(), "--weights", kTrain + "recon_" + name + "_init.safetensors",
                            "--input-tensor", ref + ":x", "--target", "input", "--output", out};
        if (c["loss"].toString() != "mse")
            args << "--loss" << c["loss"].toString();
        const Result r = cli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const SafeTensors got = readOk(out), want = readOk(ref);
        QCOMPARE(got.tensors.size() + 1, want.tensors.size()); // the reference also holds the batch "x"
        for (const NamedTensor& t : want.tensors) {
            if (t.name == "x")
                continue;
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, t.name.c_str());
            QVERIFY(close(g->tensor, t.tensor, name.toStdString() + " grad " + t.name, 1e-4));
        }
    }
}

void TestTrainRecon::threeStepsAgainstInputMatchPyTorch()
{
    QCOMPARE(cases().size(), 3); // MSE with Adam, BCEWithLogits with AdamW (amsgrad), MSE with SGD (nesterov)
    for (const QJsonValue& cv : cases()) {
        const QJsonObject c = cv.toObject();
        const QString name = c["name"].toString(), out = m_tmp.filePath(name + ".safetensors");
        // optim_data.safetensors has "targets" too: --target input leaves them unused
        const Result r = cli(QStringList{"train", kTrain + c["model"].toString(), "--weights", kTrain + "recon_" + name + "_init.safetensors",
                                         "--data-tensors", kTrain + "optim_data.safetensors", "--target", "input", "--batch", "4",
                                         "--steps", "3", "--no-shuffle", "--out", out}
                             + optimizerArgs(c));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const SafeTensors got = readOk(out), want = readOk(kTrain + "recon_" + name + ".safetensors");
        QCOMPARE(got.tensors.size(), want.tensors.size());
        for (const NamedTensor& t : want.tensors) {
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, t.name.c_str());
            QCOMPARE(g->dtype, t.dtype);
            // three steps amplify rounding, as in the class-target optimizer check (tst_train_cli)
            QVERIFY(close(g->tensor, t.tensor, name.toStdString() + " " + t.name, 1e-3));
        }
    }
    // inputs alone (no "targets" in the file) are enough to train against the input
    SafeTensors inputsOnly;
    inputsOnly.tensors.push_back(*readOk(kTrain + "optim_data.safetensors").find("inputs"));
    const QString data = m_tmp.filePath("inputs_only.safetensors");
    QVERIFY(!writeSafeTensors(data.toStdString(), inputsOnly));
    const Result r = cli({"train", kTrain + "models/autoencoder_logits.py", "--data-tensors", data, "--target", "input", "--batch", "4",
                          "--steps", "2", "--format", "json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed().split('\n').size(), 2);
}

// The loop the Train panel drives: the same three steps as the command line's, in order.
void TestTrainRecon::trainingRunAgainstInputMatchesPyTorch()
{
    const QJsonObject c = cases()[0].toObject();
    QCOMPARE(c["optimizer"].toString(), QStringLiteral("adam"));
    std::unique_ptr<Module> root = load(kTrain + c["model"].toString());
    QVERIFY(loadStateDict(*root, (kTrain + "recon_mse_adam_init.safetensors").toStdString()).loaded);
    const SafeTensors data = readOk(kTrain + "optim_data.safetensors");
    Dataset train;
    train.inputs = data.find("inputs")->tensor;
    train.count = train.inputs.shape()[0];
    TrainingConfig config;
    config.optimizer = defaultOptimizerOptions(OptimizerKind::Adam);
    config.optimizer.lr = c["args"].toObject()["lr"].toDouble();
    config.loss.kind = LossKind::Mse;
    config.target = TargetKind::Input;
    config.batch = 4;
    config.shuffle = false;
    TrainingRun run(*root, train, Dataset{}, config);
    std::string error;
    for (int i = 0; i < 3; ++i)
        QVERIFY2(run.step(error), error.c_str());
    QVERIFY(run.finished()); // 10 images in batches of 4: one epoch of three steps
    SafeTensors got;
    QVERIFY(!stateDictTensors(*root, got));
    const SafeTensors want = readOk(kTrain + "recon_mse_adam.safetensors");
    for (const NamedTensor& t : want.tensors) {
        const NamedTensor* g = got.find(t.name);
        QVERIFY2(g, t.name.c_str());
        QVERIFY(close(g->tensor, t.tensor, "run " + t.name, 1e-3));
    }
    QCOMPARE(run.epochTrainAccuracy(), 0.0); // no labels, no accuracy
}

void TestTrainRecon::evaluationAgainstInputHasNoAccuracy()
{
    std::unique_ptr<Module> root = load(kTrain + "models/autoencoder_logits.py");
    QVERIFY(loadStateDict(*root, (kTrain + "recon_bce_adamw_init.safetensors").toStdString()).loaded);
    const SafeTensors data = readOk(kTrain + "optim_data.safetensors");
    Dataset d;
    d.inputs = data.find("inputs")->tensor;
    d.count = d.inputs.shape()[0];
    TrainingConfig config;
    config.loss.kind = LossKind::BceWithLogits;
    config.target = TargetKind::Input;
    TrainingRun run(*root, d, d, config);
    std::string error;
    const std::optional<Evaluation> ev = run.evaluateTest(error);
    QVERIFY2(ev, error.c_str());
    QVERIFY(ev->reconstruction);
    QVERIFY(ev->confusion.empty());
    QCOMPARE(ev->count, int64_t(10));
    // the mean over the images of the loss against each image itself, in eval mode
    const std::optional<Tensor> out = run.trainer().evaluate(d.inputs, error);
    QVERIFY(out);
    const LossResult whole = computeLoss(config.loss, *out, inputTargets(d.inputs));
    QVERIFY(std::fabs(ev->loss - whole.value) < 1e-6 * whole.value);
    // the pictures the Train panel shows: the first images and their outputs
    const auto pics = run.testOutputs(4, error);
    QVERIFY2(pics, error.c_str());
    QCOMPARE(pics->first.shape(), (Shape{4, 1, 28, 28}));
    QCOMPARE(pics->second.shape(), (Shape{4, 1, 28, 28}));
    for (int64_t i = 0; i < pics->first.numel(); ++i)
        QCOMPARE(pics->first[i], d.inputs[i]);
}

void TestTrainRecon::targetProblemsAreExplained()
{
    const Shape img{64, 1, 28, 28}, scores{64, 10};
    QVERIFY(!targetProblem(TargetKind::Input, LossKind::Mse, img, img));
    QVERIFY(!targetProblem(TargetKind::Input, LossKind::BceWithLogits, img, img));
    QVERIFY(!targetProblem(TargetKind::Classes, LossKind::CrossEntropy, img, scores));
    const auto ce = targetProblem(TargetKind::Input, LossKind::CrossEntropy, img, img);
    QVERIFY(ce && ce->find("CrossEntropyLoss takes class labels") != std::string::npos);
    const auto shape = targetProblem(TargetKind::Input, LossKind::Mse, img, scores);
    QVERIFY(shape && shape->find("does not have the input's shape [64, 1, 28, 28]") != std::string::npos);
    const auto image = targetProblem(TargetKind::Classes, LossKind::Nll, img, img);
    QVERIFY(image && image->find("only batches of spatial targets supported") != std::string::npos);
    const auto floats = targetProblem(TargetKind::Classes, LossKind::Mse, img, scores);
    QVERIFY(floats && floats->find("MSELoss needs float targets") != std::string::npos);
    QCOMPARE(defaultLossFor(TargetKind::Input), LossKind::Mse);
    QCOMPARE(targetKindFromName("input"), std::optional<TargetKind>(TargetKind::Input));
    QVERIFY(!targetKindFromName("pixels"));
}

void TestTrainRecon::cliRefusesWhatCannotReconstruct()
{
    const QString data = kTrain + "optim_data.safetensors";
    const Result ce = cli({"train", kTrain + "models/autoencoder_logits.py", "--data-tensors", data, "--target", "input", "--loss",
                           "cross_entropy"});
    QCOMPARE(ce.code, 2);
    QVERIFY2(ce.err.contains("--target input: CrossEntropyLoss takes class labels, not an image"), qPrintable(ce.err));
    const Result scores = cli({"train", kTrain + "models/small_cnn.py", "--data-tensors", data, "--target", "input"});
    QCOMPARE(scores.code, 1);
    QVERIFY2(scores.err.contains("does not have the input's shape"), qPrintable(scores.err));
    const Result bad = cli({"train", kTrain + "models/small_cnn.py", "--data-tensors", data, "--target", "pixels"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains("--target must be class or input, got 'pixels'"), qPrintable(bad.err));
    const Result grad = cli({"grad", kTrain + "models/autoencoder_logits.py", "--input-tensor", data + ":inputs", "--target", "input",
                             "--loss", "nll", "--output", m_tmp.filePath("g.safetensors")});
    QCOMPARE(grad.code, 2);
    QVERIFY2(grad.err.contains("NLLLoss takes class labels"), qPrintable(grad.err));
}

void TestTrainRecon::picturesUndoNormalisationAndLogits()
{
    Tensor in(Shape{1, 2, 1, 2}), out(Shape{1, 2, 1, 2});
    const float values[] = {-1.0f, 1.0f, 0.0f, 3.0f};
    for (int i = 0; i < 4; ++i)
        in[i] = out[i] = values[i];
    // Normalize(mean=(0.5, 0.2), std=(0.5, 0.1)) undone per channel, clamped to [0, 1]
    const Reconstructions mse = reconstructionPictures(in, out, LossKind::Mse, {0.5, 0.2}, {0.5, 0.1});
    QCOMPARE(mse.inputs[0], 0.0f);
    QCOMPARE(mse.inputs[1], 1.0f);
    QCOMPARE(mse.inputs[2], 0.2f);
    QCOMPARE(mse.inputs[3], 0.5f);
    QCOMPARE(mse.outputs[3], 0.5f);
    // a BCEWithLogitsLoss-trained model's outputs are logits: the picture is their sigmoid
    const Reconstructions bce = reconstructionPictures(in, out, LossKind::BceWithLogits, {}, {});
    QCOMPARE(bce.outputs[2], 0.5f);
    QVERIFY(std::fabs(bce.outputs[3] - 1.0f / (1.0f + std::exp(-3.0f))) < 1e-6f);
    QCOMPARE(bce.inputs[0], 0.0f); // the input itself, clamped
}

QTEST_GUILESS_MAIN(TestTrainRecon)
#include "tst_train_recon.moc"
