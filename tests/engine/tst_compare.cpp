// Aligning two models by their leaf-layer calls in execution order, and the differences found
// at each aligned pair: the seed's networks as fixed, the seed's bugs, a missing layer and a
// ModuleList run out of its stored order.
#include "engine/analysis/compare.h"
#include "engine/modelfile.h"
#include "engine/python/importer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <limits>

using namespace ml;

namespace {

QString examplePath(const QString& name) { return QStringLiteral(MODULELAB_TEST_DATA "/../../resources/examples/") + name; }

// An example, or with testData a model of tests/data/outputs.
LoadedModel load(const QString& name, bool testData = false)
{
    const QString path = testData ? QStringLiteral(MODULELAB_TEST_DATA "/outputs/") + name : examplePath(name);
    auto r = loadModelFile(path.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->message.c_str());
    return std::move(std::get<LoadedModel>(r));
}

std::unique_ptr<Module> fromCode(const char* code)
{
    auto r = python::importPython(code, "inline.py");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->message.c_str());
    return std::move(std::get<python::ImportResult>(r).root);
}

ModelComparison compareFiles(const QString& a, const QString& b, bool testData = false)
{
    LoadedModel x = load(a, testData);
    LoadedModel y = load(b, testData);
    // The rows refer to the trees: keep them alive for the test's lifetime.
    static std::vector<std::unique_ptr<Module>> keep;
    ModelComparison c = compareModels(*x.root, *x.inputShape, *y.root, *y.inputShape);
    keep.push_back(std::move(x.root));
    keep.push_back(std::move(y.root));
    return c;
}

// PyTorch's outputs of tests/data/outputs/NAME.py, named as ModelComparison names them:
// "output.1 [2, 5]" (gen_outputs.py).
QStringList referenceOutputs(const QString& name)
{
    QFile f(QStringLiteral(MODULELAB_TEST_DATA "/outputs/") + name + QStringLiteral(".json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    QStringList out;
    for (const QJsonValue& v : QJsonDocument::fromJson(f.readAll()).object()[QStringLiteral("outputs")].toArray()) {
        QStringList dims;
        for (const QJsonValue& d : v.toArray()[1].toArray())
            dims << QString::number(d.toInt());
        out << v.toArray()[0].toString() + QStringLiteral(" [") + dims.join(QStringLiteral(", ")) + QStringLiteral("]");
    }
    return out;
}

QString text(const std::optional<OutputShape>& o)
{
    return o ? QString::fromStdString(o->name + " " + o->shape.toString()) : QStringLiteral("-");
}

const AlignedRow* rowWithPath(const ModelComparison& c, const std::string& pathA)
{
    for (const AlignedRow& r : c.rows)
        if (r.a && r.a->path == pathA)
            return &r;
    return nullptr;
}

const char* kSmall = R"(
import torch.nn as nn

class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.act = nn.ReLU()
        self.flat = nn.Flatten()
        self.fc = nn.Linear(4 * 8 * 8, 10)
    def forward(self, x):
        return self.fc(self.flat(self.act(self.bn(self.conv(x)))))

model = Small()
)";

const char* kSmallNoBn = R"(
import torch.nn as nn

class SmallNoBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.act = nn.ReLU()
        self.flat = nn.Flatten()
        self.fc = nn.Linear(4 * 8 * 8, 10)
    def forward(self, x):
        return self.fc(self.flat(self.act(self.conv(x))))

model = SmallNoBn()
)";

const char* kListOutOfOrder = R"(
import torch.nn as nn

class Shuffled(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()])
    def forward(self, x):
        x = self.layers[0](x)
        x = self.layers[2](x)
        x = self.layers[1](x)
        return x

model = Shuffled()
)";

const char* kSequentialInOrder = R"(
import torch.nn as nn

class InOrder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
    def forward(self, x):
        return self.layers(x)

model = InOrder()
)";

} // namespace

class TestCompare : public QObject {
    Q_OBJECT
private slots:
    void traceFollowsExecution()
    {
        LoadedModel m = load(QStringLiteral("net_modulelist_fixed.py"));
        const ExecutionTrace t = traceExecution(*m.root, *m.inputShape);
        QCOMPARE(t.calls.size(), size_t(10));
        QCOMPARE(t.storedLeaves.size(), size_t(10));
        QCOMPARE(t.calls[0].path, std::string("module_list.0"));
        QCOMPARE(t.calls[0].signature, std::string("Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"));
        QCOMPARE(t.calls[7].input, Shape({1, 50176}));
        QCOMPARE(*t.calls[9].output, Shape({1, 10}));
        for (const LayerCall& c : t.calls)
            QVERIFY(!c.outOfStoredOrder);
    }

    void sequentialVersusModuleList()
    {
        const ModelComparison c = compareFiles(QStringLiteral("net_sequential_fixed.py"), QStringLiteral("net_modulelist_fixed.py"));
        QVERIFY(c.sameParameters());
        QCOMPARE(c.a.totals.totalParams, int64_t(51410506));
        QVERIFY(c.sameOutputShape());
        QCOMPARE(c.pairedCount(), 9);
        QCOMPARE(c.differenceCount(), 0);
        QVERIFY(c.sameComputation());
        // Every layer with parameters or an activation is aligned; the ModuleList's Flatten is
        // what NetSequential does with x.view() in forward().
        QCOMPARE(c.rows.size(), size_t(10));
        for (const AlignedRow& r : c.rows) {
            if (r.paired()) {
                QCOMPARE(r.a->signature, r.b->signature);
                QVERIFY(r.diff & kDiffPath); // different names for the same layers
            } else {
                QCOMPARE(r.b->type, std::string("Flatten"));
                QCOMPARE(r.diff, unsigned(kDiffFunctionalElsewhere));
            }
        }
        QCOMPARE(c.rows[0].a->path, std::string("conv_block1.0"));
        QCOMPARE(c.rows[0].b->path, std::string("module_list.0"));
        const auto lines = totalsComparison(c);
        QCOMPARE(lines[0], std::string("Same parameters: 51,410,506 in both"));
        // The header counts what the table lists: every row differs in its name, none in computation.
        QCOMPARE(lines[3], std::string("9 layer calls aligned, no differences in computation, 10 rows differ only in "
                                       "names or in what forward() does itself"));
    }

    void seedBugVersusFixed()
    {
        const ModelComparison c = compareFiles(QStringLiteral("net.py"), QStringLiteral("net_fixed.py"));
        QVERIFY(!c.sameParameters());
        QCOMPARE(c.pairedCount(), 6);
        QCOMPARE(c.rows.size(), size_t(6));
        const AlignedRow* bn2 = rowWithPath(c, "bn2");
        QVERIFY(bn2 && bn2->paired());
        QVERIFY(bn2->diff & kDiffArgs);
        QVERIFY(bn2->diff & kDiffParams);  // 64 vs 128
        QVERIFY(bn2->diff & kDiffFails);   // BatchNorm2d(32) receives 64 channels
        QVERIFY(!bn2->a->error.empty());
        QVERIFY(bn2->b->error.empty());
        QCOMPARE(describeRow(*bn2), std::string("bn2 BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)  vs  "
                                                "bn2 BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"));
        // Net stops at bn2: its fc1 never runs, but lines up with the fixed fc1 and differs there.
        const AlignedRow* conv1 = rowWithPath(c, "conv1");
        QVERIFY(conv1 && conv1->diff == kDiffNone);
        const AlignedRow* fc1 = rowWithPath(c, "fc1");
        QVERIFY(fc1 && fc1->paired());
        QVERIFY(!fc1->a->reached);
        QVERIFY(fc1->b->reached);
        QVERIFY(fc1->diff & kDiffArgs);
        QVERIFY(fc1->diff & kDiffParams);
        QVERIFY(fc1->diff & kDiffNotReached);
        QCOMPARE(fc1->a->params, int64_t(25088 * 1024 + 1024));
        QCOMPARE(fc1->b->params, int64_t(50176 * 1024 + 1024));
        const AlignedRow* fc2 = rowWithPath(c, "fc2");
        QVERIFY(fc2 && fc2->paired() && !(fc2->diff & kDiffArgs));
    }

    void viewBugVersusFixed()
    {
        // Both run; the as-written view(-1, 32*28*28) makes a batch of 2 with 25088 features.
        const ModelComparison c = compareFiles(QStringLiteral("net_sequential_viewbug.py"), QStringLiteral("net_sequential_fixed.py"));
        const AlignedRow* fc1 = rowWithPath(c, "decoder.0");
        QVERIFY(fc1 && fc1->paired());
        QVERIFY(fc1->diff & kDiffArgs);
        QVERIFY(fc1->diff & kDiffInputShape);
        QVERIFY(fc1->diff & kDiffParams);
        QCOMPARE(fc1->a->input, Shape({2, 25088}));
        QCOMPARE(fc1->b->input, Shape({1, 50176}));
        QVERIFY(!c.sameOutputShape());
        QVERIFY(!(fc1->diff & kDiffPath));
    }

    void missingLayer()
    {
        auto a = fromCode(kSmall);
        auto b = fromCode(kSmallNoBn);
        const ModelComparison c = compareModels(*a, Shape({1, 1, 8, 8}), *b, Shape({1, 1, 8, 8}));
        QCOMPARE(c.rows.size(), size_t(5));
        QCOMPARE(c.pairedCount(), 4);
        QCOMPARE(c.differenceCount(), 1);
        const AlignedRow& gap = c.rows[1];
        QVERIFY(gap.a && !gap.b);
        QCOMPARE(gap.a->path, std::string("bn"));
        QCOMPARE(gap.diff, unsigned(kDiffOnlyInA));
        QCOMPARE(describeDiff(gap.diff), std::vector<std::string>{"missing in B"});
        QVERIFY(!c.sameParameters());
        QVERIFY(c.sameOutputShape());
        QVERIFY(!c.sameComputation());
        // The reverse direction shows the same gap on the other side.
        const ModelComparison r = compareModels(*b, Shape({1, 1, 8, 8}), *a, Shape({1, 1, 8, 8}));
        QCOMPARE(r.rows[1].diff, unsigned(kDiffOnlyInB));
    }

    void moduleListOutOfStoredOrder()
    {
        auto a = fromCode(kListOutOfOrder);
        auto b = fromCode(kSequentialInOrder);
        const Shape in{1, 1, 8, 8};
        const ExecutionTrace t = traceExecution(*a, in);
        QCOMPARE(t.calls.size(), size_t(3));
        QCOMPARE(t.calls[1].path, std::string("layers.2"));
        QCOMPARE(t.calls[1].storedIndex, 2);
        QVERIFY(!t.calls[1].outOfStoredOrder);
        QVERIFY(t.calls[2].outOfStoredOrder); // layers.1 runs after layers.2

        const ModelComparison c = compareModels(*a, in, *b, in);
        QVERIFY(c.sameParameters());
        QVERIFY(!c.sameComputation());
        int moved = 0;
        for (const AlignedRow& r : c.rows)
            if (r.diff & kDiffMoved) {
                ++moved;
                QVERIFY(r.movedPartner >= 0);
                const AlignedRow& partner = c.rows[static_cast<size_t>(r.movedPartner)];
                QVERIFY(partner.diff & kDiffMoved);
                QCOMPARE((r.a ? r.a : r.b)->type, (partner.a ? partner.a : partner.b)->type);
            }
        QCOMPARE(moved, 2);
        QCOMPARE(describeDiff(kDiffMoved | kDiffOnlyInA), std::vector<std::string>{"order: runs at another place"});
    }

    void reorderedExample()
    {
        const ModelComparison c = compareFiles(QStringLiteral("net_modulelist_fixed.py"), QStringLiteral("net_modulelist_reordered.py"));
        QVERIFY(c.sameParameters());
        QVERIFY(c.sameOutputShape());
        QVERIFY(c.differenceCount() > 0);
        bool outOfOrder = false;
        for (const LayerCall& call : c.b.trace.calls)
            outOfOrder = outOfOrder || call.outOfStoredOrder;
        QVERIFY(outOfOrder);
    }

    void plainListHasNoParameters()
    {
        const ModelComparison c = compareFiles(QStringLiteral("net_modulelist_fixed.py"), QStringLiteral("net_plainlist.py"));
        QCOMPARE(c.pairedCount(), 10);
        QCOMPARE(c.differenceCount(), 0); // the same layers run...
        QVERIFY(!c.sameParameters());     // ...but PyTorch counts none of the list's parameters
        QCOMPARE(c.b.totals.totalParams, int64_t(0));
    }

    void identicalModels()
    {
        auto a = fromCode(kSmall);
        const ModelComparison c = compareModels(*a, Shape({1, 1, 8, 8}), *a, Shape({1, 1, 8, 8}));
        QCOMPARE(c.pairedCount(), 5);
        for (const AlignedRow& r : c.rows)
            QCOMPARE(r.diff, unsigned(kDiffNone));
        QVERIFY(c.sameComputation());
    }

    // A tuple of two against one tensor: the tensor pairs with the tuple's first by position,
    // the second is A's alone, and the header says the structures differ.
    void tupleAgainstTensor()
    {
        const ModelComparison c = compareFiles(QStringLiteral("two_heads.py"), QStringLiteral("one_head.py"), true);
        const QStringList a = referenceOutputs(QStringLiteral("two_heads"));
        const QStringList b = referenceOutputs(QStringLiteral("one_head"));
        QCOMPARE(a.size(), 2);
        QCOMPARE(b.size(), 1);
        QCOMPARE(c.outputs.size(), size_t(2));
        QCOMPARE(text(c.outputs[0].a), a[0]);
        QCOMPARE(text(c.outputs[0].b), b[0]);
        QVERIFY(c.outputs[0].byPosition);
        QVERIFY(c.outputs[0].sameShape());
        QCOMPARE(text(c.outputs[1].a), a[1]);
        QVERIFY(!c.outputs[1].b);
        QVERIFY(!c.sameOutputStructure());
        QVERIFY(!c.sameOutputShape());
        QVERIFY(!c.sameComputation());
        QCOMPARE(totalsComparison(c)[2], std::string("Outputs differ: A returns 2 tensors (output.0, output.1), B one tensor"));
        QCOMPARE(QString::fromStdString(describeOutputPair(c.outputs[0])),
                 a[0] + QStringLiteral(" (A) and ") + b[0] + QStringLiteral(" (B), paired by position: same shape"));
        QCOMPARE(QString::fromStdString(describeOutputPair(c.outputs[1])), a[1] + QStringLiteral(": only in A"));
        // The other way round, the tensor is A's.
        const ModelComparison r = compareFiles(QStringLiteral("one_head.py"), QStringLiteral("two_heads.py"), true);
        QCOMPARE(totalsComparison(r)[2], std::string("Outputs differ: A returns one tensor, B 2 tensors (output.0, output.1)"));
        QCOMPARE(QString::fromStdString(describeOutputPair(r.outputs[1])), a[1] + QStringLiteral(": only in B"));
    }

    // Two tuples of two: paired by name; only the class head's shape differs.
    void tuplesWithOneShapeDifferent()
    {
        const ModelComparison c = compareFiles(QStringLiteral("two_heads.py"), QStringLiteral("two_heads_c7.py"), true);
        const QStringList a = referenceOutputs(QStringLiteral("two_heads"));
        const QStringList b = referenceOutputs(QStringLiteral("two_heads_c7"));
        QCOMPARE(c.outputs.size(), size_t(2));
        for (size_t k = 0; k < 2; ++k) {
            QCOMPARE(text(c.outputs[k].a), a[static_cast<int>(k)]);
            QCOMPARE(text(c.outputs[k].b), b[static_cast<int>(k)]);
            QVERIFY(!c.outputs[k].byPosition);
        }
        QVERIFY(c.outputs[0].sameShape());
        QVERIFY(!c.outputs[1].sameShape());
        QVERIFY(c.sameOutputStructure());
        QVERIFY(!c.sameOutputShape());
        // "Outputs differ: output.1 [2, 5] vs [2, 7]"
        QCOMPARE(QString::fromStdString(totalsComparison(c)[2]),
                 QStringLiteral("Outputs differ: ") + a[1] + QStringLiteral(" vs ") + b[1].section(QLatin1Char(' '), 1));

        const ModelComparison same = compareFiles(QStringLiteral("two_heads.py"), QStringLiteral("two_heads.py"), true);
        QVERIFY(same.sameOutputShape());
        QVERIFY(same.sameComputation());
        QCOMPARE(QString::fromStdString(totalsComparison(same)[2]), QStringLiteral("Same outputs: ") + a.join(QStringLiteral(", ")));
        // Before, two models returning tuples were "Same output: fails" whatever they returned.
        QVERIFY(totalsComparison(c)[2].find("fails") == std::string::npos);
    }

    // A dict against a namedtuple holding a tuple: no name in common, so the outputs pair in
    // order and the third is B's alone.
    void dictAgainstNamedTuple()
    {
        const ModelComparison c = compareFiles(QStringLiteral("vae_dict.py"), QStringLiteral("named_heads.py"), true);
        const QStringList a = referenceOutputs(QStringLiteral("vae_dict"));
        const QStringList b = referenceOutputs(QStringLiteral("named_heads"));
        QCOMPARE(c.outputs.size(), size_t(3));
        QCOMPARE(text(c.outputs[0].a), a[0]);
        QCOMPARE(text(c.outputs[0].b), b[0]);
        QCOMPARE(text(c.outputs[1].a), a[1]);
        QCOMPARE(text(c.outputs[1].b), b[1]);
        QVERIFY(c.outputs[0].byPosition && c.outputs[1].byPosition);
        QVERIFY(!c.outputs[2].a);
        QCOMPARE(text(c.outputs[2].b), b[2]);
        QCOMPARE(totalsComparison(c)[2], std::string("Outputs differ: A returns 2 tensors (output.mu, output.logvar), "
                                                     "B 3 tensors (output.logits, output.aux.0, output.aux.1)"));
    }

    // The compare view's difference line, computed by hand: |A - B| is 0, 0.5, (NaN, NaN) and 1.
    void differenceOfTwoTensors()
    {
        Tensor a(Shape{1, 4});
        Tensor b(Shape{1, 4});
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float x[] = {1.f, 2.f, nan, 4.f};
        const float y[] = {1.f, 2.5f, nan, 3.f};
        std::copy(x, x + 4, a.data());
        std::copy(y, y + 4, b.data());
        const auto d = tensorDifference(a, b);
        QVERIFY(d);
        QCOMPARE(d->count, int64_t(4));
        QCOMPARE(d->unequal, int64_t(2));
        QCOMPARE(d->maxAbs, 1.0);
        QCOMPARE(d->meanAbs, 1.5 / 4);
        QVERIFY(!tensorDifference(a, Tensor(Shape{4})));
        b.data()[0] = nan; // NaN against a number: the difference is NaN, as |nan - 1| is
        QVERIFY(std::isnan(tensorDifference(a, b)->maxAbs));
    }

    void emptySides()
    {
        auto a = fromCode(kSmall);
        // An input the first layer rejects: no call succeeds, nothing crashes.
        const ModelComparison c = compareModels(*a, Shape({1, 3, 8, 8}), *a, Shape({1, 1, 8, 8}));
        QVERIFY(!c.rows.empty());
        QVERIFY(c.rows[0].diff & kDiffFails);
        QVERIFY(!c.sameOutputShape());
        QVERIFY(c.outputs.empty());
        QCOMPARE(totalsComparison(c)[2], std::string("Output differs: fails vs [1, 10]"));
        const ModelComparison both = compareModels(*a, Shape({1, 3, 8, 8}), *a, Shape({1, 3, 8, 8}));
        QVERIFY(!both.sameOutputShape());
        QCOMPARE(totalsComparison(both)[2], std::string("Output: fails in both"));
    }
};

QTEST_APPLESS_MAIN(TestCompare)
#include "tst_compare.moc"
