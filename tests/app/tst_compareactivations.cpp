// The compare view's Activations tab: both models run in the background on the same sample,
// an aligned row shows both layers' outputs, equal to a direct forward pass of each model.
#include "app/compare/compareview.h"

#include <QTabWidget>
#include <QTest>

#include "app/compare/compareactivations.h"
#include "app/document/document.h"
#include "app/document/forwardrecording.h"
#include "app/document/modelfiles.h"
#include "app/document/runcontroller.h"
#include "app/document/runinput.h"
#include "app/run/featuremapgrid.h"
#include "engine/analysis/analysis.h"
#include "engine/io/safetensors.h"

#include <QComboBox>
#include <array>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QTableWidget>

using namespace ml::ui;

namespace {

const QString kFashion = QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.mlab");
const QString kTiny = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/numeric/tiny_cnn.py");

// The output of the `occurrence`-th call of `path` in a plain ml::runForward of the model in
// `file` with the weights in `weights` on `input`.
std::optional<ml::Tensor> directOutput(const QString& file, const QString& weights, const ml::Image8& image,
                                       const std::vector<double>& mean, const std::vector<double>& std,
                                       const std::string& path)
{
    auto loaded = readModelFile(file);
    auto* m = std::get_if<LoadedModel>(&loaded);
    if (!m || !m->root)
        return std::nullopt;
    QFile f(weights);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray bytes = f.readAll();
    auto parsed = ml::parseSafeTensors(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())), "w");
    auto* st = std::get_if<ml::SafeTensors>(&parsed);
    if (!st || !ml::loadStateDict(*m->root, *st).loaded)
        return std::nullopt;
    auto spec = InputSpec::fromShape(m->inputShape.value_or(ml::Shape{1, 1, 28, 28}), nullptr);
    if (!spec)
        return std::nullopt;
    spec->mean = mean;
    spec->std = std;
    const RunInput input = makeRunInput(image, *spec, QStringLiteral("x"));
    std::map<const ml::Module*, std::string> names;
    for (const ml::NamedModule& nm : ml::namedModules(*m->root, true))
        names[nm.module] = nm.path;
    std::optional<ml::Tensor> found;
    ml::runForward(*m->root, input.tensor, [&](const ml::Module& node, const ml::Tensor&, const ml::Tensor& out) {
        if (!found && names[&node] == path)
            found = out;
    });
    return found;
}

void compareTensors(const ml::Tensor& a, const ml::Tensor& b)
{
    QCOMPARE(a.shape().toString(), b.shape().toString());
    const int64_t n = a.shape().numel().value_or(0);
    for (int64_t i = 0; i < n; ++i)
        QVERIFY2(std::abs(a.data()[i] - b.data()[i]) <= 1e-5f * (1.0f + std::abs(b.data()[i])),
                 qPrintable(QStringLiteral("element %1: %2 vs %3").arg(i).arg(a.data()[i]).arg(b.data()[i])));
}

} // namespace

class TestCompareActivations : public QObject {
    Q_OBJECT
private slots:
    void fashionAgainstTiny()
    {
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, kFashion, &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, kTiny, &error), qPrintable(error));
        CompareActivations* act = view.activations();
        QVERIFY(act);
        QCOMPARE(view.tabs()->tabText(view.tabs()->indexOf(act)), QStringLiteral("Activations"));
        QVERIFY(act->samples()->count() > 0);
        QCOMPARE(act->layers()->count(), view.table()->rowCount() + 1); // the aligned layers, then the output

        act->samples()->setCurrentIndex(3);
        act->run();
        QVERIFY(act->waitForFinished(60000));
        for (int side = 0; side < 2; ++side) {
            QVERIFY(act->controller(side)->result());
            QVERIFY2(act->controller(side)->result()->errors.empty(), qPrintable(act->status(side)->text()));
        }
        QCOMPARE(act->controller(0)->weightsSource(), QStringLiteral("fashion_cnn.safetensors"));
        QCOMPARE(act->controller(1)->weightsSource(), QStringLiteral("tiny_cnn.weights.safetensors"));

        // The first aligned row: features.0, Conv2d(1, 16) against Conv2d(1, 8).
        const auto& rows = view.comparison()->rows;
        int conv = -1;
        for (size_t k = 0; k < rows.size() && conv < 0; ++k)
            if (rows[k].paired() && rows[k].a->type == "Conv2d")
                conv = static_cast<int>(k);
        QVERIFY(conv >= 0);
        view.selectRow(conv);
        QCOMPARE(act->row(), conv);
        QCOMPARE(act->layers()->currentIndex(), conv);
        QCOMPARE(act->grid(0)->tileCount(), 16);
        QCOMPARE(act->grid(1)->tileCount(), 8);
        QVERIFY(act->caption(0)->text().contains(QString::fromStdString(rows[conv].a->path)));
        QVERIFY(act->caption(1)->text().contains(QString::fromStdString(rows[conv].b->path)));

        // Both equal a direct forward pass of each model on the same picture.
        const auto image = readImage8(QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist/")
                                          + act->controller(0)->resultInput()->name, &error);
        QVERIFY2(image, qPrintable(error));
        const auto a = directOutput(kFashion, QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.safetensors"), *image,
                                    {}, {}, rows[conv].a->path);
        const auto b = directOutput(kTiny, QFileInfo(kTiny).absolutePath() + QStringLiteral("/tiny_cnn.weights.safetensors"),
                                    *image, {}, {}, rows[conv].b->path);
        QVERIFY(a && b);
        QVERIFY(act->shownCall(0) && act->shownCall(1));
        compareTensors(act->shownCall(0)->output, *a);
        compareTensors(act->shownCall(1)->output, *b);

        // A vector layer shows bars; choosing a row in the tab selects it in the view.
        const int last = static_cast<int>(rows.size()) - 1;
        act->layers()->setCurrentIndex(last);
        emit act->layers()->activated(last);
        QCOMPARE(view.table()->currentRow(), last);
        if (rows[last].a)
            QVERIFY(act->grid(0)->barCount() > 0);
    }

    // Models returning several tensors: every output side by side, the same as a direct forward
    // pass of each model, with the value-by-value difference where both have one shape.
    void severalOutputs()
    {
        const QString data = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/outputs/");
        CompareView view;
        view.resize(1280, 720);
        QString error;
        QVERIFY2(view.loadSide(0, data + QStringLiteral("two_heads.py"), &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, data + QStringLiteral("one_head.py"), &error), qPrintable(error));
        CompareActivations* act = view.activations();
        const ml::ModelComparison& c = *view.comparison();
        QCOMPARE(c.outputs.size(), size_t(2));
        QCOMPARE(act->layers()->count(), static_cast<int>(c.rows.size() + c.outputs.size()));
        QCOMPARE(act->layers()->itemText(act->outputRow(1)), QStringLiteral("Output: output.1 [2, 5]  ↔  —"));
        act->run();
        QVERIFY(act->waitForFinished(60000));
        std::array<ml::ForwardResult, 2> direct;
        for (int side = 0; side < 2; ++side) {
            const ForwardRecording* r = act->controller(side)->result();
            QVERIFY(r);
            QVERIFY2(r->errors.empty(), qPrintable(act->status(side)->text()));
            direct[side] = ml::runForward(*act->controller(side)->document()->root(), act->controller(side)->resultInput()->tensor);
        }
        const int64_t n = act->controller(0)->resultInput()->tensor.shape()[0];
        QCOMPARE(direct[0].outputs.size(), size_t(2));
        QVERIFY2(act->status(0)->text().contains(QStringLiteral("outputs output.0 [%1, 1, 4, 4], output.1 [%1, 5]").arg(n)),
                 qPrintable(act->status(0)->text()));
        QVERIFY2(act->status(1)->text().contains(QStringLiteral("→ output [%1, 1, 4, 4]").arg(n)), qPrintable(act->status(1)->text()));

        // output.0 against B's one tensor: the same layers before them, made from the same seed.
        act->showRow(act->outputRow(0));
        QVERIFY(act->shownTensor(0) && act->shownTensor(1));
        QVERIFY(!act->shownCall(0));
        compareTensors(*act->shownTensor(0), direct[0].outputs[0].tensor);
        compareTensors(*act->shownTensor(1), *direct[1].output);
        QVERIFY(act->caption(0)->text().contains(QStringLiteral("output.0")));
        const auto d = ml::tensorDifference(direct[0].outputs[0].tensor, *direct[1].output);
        QVERIFY(d);
        QVERIFY(!act->difference()->isHidden());
        if (d->unequal == 0)
            QVERIFY2(act->difference()->text().contains(QStringLiteral("equal in all %1 values").arg(d->count)), qPrintable(act->difference()->text()));
        else
            QVERIFY2(act->difference()->text().contains(QString::number(d->maxAbs, 'g', 4)), qPrintable(act->difference()->text()));

        // output.1 is A's alone.
        act->showRow(act->outputRow(1));
        QVERIFY(act->shownTensor(0));
        compareTensors(*act->shownTensor(0), direct[0].outputs[1].tensor);
        QCOMPARE(act->grid(0)->barCount(), 5);
        QVERIFY(!act->shownTensor(1));
        QVERIFY(act->caption(1)->text().contains(QStringLiteral("B returns no such output")));
        QVERIFY(act->difference()->isHidden());
    }

    // The numbers of the difference line: A's and B's values element by element.
    void differenceOfLayerOutputs()
    {
        CompareView view;
        QString error;
        QVERIFY2(view.loadSide(0, kTiny, &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, kTiny, &error), qPrintable(error));
        CompareActivations* act = view.activations();
        for (int side = 0; side < 2; ++side)
            QVERIFY(act->loadWeights(side, QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/numeric/tiny_cnn.weights.safetensors"), &error));
        act->controller(0)->reinitialise(3); // A: other weights
        act->run();
        QVERIFY(act->waitForFinished(60000));
        act->showRow(0);
        QVERIFY(act->shownTensor(0) && act->shownTensor(1));
        const ml::Tensor& a = *act->shownTensor(0);
        const ml::Tensor& b = *act->shownTensor(1);
        double largest = 0, sum = 0;
        for (int64_t i = 0; i < a.numel(); ++i) {
            largest = std::max(largest, std::abs(double(a.data()[i]) - double(b.data()[i])));
            sum += std::abs(double(a.data()[i]) - double(b.data()[i]));
        }
        QVERIFY(largest > 0);
        QVERIFY2(act->difference()->text().contains(QStringLiteral("largest |A − B| %1, mean |A − B| %2")
                                                        .arg(QString::number(largest, 'g', 4), QString::number(sum / double(a.numel()), 'g', 4))),
                 qPrintable(act->difference()->text()));
    }

    void failingModelShowsItsError()
    {
        CompareView view;
        QString error;
        QVERIFY2(view.loadSide(0, kTiny, &error), qPrintable(error));
        QVERIFY2(view.loadSide(1, QStringLiteral(":/examples/net.py"), &error), qPrintable(error));
        CompareActivations* act = view.activations();
        act->run();
        QVERIFY(act->waitForFinished(60000));
        QVERIFY(act->controller(0)->result());
        QVERIFY(act->controller(0)->result()->errors.empty());
        QVERIFY(!act->status(1)->text().isEmpty());
        QVERIFY(act->status(1)->styleSheet().contains(QStringLiteral("b3261e")));
    }
};

QTEST_MAIN(TestCompareActivations)
#include "tst_compareactivations.moc"
