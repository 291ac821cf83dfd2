// Freezing (requires_grad = False): the trainable parameter count and the optimizer's parameters
// are PyTorch's (tests/data/train/frozen.json, make_frozen_reference.py), the summary's
// "Trainable params" follow, and a project file keeps the frozen flags ("requires_grad": false).
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/io/project.h"
#include "engine/modelfile.h"
#include "engine/train/optimizer.h"
#include "engine/train/weightchange.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QTest>

#include <algorithm>

namespace {

const std::string kData = MODULELAB_TEST_DATA;
const std::string kExamples = kData + "/../../resources/examples/";

std::unique_ptr<ml::Module> load(const std::string& file)
{
    auto r = ml::loadModelFile(kExamples + file);
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::move(std::get<ml::LoadedModel>(r).root);
}

QJsonArray cases()
{
    QFile f(QString::fromStdString(kData + "/train/frozen.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("no frozen.json");
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("cases")).toArray();
}

} // namespace

class TestFrozen : public QObject {
    Q_OBJECT
private slots:
    void countsAreTorchs_data()
    {
        QTest::addColumn<QJsonObject>("c");
        int i = 0;
        for (const QJsonValue& v : cases())
            QTest::newRow(std::to_string(i++).c_str()) << v.toObject();
    }

    void countsAreTorchs()
    {
        QFETCH(QJsonObject, c);
        auto root = load(c.value(QStringLiteral("file")).toString().toStdString());
        for (const QJsonValue& p : c.value(QStringLiteral("frozen")).toArray()) {
            ml::Module* m = p.toString().isEmpty() ? root.get() : root->findPath(p.toString().toStdString());
            QVERIFY(m);
            m->setFrozen(true);
        }
        const ml::ParamCounts pc = ml::countParameters(*root);
        QCOMPARE(pc.total, static_cast<int64_t>(c.value(QStringLiteral("total")).toDouble()));
        QCOMPARE(pc.trainable, static_cast<int64_t>(c.value(QStringLiteral("trainable")).toDouble()));
        ml::initWeights(*root, 0); // the optimizer takes the model's tensors, as training has them
        const std::vector<ml::Tensor*> params = ml::modelParameters(*root, ml::frozenPaths(*root));
        QCOMPARE(static_cast<int>(params.size()), c.value(QStringLiteral("optimizer_tensors")).toInt());
        // The summary says the same.
        const ml::Shape input{1, 1, 28, 28};
        const ml::Analysis an = ml::analyze(*root, input);
        const std::string text = ml::summaryTable(*root, input, an);
        QVERIFY2(text.find("Trainable params: " + ml::withThousands(pc.trainable) + "\n") != std::string::npos, text.c_str());
        QVERIFY(text.find("Non-trainable params: " + ml::withThousands(pc.total - pc.trainable) + "\n") != std::string::npos);
    }

    void projectKeepsFrozenFlags()
    {
        ml::Project project;
        project.root = load("fashion_cnn.py");
        project.inputShape = ml::Shape{1, 1, 28, 28};
        project.root->findPath("features")->setFrozen(true);
        project.root->findPath("head.1")->setFrozen(true);
        const std::string json = ml::projectToJson(project);
        size_t count = 0;
        for (size_t at = json.find("\"requires_grad\": false"); at != std::string::npos; at = json.find("\"requires_grad\": false", at + 1))
            ++count;
        QCOMPARE(count, size_t(2));
        auto back = ml::parseProject(json, "frozen.mlab");
        QVERIFY(std::holds_alternative<ml::Project>(back));
        const ml::Module& root = *std::get<ml::Project>(back).root;
        std::vector<std::string> frozen = ml::frozenPaths(root);
        QCOMPARE(frozen, (std::vector<std::string>{"features", "head.1"}));
        QCOMPARE(ml::projectToJson(std::get<ml::Project>(back)), json);
        QCOMPARE(ml::countParameters(root).trainable, ml::countParameters(*project.root).trainable);
        // A wrong value is told where it is.
        std::string bad = json;
        bad.replace(bad.find("\"requires_grad\": false"), 22, "\"requires_grad\": 0");
        auto err = ml::parseProject(bad, "bad.mlab");
        QVERIFY(std::holds_alternative<ml::ParseError>(err));
        QVERIFY2(std::get<ml::ParseError>(err).toString().find("requires_grad must be true or false") != std::string::npos,
                 std::get<ml::ParseError>(err).toString().c_str());
    }
};

QTEST_MAIN(TestFrozen)
#include "tst_frozen.moc"
