// Gradients and three optimizer steps on models written as a new user writes them, none used
// while the gradients and optimizers were written (tests/data/train/heldout/: a residual MLP, a
// ModuleDict-routed net, children called out of registration order and one twice, a plain
// Python list, BatchNorm with Dropout), against PyTorch 1.13
// (tests/data/train/make_heldout_reference.py): the loss, every named parameter's gradient and
// the input's, and the whole state_dict (buffers included) after SGD (momentum, nesterov,
// weight decay), Adam (amsgrad, weight decay) and AdamW.
#include "clirun.h"
#include "engine/io/safetensors.h"
#include "referencetensors.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ml;

namespace {

const QString kTrain = QStringLiteral(MODULELAB_TEST_DATA "/train/");

using testcli::cli;
using testcli::Result;

SafeTensors readOk(const QString& path)
{
    return testref::readOk(path.toStdString());
}

QJsonObject reference()
{
    QFile f(kTrain + "heldout.json");
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read heldout.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

QStringList optimizerArgs(const QJsonObject& c)
{
    QStringList args = {"--optimizer", c["optimizer"].toString()};
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
    return args;
}

} // namespace

class TestTrainHeldout : public QObject {
    Q_OBJECT

private slots:
    void gradientsMatchPyTorch();
    void threeOptimizerStepsMatchPyTorch();

private:
    QTemporaryDir m_tmp;
};

void TestTrainHeldout::gradientsMatchPyTorch()
{
    const QJsonArray models = reference()["models"].toArray();
    QCOMPARE(models.size(), 5);
    for (const QJsonValue& mv : models) {
        const QString name = mv.toString(), ref = kTrain + "heldout_" + name + "_grad.safetensors";
        const QString out = m_tmp.filePath(name + ".grad.safetensors");
        const Result r = cli({"grad", kTrain + "heldout/" + name + ".py", "--weights", kTrain + "heldout_" + name + "_init.safetensors",
                              "--input-tensor", ref + ":x", "--target", ref + ":target", "--loss", "cross_entropy", "--output", out});
        QVERIFY2(r.code == 0, qPrintable(name + ": " + r.err));
        const SafeTensors got = readOk(out), want = readOk(ref);
        int compared = 0;
        for (const NamedTensor& t : want.tensors) {
            if (t.name == "x" || t.name == "target")
                continue;
            const NamedTensor* g = got.find(t.name);
            QVERIFY2(g, qPrintable(name + ": no " + QString::fromStdString(t.name)));
            QVERIFY(testref::close(g->tensor, t.tensor, name.toStdString() + " " + t.name, 1e-4, 0.0));
            ++compared;
        }
        QCOMPARE(compared, int(got.tensors.size())); // named_parameters() alone: no plain-list layer
    }
}

void TestTrainHeldout::threeOptimizerStepsMatchPyTorch()
{
    const QJsonObject ref = reference();
    const QJsonArray optimizers = ref["optimizers"].toArray();
    QCOMPARE(optimizers.size(), 3);
    for (const QJsonValue& mv : ref["models"].toArray()) {
        const QString name = mv.toString();
        for (const QJsonValue& ov : optimizers) {
            const QJsonObject o = ov.toObject();
            const QString which = name + "_" + o["name"].toString(), out = m_tmp.filePath(which + ".safetensors");
            const Result r = cli(QStringList{"train", kTrain + "heldout/" + name + ".py", "--weights",
                                             kTrain + "heldout_" + name + "_init.safetensors", "--data-tensors",
                                             kTrain + "heldout_data.safetensors", "--batch", "4", "--steps", "3", "--no-shuffle",
                                             "--out", out}
                                 + optimizerArgs(o));
            QVERIFY2(r.code == 0, qPrintable(which + ": " + r.err));
            const SafeTensors got = readOk(out), want = readOk(kTrain + "heldout_" + which + ".safetensors");
            QCOMPARE(got.tensors.size(), want.tensors.size());
            // 1e-4 of each tensor's scale beyond what PyTorch's own state moves when every weight
            // is perturbed by one part in 10^7 (up to 4.9e-3 for Adam on the BatchNorm-Dropout net,
            // where a few weights get gradients of rounding size that Adam scales up to full steps)
            const double sensitivity = ref["sensitivity"].toObject()[which].toDouble(-1.0);
            QVERIFY(sensitivity >= 0.0);
            const double tolerance = 1e-4 + 1.5 * sensitivity;
            for (const NamedTensor& t : want.tensors) {
                const NamedTensor* g = got.find(t.name);
                QVERIFY2(g, qPrintable(which + ": no " + QString::fromStdString(t.name)));
                QCOMPARE(g->dtype, t.dtype); // num_batches_tracked stays int64
                QVERIFY(testref::close(g->tensor, t.tensor, which.toStdString() + " " + t.name, tolerance, 0.0));
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestTrainHeldout)
#include "tst_train_heldout.moc"
