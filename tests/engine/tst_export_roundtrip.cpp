// Every model file of the corpora that ModuleLab builds (tests/data/corpus and corpus-heldout)
// survives import -> export to Python -> import: the model read back from the exported code is
// compared with PyTorch's answers for the original file (corpusreference.h: repr, every node's
// type, parameters, shapes, calls and mult-adds, state_dict keys and shapes, the eval forward
// output), and exporting it again gives the same code. A file that stops surviving fails the
// test by name.

#include "corpusreference.h"

#include "engine/modelfile.h"
#include "engine/python/exporter.h"
#include "engine/python/importer.h"

#include <QDir>
#include <QTest>

using namespace ml;
using namespace corpus;

namespace {

struct Outcome {
    bool built = false;     // the original builds without errors and PyTorch runs it
    std::string problem;    // empty when the round trip keeps the model
};

bool hasError(const std::vector<Diagnostic>& diagnostics)
{
    return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

// The first custom module whose forward, helper methods or attributes differ (what forward runs:
// the same programs on the same tree compute the same numbers as the original, which the corpus
// test compares with PyTorch's).
std::string programDifference(const Module& a, const Module& b, const std::string& path = {})
{
    if (a.kind() == ModuleKind::Custom && b.kind() == ModuleKind::Custom) {
        const ForwardProgram& pa = static_cast<const CustomModule&>(a).program();
        const ForwardProgram& pb = static_cast<const CustomModule&>(b).program();
        auto sorted = [](std::vector<std::pair<std::string, Expr>> v) {
            std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
            return v;
        };
        if (pa.params != pb.params || pa.body != pb.body || pa.defaults != pb.defaults || pa.methods != pb.methods
            || sorted(pa.attributes) != sorted(pb.attributes))
            return "the forward of '" + path + "' (" + a.typeName() + ") changes:\n" + toSource(pa) + "\nread back as\n" + toSource(pb);
    }
    for (int k = 0; k < a.childCount() && k < b.childCount(); ++k)
        if (std::string d = programDifference(*a.child(k), *b.child(k), joinName(path, a.childName(k))); !d.empty())
            return d;
    return {};
}

Outcome roundTrip(const Entry& e, const QString& dir)
{
    Outcome out;
    const QJsonObject ref = readJsonFile(dir + "/reference/" + e.name + ".json");
    auto original = loadModelFile((dir + "/" + e.name + ".py").toStdString(), {e.className, e.args});
    if (ref.contains("error") || std::holds_alternative<ParseError>(original))
        return out;
    LoadedModel& loaded = std::get<LoadedModel>(original);
    if (hasError(loaded.diagnostics) || hasError(analyze(*loaded.root, e.input).diagnostics))
        return out;
    out.built = true;

    const std::string code = python::exportPython(*loaded.root, e.input);
    auto back = python::importPython(code, (e.name + ".exported.py").toStdString());
    if (auto* err = std::get_if<ParseError>(&back)) {
        out.problem = "the exported code does not import: " + err->toString();
        return out;
    }
    python::ImportResult& second = std::get<python::ImportResult>(back);
    const Analysis a = analyze(*second.root, e.input);
    for (const Diagnostic& d : a.diagnostics)
        if (d.severity == Severity::Error) {
            out.problem = "the exported code has an error at line " + std::to_string(d.loc.line) + ": " + d.message;
            return out;
        }
    out.problem = firstDifference(*second.root, e, a, ref, dir, false);
    if (out.problem.empty())
        out.problem = programDifference(*loaded.root, *second.root);
    if (out.problem.empty() && python::exportPython(*second.root, e.input) != code)
        out.problem = "exporting the model read back gives other code";
    return out;
}

} // namespace

class TestExportRoundTrip : public QObject {
    Q_OBJECT
private slots:
    void corpus_data();
    void corpus();
};

void TestExportRoundTrip::corpus_data()
{
    QTest::addColumn<QString>("dir");
    QTest::newRow("corpus") << QStringLiteral(MODULELAB_TEST_DATA "/corpus");
    QTest::newRow("corpus-heldout") << QStringLiteral(MODULELAB_TEST_DATA "/corpus-heldout");
}

void TestExportRoundTrip::corpus()
{
    QFETCH(QString, dir);
    const QJsonArray files = readJsonFile(dir + "/MANIFEST.json")["files"].toArray();
    QVERIFY(!files.isEmpty());
    int built = 0, kept = 0;
    QStringList problems;
    for (const QJsonValue& f : files) {
        const Entry e = entryOf(f.toObject());
        const Outcome o = roundTrip(e, dir);
        built += o.built;
        if (!o.built)
            continue;
        if (o.problem.empty())
            ++kept;
        else
            problems << e.name + QStringLiteral(": ") + QString::fromStdString(o.problem);
    }
    qInfo("%s: %d of %d files that ModuleLab builds survive export to Python and import", qPrintable(QDir(dir).dirName()), kept,
          built);
    for (const QString& p : problems)
        qWarning("%s", qPrintable(p));
    QVERIFY(built > 0);
    QVERIFY2(problems.isEmpty(), qPrintable(QString::number(problems.size()) + " files change in the round trip"));
}

QTEST_GUILESS_MAIN(TestExportRoundTrip)
#include "tst_export_roundtrip.moc"
