// The compare view's Activations tab: both models run in the background on the same sample,
// an aligned row shows both layers' outputs, equal to a direct forward pass of each model.
#include "app/compare/compareview.h"

#include <QTabWidget>
#include <QTest>

#include "app/compare/compareactivations.h"
#include "app/document/forwardrecording.h"
#include "app/document/modelfiles.h"
#include "app/document/runcontroller.h"
#include "app/document/runinput.h"
#include "app/run/featuremapgrid.h"
#include "engine/analysis/analysis.h"
#include "engine/io/safetensors.h"

#include <QComboBox>
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
        QCOMPARE(act->layers()->count(), view.table()->rowCount());

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
