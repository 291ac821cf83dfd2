// The one table of forward ops (engine/analysis/forwardop.h) says only what the code does.
//
// Every entry, in every spelling, runs its tiny example inside a forward on x of shape
// [2, 3, 4, 4] against PyTorch's answer (tests/data/forwardops/reference.json, written by
// gen_forwardops.py): the shape in the symbolic analysis; where the table says "data", the values
// of a run; where it says "backward", the gradient a training pass gives x. Where the table says
// no, ModuleLab must say so with the table's own message. docs/python-subset.md's "forward"
// section holds the table as `modulelab-cli subset` prints it.
#include "engine/analysis/analysis.h"
#include "engine/analysis/forwardop.h"
#include "engine/analysis/forwardoplisting.h"
#include "engine/python/importer.h"
#include "engine/train/tape.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <cstring>
#include <variant>

using namespace ml;
using detail::ForwardOp;
using detail::OpGradient;
using detail::Spelling;

namespace {

const Shape kInput{2, 3, 4, 4};

std::string inner(std::string_view example) { return std::string(example.substr(1, example.size() - 2)); }

// The call of `op` written as `how`, as gen_forwardops.py writes it.
std::string expression(const ForwardOp& op, Spelling how)
{
    const std::string on(op.on), name(op.name), example(op.example);
    switch (how) {
    case Spelling::Method: return on + "." + name + example;
    case Spelling::Attribute: return on + "." + name;
    case Spelling::Torch:
    case Spelling::Functional: {
        const std::string ns = how == Spelling::Torch ? "torch." : "F.";
        if (!op.receiver)
            return ns + name + example;
        const std::string args = inner(example);
        return ns + name + "(" + on + (args.empty() ? "" : ", " + args) + ")";
    }
    case Spelling::Operator: return op.symbol == "[]" ? on + example : on + " " + std::string(op.symbol) + " " + inner(example);
    }
    return {};
}

std::unique_ptr<Module> model(const std::string& expr, bool tensorOut)
{
    const std::string source = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
                               "class Op(nn.Module):\n    def forward(self, x):\n        y = "
        + expr + "\n" + (tensorOut ? "        if isinstance(y, tuple):\n            y = y[0]\n        return y\n" : "        return x\n")
        + "\n\nmodel = Op()\n";
    auto r = python::importPython(source, "op.py");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s: %s", expr.c_str(), e->toString().c_str());
    return std::move(std::get<python::ImportResult>(r).root);
}

Tensor filled(const Shape& s, double step, bool cosine)
{
    Tensor t(s);
    for (int64_t i = 0; i < t.numel(); ++i)
        t[i] = static_cast<float>(cosine ? std::cos(step * static_cast<double>(i)) : std::sin(step * static_cast<double>(i) + 0.1));
    return t;
}

std::string firstError(const Analysis& a)
{
    for (const Diagnostic& d : a.diagnostics)
        if (d.severity == Severity::Error)
            return d.message;
    return {};
}

bool close(const float* got, const QJsonArray& want, int64_t n, const std::string& what)
{
    if (want.size() != n) {
        qWarning("%s: %lld values, PyTorch %lld", what.c_str(), static_cast<long long>(n), static_cast<long long>(want.size()));
        return false;
    }
    for (int64_t i = 0; i < n; ++i) {
        const double w = want[static_cast<int>(i)].toDouble();
        if (std::fabs(got[i] - w) > 1e-5 + 1e-5 * std::fabs(w)) {
            qWarning("%s: element %lld is %.7g, PyTorch %.7g", what.c_str(), static_cast<long long>(i), double(got[i]), w);
            return false;
        }
    }
    return true;
}

QJsonObject readReferenceFile()
{
    QFile f(QStringLiteral(MODULELAB_TEST_DATA "/forwardops/reference.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    return QJsonDocument::fromJson(f.readAll()).object();
}

QJsonObject readReference()
{
    QJsonObject cases;
    for (const QJsonValue& c : readReferenceFile().value("cases").toArray())
        cases.insert(c.toObject().value("expr").toString(), c);
    return cases;
}


// The gradient of sum(model(x) * g) with respect to x from a training pass, against PyTorch's
// (g: filled(..., 0.11)); false with a warning when the pass fails or a value differs.
bool gradientAgrees(const Module& root, const Tensor& x, const QJsonArray& want, const std::string& expr)
{
    Tape tape;
    const Tensor* y = tape.forward(root, x);
    if (!y) {
        qWarning("%s: %s", expr.c_str(), tape.error().c_str());
        return false;
    }
    ParamGrads grads;
    const Tensor gx = tape.backward(filled(y->shape(), 0.11, true), grads);
    return close(gx.data(), want, gx.numel(), expr + " gradient");
}
// "[2, 3]" from PyTorch's shape list, as Shape::toString() prints it.
QString shapeText(const QJsonArray& dims)
{
    QStringList text;
    for (const QJsonValue& d : dims)
        text << QString::number(d.toInt());
    return "[" + text.join(", ") + "]";
}

// One reference case whose expression returns a tensor, run forward on x.
struct CaseRun {
    std::string expr;
    std::unique_ptr<Module> root;
    ForwardResult run;
    std::string error() const { return run.analysis.hasErrors() || !run.output ? expr + ": " + firstError(run.analysis) : std::string(); }
};

CaseRun runCase(const QJsonObject& c, const Tensor& x)
{
    CaseRun r;
    r.expr = c.value("expr").toString().toStdString();
    r.root = model(r.expr, true);
    r.run = runForward(*r.root, x);
    return r;
}
} // namespace

class TestForwardOps : public QObject {
    Q_OBJECT

private slots:
    void everyEntryDoesWhatTheTableSays_data()
    {
        QTest::addColumn<int>("entry");
        QTest::addColumn<int>("spelling");
        const std::vector<ForwardOp>& table = detail::forwardOps();
        for (size_t k = 0; k < table.size(); ++k)
            for (Spelling s : {Spelling::Method, Spelling::Attribute, Spelling::Torch, Spelling::Functional, Spelling::Operator})
                if (table[k].spellings & static_cast<unsigned>(s))
                    QTest::newRow(detail::spelled(table[k], s).c_str()) << static_cast<int>(k) << static_cast<int>(s);
    }

    void everyEntryDoesWhatTheTableSays()
    {
        QFETCH(int, entry);
        QFETCH(int, spelling);
        static const QJsonObject reference = readReference();
        const ForwardOp& op = detail::forwardOps()[static_cast<size_t>(entry)];
        const auto how = static_cast<Spelling>(spelling);
        QCOMPARE(detail::findForwardOp(how, how == Spelling::Operator ? op.symbol : op.name), &op);
        const std::string expr = expression(op, how);
        const QJsonObject ref = reference.value(QString::fromStdString(expr)).toObject();
        QVERIFY2(!ref.isEmpty(), ("no PyTorch answer for " + expr + ": run gen_forwardops.py").c_str());
        const bool tensorOut = op.gradient.via != OpGradient::Via::NoTensor;
        const std::unique_ptr<Module> root = model(expr, tensorOut);

        // Shapes: the symbolic analysis runs every entry.
        const Analysis a = analyze(*root, kInput);
        QVERIFY2(!a.hasErrors(), (expr + ": " + firstError(a)).c_str());
        if (tensorOut) {
            QVERIFY(a.outputShape);
            QCOMPARE(QString::fromStdString(a.outputShape->toString()), shapeText(ref.value("shape").toArray()));
        }

        // Data: a run gives PyTorch's values, or says that it cannot.
        const Tensor x = filled(kInput, 0.37, false);
        const ForwardResult run = runForward(*root, x);
        if (!op.data) {
            QCOMPARE(firstError(run.analysis), "not supported by ModuleLab yet: " + detail::notOnData(op, how));
            return;
        }
        QVERIFY2(!run.analysis.hasErrors(), (expr + ": " + firstError(run.analysis)).c_str());
        if (!tensorOut)
            return;
        QVERIFY(run.output);
        QVERIFY(close(run.output->data(), ref.value("values").toArray(), run.output->numel(), expr + " values"));

        // Backward: the gradient of sum(y * g) reaches x as in PyTorch, or training says it cannot.
        if (!detail::hasBackward(op)) {
            Tape tape;
            QVERIFY(!tape.forward(*root, x));
            QCOMPARE(tape.error(), "not supported by ModuleLab yet: " + detail::notInTraining(op, how));
            return;
        }
        QVERIFY(gradientAgrees(*root, x, ref.value("grad").toArray(), expr));
    }

    // Division and powers as PyTorch's CPU kernels compute them: every output element's float32
    // bits (x / 3.3 divides, it does not multiply by the reciprocal; 6 / x is x.reciprocal() * 6;
    // x ** 2 is x * x, x ** 0.5 a square root), and the gradient of each operand, summed over the
    // dims it was broadcast along.
    void divisionAndPowersArePyTorchsBitForBit()
    {
        const QJsonArray cases = readReferenceFile().value("exact").toArray();
        QVERIFY(cases.size() >= 8);
        const Tensor x = filled(kInput, 0.37, false);
        for (const QJsonValue& v : cases) {
            const CaseRun c = runCase(v.toObject(), x);
            QVERIFY2(c.error().empty(), c.error().c_str());
            const QJsonArray want = v.toObject().value("bits").toArray();
            QCOMPARE(c.run.output->numel(), static_cast<int64_t>(want.size()));
            for (int i = 0; i < want.size(); ++i) {
                uint32_t got = 0;
                std::memcpy(&got, c.run.output->data() + i, sizeof got);
                if (got != static_cast<uint32_t>(want[i].toDouble()))
                    QFAIL((c.expr + ": element " + std::to_string(i) + " differs from PyTorch's in its bits").c_str());
            }
            QVERIFY(gradientAgrees(*c.root, x, v.toObject().value("grad").toArray(), c.expr));
        }
    }

    // torch.matmul for every pairing of ranks (dot, mv, vector by matrix, mm, a batch by a matrix
    // and back, broadcast batches), bmm and mm: PyTorch's shapes, values and the gradient of x
    // through both operands.
    void matrixProductsAreMatmulsOfEveryRank()
    {
        const QJsonArray cases = readReferenceFile().value("products").toArray();
        QVERIFY(cases.size() >= 14);
        const Tensor x = filled(kInput, 0.37, false);
        for (const QJsonValue& v : cases) {
            const CaseRun c = runCase(v.toObject(), x);
            QVERIFY2(c.error().empty(), c.error().c_str());
            const QJsonObject ref = v.toObject();
            QCOMPARE(QString::fromStdString(c.run.output->shape().toString()), shapeText(ref.value("shape").toArray()));
            QVERIFY(close(c.run.output->data(), ref.value("values").toArray(), c.run.output->numel(), c.expr + " values"));
            QVERIFY(gradientAgrees(*c.root, x, ref.value("grad").toArray(), c.expr));
        }
    }

    // Where PyTorch refuses an op (an expand to sizes that do not fit, operands that do not
    // broadcast), ModuleLab fails there with PyTorch's own text.
    void refusalsCarryPyTorchsText()
    {
        const QJsonArray cases = readReferenceFile().value("errors").toArray();
        QVERIFY(cases.size() >= 5);
        for (const QJsonValue& v : cases) {
            const QJsonObject c = v.toObject();
            const std::string expr = c.value("expr").toString().toStdString();
            QString want = c.value("error").toString();
            want.remove(QStringLiteral("RuntimeError: ")); // "... do not broadcast (PyTorch: TEXT)"
            const Analysis a = analyze(*model(expr, true), kInput);
            const QString got = QString::fromStdString(firstError(a));
            QVERIFY2(got.contains(want), qPrintable(QString::fromStdString(expr) + ": " + got));
        }
    }

    void unknownNamesSayWhoseLimitItIs()
    {
        QCOMPARE(detail::unsupportedOp(Spelling::Method, "cumsum"), std::string("the tensor method .cumsum()"));
        // a spelling PyTorch lacks of an op the table has: what ModuleLab runs instead
        QCOMPARE(detail::unsupportedOp(Spelling::Method, "leaky_relu"), std::string("the tensor method .leaky_relu() (ModuleLab runs F.leaky_relu())"));
        QCOMPARE(detail::findForwardOp(Spelling::Method, "leaky_relu"), nullptr);
        // PyTorch has F.celu and F.rrelu (a name one edit from F.relu): ModuleLab's limit; it lacks
        // F.eluu and torch.cats: PyTorch's AttributeError (gen_torchnames.py lists PyTorch's names)
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"F.celu(x)", "not supported by ModuleLab yet: F.celu()"},
            {"F.rrelu(x)", "not supported by ModuleLab yet: F.rrelu()"},
            {"torch.cumsum(x, 1)", "not supported by ModuleLab yet: torch.cumsum()"},
            {"F.eluu(x)", "AttributeError: module 'torch.nn.functional' has no attribute 'eluu': did you mean 'F.elu'?"},
            {"F.qqqq(x)", "AttributeError: module 'torch.nn.functional' has no attribute 'qqqq'"},
            {"torch.cats([x, x])", "AttributeError: module 'torch' has no attribute 'cats': did you mean 'torch.cat'?"},
        };
        for (const auto& [expr, message] : cases) {
            const Analysis a = analyze(*model(expr, true), kInput);
            QCOMPARE(QString::fromStdString(firstError(a)), QString::fromStdString(message));
        }
    }

    void inPlaceOpsChangeEveryNameOrSayTheyCannot()
    {
        // y = x names the same tensor: PyTorch's x.mul_(2) changes y too, and so does ModuleLab's.
        const Tensor x = filled(kInput, 0.37, false);
        const std::unique_ptr<Module> aliased = model("x\n        x.mul_(2)\n        y = y + 0", true);
        const ForwardResult run = runForward(*aliased, x);
        QVERIFY2(run.output, firstError(run.analysis).c_str());
        for (int64_t i = 0; i < x.numel(); ++i)
            QCOMPARE((*run.output)[i], x[i] * 2);
        // In place on a value made in the call itself: nothing else sees it.
        const std::unique_ptr<Module> made = model("F.relu(x * 2, inplace=True)", true);
        const ForwardResult madeRun = runForward(*made, x);
        QVERIFY2(madeRun.output, firstError(madeRun.analysis).c_str());
        // In place on a slice or an attribute: ModuleLab cannot follow it, and says so.
        const std::unique_ptr<Module> slice = model("x[:, 0].mul_(2)", true);
        QCOMPARE(QString::fromStdString(firstError(runForward(*slice, x).analysis)),
                 QStringLiteral("not supported by ModuleLab yet: an in-place op on 'x[:, 0]' (ModuleLab changes names of a tensor "
                                "in place, not attributes, elements or slices)"));
    }

    void docsHoldTheTable()
    {
        QFile f(QStringLiteral(MODULELAB_DOCS "/python-subset.md"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const std::string docs = f.readAll().toStdString();
        const size_t forward = docs.find("\n## forward\n");
        QVERIFY(forward != std::string::npos);
        const size_t end = docs.find("\n## ", forward + 1);
        const std::string section = docs.substr(forward, end == std::string::npos ? std::string::npos : end - forward);
        QVERIFY2(section.find(forwardOpsMarkdown()) != std::string::npos,
                 "docs/python-subset.md's forward section must hold `modulelab-cli subset` verbatim");
    }
};

QTEST_GUILESS_MAIN(TestForwardOps)
#include "tst_forwardops.moc"
