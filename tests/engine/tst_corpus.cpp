// Model files as their authors wrote them (tests/data/corpus, sources in its MANIFEST.json),
// each opened as modulelab-cli summary opens it and compared with PyTorch's answers
// (reference/NAME.json and .safetensors, written by gen_reference.py): repr, every node's type,
// parameters, shapes, calls and mult-adds, the totals, state_dict keys and shapes, and for models
// under 2M parameters the eval forward output with weights set by gen_reference.py's formula.
//
// Every file ends in one status line. expected_status.txt lists them; the test fails when a
// status changes (a refusal that starts passing must be taken off the list) and always when the
// engine accepts a file (exit 0) but a number differs from PyTorch, or PyTorch fails on it.
// MODULELAB_CORPUS_DIR=DIR runs another corpus (the held-out one has no status list: it only
// reports). MODULELAB_CORPUS_UPDATE=1 rewrites the list from what the engine does now.

#include "corpusreference.h"

#include "engine/modelfile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTest>

#include <cmath>
#include <map>

using namespace ml;

using namespace corpus;

namespace {

// "pass", "pytorch-fails ...", "refused FILE:LINE:COLUMN: ...", "error LINE:COLUMN: ..." or
// "WRONG: ..." (accepted with a number that is not PyTorch's).
std::string statusOf(const Entry& e, const QString& dir)
{
    const QJsonObject ref = readJsonFile(dir + "/reference/" + e.name + ".json");
    const bool torchFails = ref.contains("error");
    const std::string prefix = torchFails ? "pytorch-fails " : "";
    const std::string file = (e.name + ".py").toStdString();
    auto r = loadModelFile((dir + "/" + e.name + ".py").toStdString(), {e.className, e.args});
    if (auto* err = std::get_if<ParseError>(&r)) {
        ParseError located = *err;
        located.file = file;
        return prefix + "refused " + located.toString();
    }
    LoadedModel& loaded = std::get<LoadedModel>(r);
    Analysis a = analyze(*loaded.root, e.input);
    a.diagnostics.insert(a.diagnostics.begin(), loaded.diagnostics.begin(), loaded.diagnostics.end());
    for (const Diagnostic& d : a.diagnostics) {
        if (d.severity != Severity::Error)
            continue;
        return prefix + "error " + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": "
            + (d.path.empty() ? "" : d.path + ": ") + d.message;
    }
    if (torchFails)
        return "WRONG: accepted, but PyTorch fails: " + ref["error"].toString().toStdString();
    const std::string diff = firstDifference(*loaded.root, e, a, ref, dir);
    return diff.empty() ? "pass" : "WRONG: " + diff;
}

std::string oneLine(std::string s)
{
    for (char& c : s)
        if (c == '\n' || c == '\t')
            c = ' ';
    return s;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT
private slots:
    void corpus();
};

void TestCorpus::corpus()
{
    const QString dir = qEnvironmentVariableIsSet("MODULELAB_CORPUS_DIR") ? qEnvironmentVariable("MODULELAB_CORPUS_DIR")
                                                                           : QString(MODULELAB_TEST_DATA) + "/corpus";
    const QJsonArray files = readJsonFile(dir + "/MANIFEST.json")["files"].toArray();
    QVERIFY(!files.isEmpty());

    std::map<std::string, std::string> expected;
    const QString statusPath = dir + "/expected_status.txt";
    QFile sf(statusPath);
    const bool haveList = sf.open(QIODevice::ReadOnly | QIODevice::Text);
    while (haveList && !sf.atEnd()) {
        const QString line = QString::fromUtf8(sf.readLine()).chopped(1);
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype tab = line.indexOf('\t');
        expected[line.left(tab).toStdString()] = line.mid(tab + 1).toStdString();
    }

    int agree = 0;
    QStringList problems, lines;
    for (const QJsonValue& f : files) {
        const Entry e = entryOf(f.toObject());
        const std::string status = oneLine(statusOf(e, dir));
        const std::string name = e.name.toStdString();
        if (status == "pass" || status.rfind("pytorch-fails ", 0) == 0)
            ++agree;
        lines << QString::fromStdString(name + "\t" + status);
        if (status.rfind("WRONG", 0) == 0)
            problems << QString::fromStdString(name + ": " + status);
        else if (haveList && expected[name] != status)
            problems << QString::fromStdString(name + ": now '" + status + "', listed as '" + expected[name] + "'");
    }
    qInfo("%s: %d of %d files agree with PyTorch (%.0f%%)", qPrintable(QDir(dir).dirName()), agree,
          static_cast<int>(files.size()), 100.0 * agree / static_cast<double>(files.size()));
    if (!haveList || qEnvironmentVariableIsSet("MODULELAB_CORPUS_VERBOSE"))
        for (const QString& l : lines)
            qInfo("%s", qPrintable(l));
    if (qEnvironmentVariableIsSet("MODULELAB_CORPUS_UPDATE")) {
        QSaveFile out(statusPath);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Text));
        out.write("# name<TAB>status as tests/engine/tst_corpus.cpp computes it; keep it current.\n");
        out.write((lines.join('\n') + '\n').toUtf8());
        QVERIFY(out.commit());
    }
    for (const QString& p : problems)
        qWarning("%s", qPrintable(p));
    QVERIFY2(problems.isEmpty(), qPrintable(QString::number(problems.size()) + " corpus files differ from their expected status"));
}

QTEST_GUILESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
