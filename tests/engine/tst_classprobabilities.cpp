// The class probabilities the command line's --topk and the application's Predictions show,
// against PyTorch's (tests/data/cli/make_class_probabilities.py).
#include "engine/classprobabilities.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace ml;

namespace {

QJsonObject reference()
{
    QFile f(QStringLiteral(MODULELAB_TEST_DATA "/cli/class_probabilities.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open class_probabilities.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

Tensor tensorOf(const QJsonArray& rows)
{
    const int64_t n = rows.size(), k = rows[0].toArray().size();
    Tensor t(Shape{n, k});
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j)
            t[i * k + j] = static_cast<float>(rows[i].toArray()[j].toDouble());
    return t;
}

} // namespace

class TestClassProbabilities : public QObject {
    Q_OBJECT
private slots:
    void logitsGetTorchSoftmax()
    {
        const QJsonObject ref = reference()["logits"].toObject();
        const auto p = classProbabilities(tensorOf(ref["output"].toArray()));
        QVERIFY(p);
        QVERIFY(p->softmaxApplied);
        const QJsonArray want = ref["softmax"].toArray();
        QCOMPARE(static_cast<qsizetype>(p->rows.size()), want.size());
        for (qsizetype i = 0; i < want.size(); ++i)
            for (qsizetype j = 0; j < want[i].toArray().size(); ++j) {
                const double w = want[i].toArray()[j].toDouble();
                QVERIFY2(std::abs(p->rows[size_t(i)][size_t(j)] - w) <= 1e-6 * (1 + w),
                         qPrintable(QStringLiteral("row %1 class %2: %3, PyTorch %4").arg(i).arg(j).arg(p->rows[size_t(i)][size_t(j)]).arg(w)));
            }
        // Largest first; PyTorch's row 2 has two equal largest logits: the lower index first.
        const std::vector<int64_t> order = classesByProbability(p->rows[2]);
        QCOMPARE(order[0], int64_t{0});
        QCOMPARE(order[1], int64_t{8});
        QCOMPARE(order[2], int64_t{1});
    }

    void aDistributionIsShownAsItIs()
    {
        const QJsonArray rows = reference()["distribution"].toObject()["output"].toArray();
        const Tensor out = tensorOf(rows);
        const auto p = classProbabilities(out);
        QVERIFY(p);
        QVERIFY(!p->softmaxApplied);
        for (int64_t k = 0; k < out.numel(); ++k)
            QCOMPARE(p->rows[size_t(k / 5)][size_t(k % 5)], static_cast<double>(out[k]));
        // One row that is not a distribution makes every row a softmax, as for logits.
        Tensor mixed = out;
        mixed[0] = 2.f;
        QVERIFY(classProbabilities(mixed)->softmaxApplied);
    }

    void otherShapesHaveNone()
    {
        QVERIFY(!classProbabilities(Tensor(Shape{1, 2, 3, 3})));
        QVERIFY(!classProbabilities(Tensor(Shape{1, 100001})));
        QVERIFY(classProbabilities(Tensor(Shape{4})));
    }
};

QTEST_GUILESS_MAIN(TestClassProbabilities)
#include "tst_classprobabilities.moc"
