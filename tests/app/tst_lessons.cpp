// Lessons are data: every step of every shipped lesson opens the model it names and selects a
// node that exists there; the player drives the main window (open, select, compare). Every step
// also has claims in tests/data/lessons/lesson_claims.json, checked here against what the engine
// computes and against PyTorch's answers in lessons_reference.json (make_lessons_reference.py).
#include "app/classroom/classroommode.h"
#include "app/compare/comparetraining.h"
#include "app/compare/compareview.h"
#include "app/document/document.h"
#include "app/document/modelfiles.h"
#include "app/document/moduletreemodel.h"
#include "app/lessons/lessonbook.h"
#include "app/lessons/lessonplayer.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"
#include "engine/analysis/analysis.h"
#include "engine/imageinput.h"
#include "engine/io/weights.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/names.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <QDockWidget>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QClipboard>
#include <QGuiApplication>
#include <QTest>
#include <QScrollBar>
#include <QTextDocument>

#include <optional>
#include <thread>
#include <variant>
#include <vector>

using namespace ml::ui;

namespace {

const QString kExamples = QStringLiteral(MODULELAB_EXAMPLES "/");
const QString kLessonData = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data/lessons/");

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString readText(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return QString::fromUtf8(f.readAll());
}

// "a/b/0" in PyTorch's reference: object keys and array indices separated by '/'.
QJsonValue referenceAt(const QJsonObject& ref, const QString& path)
{
    QJsonValue v = ref;
    for (const QString& part : path.split(QLatin1Char('/'))) {
        if (v.isArray())
            v = v.toArray().at(part.toInt());
        else if (v.isObject() && v.toObject().contains(part))
            v = v.toObject().value(part);
        else
            return QJsonValue(QJsonValue::Undefined);
    }
    return v;
}

// Lesson text with tags and entities gone, as a student reads it.
QString plainText(QString html)
{
    html.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    return html.replace(QStringLiteral("&lt;"), QStringLiteral("<")).replace(QStringLiteral("&gt;"), QStringLiteral(">"));
}

QString kindName(ml::ModuleKind k)
{
    switch (k) {
    case ml::ModuleKind::Sequential: return QStringLiteral("Sequential");
    case ml::ModuleKind::ModuleList: return QStringLiteral("ModuleList");
    case ml::ModuleKind::ModuleDict: return QStringLiteral("ModuleDict");
    case ml::ModuleKind::PlainList: return QStringLiteral("PlainList");
    case ml::ModuleKind::Custom: return QStringLiteral("Module");
    case ml::ModuleKind::Layer: return QStringLiteral("Layer");
    }
    return {};
}

struct Model {
    std::unique_ptr<ml::Module> root;
    ml::Shape input;
    ml::Analysis analysis;
};

Model loadExample(const QString& name, const QString& dir = kExamples)
{
    auto r = ml::loadModelFile((dir + name).toStdString());
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s: %s", qPrintable(name), e->message.c_str());
    ml::LoadedModel& loaded = std::get<ml::LoadedModel>(r);
    if (!loaded.inputShape)
        qFatal("%s states no input shape", qPrintable(name));
    Model m;
    m.input = loaded.inputShape.value();
    m.root = std::move(loaded.root);
    m.analysis = ml::analyze(*m.root, m.input);
    return m;
}

bool hasDiagnostic(const ml::Analysis& a, const std::string& node, const QString& severity, const QString& contains)
{
    for (const ml::Diagnostic& d : a.diagnostics)
        if (d.path == node && QString::fromUtf8(ml::severityName(d.severity).data()) == severity
            && QString::fromStdString(d.message).contains(contains))
            return true;
    return false;
}

QStringList quotedNames(const QString& text)
{
    QStringList out;
    QRegularExpressionMatchIterator it = QRegularExpression(QStringLiteral("\"([^\"]+)\"")).globalMatch(text);
    while (it.hasNext())
        out << it.next().captured(1);
    return out;
}

// Checks one claim of one step; returns what is wrong, or an empty string. A claim is an object
// with one check and optional "quote" (the step's text must say it), "after" (another example)
// or "dataModel" (a model in tests/data/lessons). Checks against the engine: children, params,
// ownParams, buffers, nodeShape, nodeInput, outputShape, kind, type, registered, trainingAfterEval, childTypes,
// childNames, stateDictKeys, stateDictKeyList, stateDictCount, namedModules, callOrderStartsWith,
// engineRunsDiffer, diagnostic, fix (the proposed edit gives the fixed example, which has no error or warning and
// which PyTorch runs in all four ways), loadWeights, engineOutput; against PyTorch: "pytorch"
// (a path into lessons_reference.json and the value found there).
class ClaimChecker {
public:
    ClaimChecker(const QJsonObject& reference, const QString& model, const QString& text)
        : m_ref(reference), m_modelName(model), m_text(plainText(text)), m_model(loadExample(model)) {}

    QString check(const QJsonObject& c)
    {
        // A claim about a model of its own (tests/data/lessons), such as a layer variant the
        // student makes by editing the step's model.
        if (c.contains(QStringLiteral("dataModel"))) {
            QJsonObject inner = c;
            inner.remove(QStringLiteral("dataModel"));
            ClaimChecker other(m_ref, QString(), m_text, loadExample(c.value(QStringLiteral("dataModel")).toString(), kLessonData));
            return other.check(inner);
        }
        if (c.contains(QStringLiteral("quote")) && !m_text.contains(c.value(QStringLiteral("quote")).toString()))
            return QStringLiteral("the text does not say '%1'").arg(c.value(QStringLiteral("quote")).toString());
        const QString kind = c.keys().contains(QStringLiteral("pytorch")) ? QStringLiteral("pytorch") : firstCheck(c);
        const QJsonValue arg = c.value(kind);
        const QJsonObject o = arg.toObject();
        const std::string node = o.value(QStringLiteral("node")).toString().toStdString();
        const ml::Module* n = node.empty() ? m_model.root.get() : m_model.root->findPath(node);
        if (o.contains(QStringLiteral("node")) && !n)
            return QStringLiteral("no node %1").arg(QString::fromStdString(node));
        const QString value = o.value(QStringLiteral("value")).toString();
        auto said = [&](const QString& v) { return m_text.contains(v) ? QString() : QStringLiteral("the text does not say '%1'").arg(v); };
        auto same = [&](const QString& engine, const QString& claimed) {
            return engine == claimed ? QString() : QStringLiteral("the engine says %1, the claim %2").arg(engine, claimed);
        };
        if (kind == QLatin1String("pytorch")) {
            const QJsonValue got = referenceAt(m_ref, arg.toString());
            if (got.isUndefined())
                return QStringLiteral("no %1 in lessons_reference.json").arg(arg.toString());
            const QJsonValue want = c.value(QStringLiteral("value"));
            if (got.isDouble() && want.isDouble() ? std::abs(got.toDouble() - want.toDouble()) > 1e-9 : got != want)
                return QStringLiteral("PyTorch says %1 is %2").arg(arg.toString(), QString::fromUtf8(QJsonDocument(QJsonArray{got}).toJson(QJsonDocument::Compact)));
            return {};
        }
        if (kind == QLatin1String("children"))
            return n->childCount() == o.value(QStringLiteral("count")).toInt() ? QString() : QStringLiteral("child count differs");
        if (kind == QLatin1String("params")) {
            const QString got = QString::fromStdString(ml::withThousands(ml::countParameters(*n).total));
            return same(got, value).isEmpty() ? said(value) : same(got, value);
        }
        if (kind == QLatin1String("ownParams")) {
            const QString got = QString::fromStdString(ml::withThousands(ml::ownParameterCount(*n)));
            return same(got, value).isEmpty() ? said(value) : same(got, value);
        }
        if (kind == QLatin1String("buffers")) {
            const QString got = QString::fromStdString(ml::withThousands(ml::countParameters(*n).buffers));
            return same(got, value).isEmpty() ? said(value) : same(got, value);
        }
        if (kind == QLatin1String("nodeShape") || kind == QLatin1String("nodeInput")) {
            const ml::NodeInfo* info = m_model.analysis.info(n);
            const std::optional<ml::Shape>& s = kind == QLatin1String("nodeShape") ? info->outputShape : info->inputShape;
            const QString got = s ? QString::fromStdString(s->toString()) : QStringLiteral("none");
            return same(got, value).isEmpty() && kind == QLatin1String("nodeShape") ? said(value) : same(got, value);
        }
        if (kind == QLatin1String("outputShape")) {
            const QString got = m_model.analysis.outputShape ? QString::fromStdString(m_model.analysis.outputShape->toString()) : QStringLiteral("none");
            return same(got, arg.toString()).isEmpty() ? said(arg.toString()) : same(got, arg.toString());
        }
        if (kind == QLatin1String("kind"))
            return same(kindName(n->kind()), value);
        if (kind == QLatin1String("trainingAfterEval")) { // model.eval(), then node.training
            ml::setTrainMode(*m_model.root, false);
            return n->training() == o.value(QStringLiteral("value")).toBool() ? QString() : QStringLiteral("training flag differs");
        }
        if (kind == QLatin1String("registered"))
            return n->isRegistered() == o.value(QStringLiteral("value")).toBool() ? QString() : QStringLiteral("registration differs");
        if (kind == QLatin1String("type"))
            return same(QString::fromStdString(n->typeName()), value);
        if (kind == QLatin1String("childTypes") || kind == QLatin1String("childNames")) {
            QStringList got, want;
            for (const ml::Module::Child& ch : n->children())
                got << QString::fromStdString(kind == QLatin1String("childTypes") ? ch.module->typeName() : ch.name);
            for (const QJsonValue& v : o.value(QStringLiteral("value")).toArray())
                want << v.toString();
            return same(got.join(QLatin1Char(',')), want.join(QLatin1Char(',')));
        }
        if (kind == QLatin1String("stateDictKeys")) {
            QStringList keys = stateKeys();
            for (const QJsonValue& v : arg.toArray()) {
                if (!keys.contains(v.toString()))
                    return QStringLiteral("no state_dict key %1").arg(v.toString());
                if (!m_text.contains(v.toString()))
                    return QStringLiteral("the text does not name %1").arg(v.toString());
            }
            return {};
        }
        if (kind == QLatin1String("stateDictKeyList")) {
            QStringList want;
            for (const QJsonValue& v : referenceAt(m_ref, arg.toString()).toArray())
                want << v.toString();
            return same(stateKeys().join(QLatin1Char(',')), want.join(QLatin1Char(',')));
        }
        if (kind == QLatin1String("stateDictCount"))
            return stateKeys().size() == arg.toInt() ? said(QString::number(arg.toInt()) + QStringLiteral(" keys")) : QStringLiteral("state_dict size differs");
        if (kind == QLatin1String("namedModules")) {
            QStringList got, want;
            for (const ml::NamedModule& nm : ml::namedModules(*m_model.root))
                got << QString::fromStdString(nm.path);
            for (const QJsonValue& v : referenceAt(m_ref, arg.toString()).toArray())
                want << v.toString();
            return same(got.join(QLatin1Char(',')), want.join(QLatin1Char(',')));
        }
        if (kind == QLatin1String("callOrderStartsWith")) {
            QStringList got;
            for (const ml::LayerCallRecord& r : m_model.analysis.layerCalls)
                got << QString::fromStdString(r.layer->path());
            QStringList want;
            for (const QJsonValue& v : arg.toArray())
                want << v.toString();
            return same(got.mid(0, want.size()).join(QLatin1Char(',')), want.join(QLatin1Char(',')));
        }
        if (kind == QLatin1String("diagnostic")) {
            const QString model = c.value(QStringLiteral("after")).toString();
            const ml::Analysis a = model.isEmpty() ? m_model.analysis : loadExample(model).analysis;
            return hasDiagnostic(a, node, o.value(QStringLiteral("severity")).toString(), o.value(QStringLiteral("contains")).toString())
                ? QString()
                : QStringLiteral("no %1 at '%2' containing '%3'").arg(o.value(QStringLiteral("severity")).toString(), QString::fromStdString(node),
                                                                     o.value(QStringLiteral("contains")).toString());
        }
        if (kind == QLatin1String("fix"))
            return checkFix(o);
        if (kind == QLatin1String("loadWeights"))
            return checkLoad(o);
        if (kind == QLatin1String("engineOutput"))
            return checkOutput(o);
        if (kind == QLatin1String("engineRunsDiffer"))
            return checkRunsDiffer(o);
        return QStringLiteral("unknown claim %1").arg(kind);
    }

private:
    ClaimChecker(const QJsonObject& reference, const QString& model, const QString& text, Model loaded)
        : m_ref(reference), m_modelName(model), m_text(text), m_model(std::move(loaded)) {}

    static QString firstCheck(const QJsonObject& c)
    {
        for (const QString& k : c.keys())
            if (k != QLatin1String("quote") && k != QLatin1String("after") && k != QLatin1String("dataModel"))
                return k;
        return {};
    }

    QStringList stateKeys() const
    {
        QStringList keys;
        for (const ml::StateEntry& e : ml::stateDict(*m_model.root))
            keys << QString::fromStdString(e.key);
        return keys;
    }

    // The fix the step proposes, applied to the step's source, is the fixed example: it loads
    // without the diagnostic, and PyTorch runs it (one image and a batch, eval and training with
    // a loss) without error.
    QString checkFix(const QJsonObject& o)
    {
        QString source = readText(kExamples + m_modelName);
        for (const QJsonValue& r : o.value(QStringLiteral("replace")).toArray()) {
            const QString from = r.toArray().at(0).toString(), to = r.toArray().at(1).toString();
            if (source.count(from) != 1)
                return QStringLiteral("'%1' is not once in %2").arg(from, m_modelName);
            source.replace(from, to);
        }
        const QString result = o.value(QStringLiteral("result")).toString();
        if (source != readText(kExamples + result))
            return QStringLiteral("the fix does not give %1").arg(result);
        const Model fixed = loadExample(result);
        if (o.contains(QStringLiteral("gone"))) {
            for (const ml::Diagnostic& d : fixed.analysis.diagnostics)
                if (d.severity == ml::Severity::Error && d.path == o.value(QStringLiteral("gone")).toString().toStdString())
                    return QStringLiteral("%1 still has an error: %2").arg(result, QString::fromStdString(d.message));
            return {};
        }
        for (const ml::Diagnostic& d : fixed.analysis.diagnostics)
            if (d.severity != ml::Severity::Info)
                return QStringLiteral("%1 still has: %2").arg(result, QString::fromStdString(d.message));
        const QJsonObject runs = m_ref.value(QStringLiteral("runs")).toObject().value(result).toObject();
        if (runs.size() != 4)
            return QStringLiteral("PyTorch did not run %1").arg(result);
        for (const QString& way : runs.keys())
            if (!runs.value(way).toObject().value(QStringLiteral("error")).isNull())
                return QStringLiteral("PyTorch fails %1 %2").arg(result, way);
        return {};
    }

    // Loading the checkpoint lists exactly the keys PyTorch's strict load_state_dict lists.
    QString checkLoad(const QJsonObject& o)
    {
        const ml::StateDictReport rep = ml::loadStateDict(*m_model.root, (kExamples + o.value(QStringLiteral("weights")).toString()).toStdString());
        if (rep.loaded)
            return QStringLiteral("the weights loaded");
        const QString engine = QString::fromStdString(rep.message());
        const QString torch = referenceAt(m_ref, o.value(QStringLiteral("reference")).toString()).toString();
        if (quotedNames(engine) != quotedNames(torch) || quotedNames(engine).isEmpty())
            return QStringLiteral("the engine says\n%1\nPyTorch\n%2").arg(engine, torch);
        for (const QString& part : {QStringLiteral("Missing key(s)"), QStringLiteral("Unexpected key(s)")})
            if (!engine.contains(part) || !m_text.contains(part))
                return QStringLiteral("'%1' is not in both").arg(part);
        return {};
    }

    // The claim's model with weights from its seed, and the first shipped sample (an Ankle boot).
    struct SampleRun {
        Model model;
        std::variant<ml::Tensor, std::string> input;
    };
    static SampleRun sampleRun(const QJsonObject& o)
    {
        SampleRun r{loadExample(o.value(QStringLiteral("model")).toString()), {}};
        ml::initWeights(*r.model.root, static_cast<uint64_t>(o.value(QStringLiteral("seed")).toInt()));
        r.input = ml::imagesToTensor({(kExamples + QStringLiteral("../samples/fashion-mnist/0000_ankle_boot.png")).toStdString()}, 1, 28, 28);
        return r;
    }

    // The engine's eval-mode output for the first shipped sample and a seed, as PyTorch computed it.
    QString checkOutput(const QJsonObject& o)
    {
        const SampleRun run = sampleRun(o);
        if (auto* err = std::get_if<std::string>(&run.input))
            return QString::fromStdString(*err);
        const ml::ForwardResult r = ml::runForward(*run.model.root, std::get<ml::Tensor>(run.input));
        if (!r.output)
            return QStringLiteral("no output");
        const float got = (*r.output)[o.value(QStringLiteral("index")).toInt()];
        const double want = o.value(QStringLiteral("value")).toDouble();
        return std::abs(got - want) < 1e-4 ? QString() : QStringLiteral("the engine gives %1, PyTorch %2").arg(got).arg(want);
    }

    // Run pressed twice: each run is a forward pass on a thread of its own, as the Run panel
    // makes one; the first output element of the two runs differs (or agrees) as claimed.
    QString checkRunsDiffer(const QJsonObject& o)
    {
        const SampleRun run = sampleRun(o);
        if (auto* err = std::get_if<std::string>(&run.input))
            return QString::fromStdString(*err);
        std::vector<float> outputs;
        for (int pass = 0; pass < 2; ++pass) {
            std::optional<ml::Tensor> out;
            std::thread worker([&] { out = ml::runForward(*run.model.root, std::get<ml::Tensor>(run.input)).output; });
            worker.join();
            if (!out)
                return QStringLiteral("no output");
            outputs.push_back((*out)[0]);
        }
        const bool differ = outputs[0] != outputs[1];
        return differ == o.value(QStringLiteral("value")).toBool()
            ? QString()
            : QStringLiteral("two runs give %1 and %2").arg(outputs[0]).arg(outputs[1]);
    }

    const QJsonObject& m_ref;
    QString m_modelName;
    QString m_text;
    Model m_model;
};

} // namespace

class TestLessons : public QObject {
    Q_OBJECT
private slots:
    void shippedLessonsParse()
    {
        const std::vector<Lesson> lessons = builtinLessons();
        QStringList ids;
        for (const Lesson& l : lessons)
            ids << l.id;
        QCOMPARE(ids, (QStringList{"module", "sequential", "modulelist", "moduledict", "plainlist", "findbug", "traineval",
                                   "devices", "buffers", "naming", "slicing", "named", "checkpoints", "whichone", "learning"}));
    }

    void parseErrorsNameTheStep()
    {
        auto r = parseLessons(R"({"format": "modulelab-lessons", "version": 1, "lessons": [
            {"title": "T", "steps": [{"open": "net.py", "text": "a"}, {"select": "x"}]}]})");
        QVERIFY(std::holds_alternative<QString>(r));
        QCOMPARE(std::get<QString>(r), QStringLiteral("lesson 'T', step 2: no text"));
        QVERIFY(std::holds_alternative<QString>(parseLessons("{")));
        QVERIFY(std::holds_alternative<QString>(parseLessons(R"({"format": "other"})")));
        auto first = parseLessons(R"({"format": "modulelab-lessons", "version": 1, "lessons": [
            {"title": "T", "steps": [{"text": "a"}]}]})");
        QCOMPARE(std::get<QString>(first), QStringLiteral("lesson 'T': the first step must open a model"));
        auto tab = parseLessons(R"({"format": "modulelab-lessons", "version": 1, "lessons": [
            {"title": "T", "steps": [{"open": "net.py", "text": "a", "compareTab": "Train"}]}]})");
        QCOMPARE(std::get<QString>(tab), QStringLiteral("lesson 'T', step 1: compareTab without compare"));
    }

    void everyStepOpensAndSelects()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        auto* tools = window.findChild<TeachingTools*>();
        QVERIFY(tools);
        LessonPlayer* player = tools->lessonPlayer();
        tools->showLessons();
        QVERIFY(tools->lessonsDock()->isVisibleTo(&window));
        int checked = 0;
        for (int l = 0; l < static_cast<int>(player->lessons().size()); ++l) {
            const Lesson& lesson = player->lessons()[static_cast<size_t>(l)];
            player->startLesson(l);
            for (int s = 0; s < static_cast<int>(lesson.steps.size()); ++s) {
                if (s > 0)
                    player->next();
                QCOMPARE(player->stepIndex(), s);
                const LessonStep& step = lesson.steps[static_cast<size_t>(s)];
                const QString where = lesson.id + QStringLiteral(" step ") + QString::number(s + 1);
                // The document shows the model the step names (or the one still open).
                auto expected = readModelFile(effectiveModel(lesson, s));
                QVERIFY2(std::holds_alternative<LoadedModel>(expected), qPrintable(where));
                QCOMPARE(ml::repr(*window.document()->root()), ml::repr(*std::get<LoadedModel>(expected).root));
                // The node exists and is the current one in the tree.
                QVERIFY2(window.document()->moduleAtDotted(step.select), qPrintable(where + ": no node " + step.select));
                QCOMPARE(window.treePanel()->currentIndex().data(ModuleTreeModel::DottedPathRole).toString(), step.select);
                QCOMPARE(player->textLabel()->text().remove(QChar(0x200B)), step.text); // less its code's break points
                if (step.compare.size() == 2) {
                    CompareView* view = tools->compareView();
                    QVERIFY(view->comparison());
                    QCOMPARE(view->label(0), step.compare[0]);
                    QCOMPARE(view->label(1), step.compare[1]);
                    if (!step.compareTab.isEmpty())
                        QCOMPARE(view->tabs()->tabText(view->tabs()->currentIndex()), step.compareTab);
                }
                ++checked;
            }
            // Back returns to the previous step's model and node.
            if (lesson.steps.size() > 1) {
                player->back();
                QCOMPARE(player->stepIndex(), static_cast<int>(lesson.steps.size()) - 2);
                QCOMPARE(window.treePanel()->currentIndex().data(ModuleTreeModel::DottedPathRole).toString(),
                         lesson.steps[lesson.steps.size() - 2].select);
            }
        }
        QVERIFY(checked >= 20);
    }

    // The learning lesson's compare steps open the compare view on its Train tab, even when the
    // view was left on another tab.
    void learningLessonOpensTheTrainTab()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        auto* tools = window.findChild<TeachingTools*>();
        QVERIFY(tools);
        LessonPlayer* player = tools->lessonPlayer();
        int lesson = -1;
        for (int l = 0; l < static_cast<int>(player->lessons().size()); ++l)
            if (player->lessons()[static_cast<size_t>(l)].id == QLatin1String("learning"))
                lesson = l;
        QVERIFY(lesson >= 0);
        CompareView* view = tools->compareView();
        QVERIFY(view->training());
        view->tabs()->setCurrentIndex(0);
        player->startLesson(lesson);
        QCOMPARE(player->lessons()[static_cast<size_t>(lesson)].steps[0].compareTab, QStringLiteral("Train"));
        QCOMPARE(view->tabs()->currentWidget(), static_cast<QWidget*>(view->training()));
        view->tabs()->setCurrentIndex(0); // the student looks at another tab, then goes on
        player->next(); // a step without compare keeps the tab
        QCOMPARE(view->tabs()->currentIndex(), 0);
        player->next();
        QCOMPARE(view->tabs()->currentWidget(), static_cast<QWidget*>(view->training()));
    }

    // Every step's statements: the numbers it quotes are the engine's, the fixes it proposes give
    // the fixed example and remove the diagnostic, and its behavioural claims are PyTorch's.
    void everyStepClaimHolds()
    {
        const QJsonObject claims = readJson(kLessonData + QStringLiteral("lesson_claims.json"));
        const QJsonObject reference = readJson(kLessonData + QStringLiteral("lessons_reference.json"));
        QStringList seen;
        for (const Lesson& lesson : builtinLessons()) {
            for (int s = 0; s < static_cast<int>(lesson.steps.size()); ++s) {
                const QString where = lesson.id + QLatin1Char('/') + QString::number(s + 1);
                seen << where;
                const QJsonArray checks = claims.value(where).toArray();
                QVERIFY2(!checks.isEmpty(), qPrintable(where + ": no claims checked"));
                const QString model = effectiveModel(lesson, s).remove(QStringLiteral(":/examples/"));
                ClaimChecker checker(reference, model, lesson.steps[static_cast<size_t>(s)].text);
                for (const QJsonValue& c : checks) {
                    const QString problem = checker.check(c.toObject());
                    QVERIFY2(problem.isEmpty(), qPrintable(where + ": " + problem));
                }
            }
        }
        for (const QString& key : claims.keys())
            QVERIFY2(seen.contains(key), qPrintable(key + ": no such step"));
    }

    // On a 1280x720 projector every step's text fits the lessons panel, in the normal window and
    // in classroom mode's large type: nothing is cut off.
    void noStepTextIsClipped_data()
    {
        QTest::addColumn<bool>("classroom");
        QTest::newRow("window") << false;
        QTest::newRow("classroom") << true;
    }

    void noStepTextIsClipped()
    {
        QFETCH(bool, classroom);
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        window.show();
        auto* tools = window.findChild<TeachingTools*>();
        LessonPlayer* player = tools->lessonPlayer();
        // Only the text matters here: the same lessons without opening their models.
        std::vector<Lesson> textOnly = builtinLessons();
        for (Lesson& l : textOnly)
            for (LessonStep& st : l.steps) {
                st.open.clear();
                st.compare.clear();
            }
        player->setLessons(textOnly);
        tools->showLessons();
        tools->classroom()->setActive(classroom);
        QLabel* text = player->textLabel();
        for (int l = 0; l < static_cast<int>(player->lessons().size()); ++l) {
            const Lesson& lesson = player->lessons()[static_cast<size_t>(l)];
            player->startLesson(l);
            for (int s = 0; s < static_cast<int>(lesson.steps.size()); ++s) {
                player->goToStep(s);
                for (int k = 0; k < 3; ++k) // the panel's new minimum height travels up through the dock's layout
                    QCoreApplication::processEvents();
                const QString where = lesson.id + QStringLiteral(" step ") + QString::number(s + 1);
                // Nothing is cut off at the right: the panel never scrolls sideways, so the
                // player must fit the width it is shown in.
                if (auto* area = qobject_cast<QAbstractScrollArea*>(player->parentWidget() ? player->parentWidget()->parentWidget() : nullptr))
                    QVERIFY2(player->width() <= area->viewport()->width(),
                             qPrintable(where + QStringLiteral(": the lesson is %1 px wide in a view of %2").arg(player->width()).arg(area->viewport()->width())));
                for (QPushButton* b : {player->backButton(), player->nextButton()})
                    QVERIFY2(b->width() >= b->fontMetrics().horizontalAdvance(b->text()), qPrintable(where + ": a button's label is cut"));
                // No line of the text is wider than the panel (code wraps after its dots).
                QTextDocument lines;
                lines.setDefaultFont(text->font());
                lines.setDocumentMargin(0);
                lines.setHtml(text->text());
                lines.setTextWidth(text->contentsRect().width());
                QVERIFY2(lines.idealWidth() <= text->contentsRect().width() + 1,
                         qPrintable(where + QStringLiteral(": a line is %1 px in a text %2 px wide").arg(lines.idealWidth()).arg(text->contentsRect().width())));
                const int textRight = text->mapTo(player, QPoint(text->width(), 0)).x();
                QVERIFY2(textRight <= player->width(),
                         qPrintable(where + QStringLiteral(": the text runs to %1 px in a panel %2 px wide").arg(textRight).arg(player->width())));
                // The whole text is in view: neither the text nor the panel scrolls.
                QVERIFY2(player->hiddenTextHeight() == 0,
                         qPrintable(where + QStringLiteral(": %1 px of the text scrolled out of view").arg(player->hiddenTextHeight())));
                if (auto* area = qobject_cast<QAbstractScrollArea*>(player->parentWidget() ? player->parentWidget()->parentWidget() : nullptr))
                    QVERIFY2(area->verticalScrollBar()->maximum() == 0,
                             qPrintable(where + QStringLiteral(": the panel scrolls by %1 px").arg(area->verticalScrollBar()->maximum())));
                const int needed = text->heightForWidth(text->contentsRect().width());
                QVERIFY2(needed <= text->contentsRect().height(),
                         qPrintable(where + QStringLiteral(": needs %1 px, has %2").arg(needed).arg(text->contentsRect().height())));
                // Nothing lies over the text: the buttons start below it, and the panel got the height it asked for.
                QVERIFY2(player->height() >= player->minimumSizeHint().height(),
                         qPrintable(where + QStringLiteral(": the panel is %1 px high, needs %2").arg(player->height()).arg(player->minimumSizeHint().height())));
                // (The text scrolls in its own view above the counter and the buttons.)
                const QWidget* textView = text->parentWidget()->parentWidget();
                const int textBottom = textView->mapTo(player, QPoint(0, textView->height())).y();
                for (const QPushButton* b : player->findChildren<QPushButton*>())
                    QVERIFY2(b->mapTo(player, QPoint(0, 0)).y() >= textBottom, qPrintable(where + ": a button covers the text"));
                if (const QByteArray dir = qgetenv("LESSON_SHOTS"); !dir.isEmpty())
                    window.grab().save(QString::fromLocal8Bit(dir)
                                       + QStringLiteral("/%1%2_%3.png").arg(classroom ? "classroom_" : "", lesson.id).arg(s + 1));
            }
        }
    }

    // Code copied from a lesson is the code as written: the breaks that let it wrap in a narrow
    // panel (zero-width spaces after dots and brackets) stay out of the clipboard.
    void copiedCodeIsTheCodeAsWritten()
    {
        LessonPlayer player;
        Lesson lesson;
        lesson.id = QStringLiteral("copy");
        lesson.title = QStringLiteral("Copy");
        LessonStep step;
        step.text = QStringLiteral("Run <code>model.register_buffer('mean', torch.zeros(3))</code> here.");
        lesson.steps = {step};
        player.setLessons({lesson});
        player.resize(240, 400);
        player.show();
        player.startLesson(0);
        QLabel* text = player.textLabel();
        QVERIFY(text->text().contains(QChar(0x200B))); // it may wrap after its dots and brackets
        QTextDocument shown;
        shown.setHtml(text->text());
        text->setSelection(0, static_cast<int>(shown.toPlainText().size()));
        QVERIFY(text->hasSelectedText());
        QTest::keySequence(text, QKeySequence::Copy);
        const QString copied = QGuiApplication::clipboard()->text();
        QVERIFY2(copied.contains(QLatin1String("model.register_buffer('mean', torch.zeros(3))")), qPrintable(copied));
        QVERIFY(!copied.contains(QChar(0x200B)));
    }

    void findTheBugPointsAtTheSeedBugs()
    {
        MainWindow window;
        window.setQuiet(true);
        auto* tools = window.findChild<TeachingTools*>();
        LessonPlayer* player = tools->lessonPlayer();
        int index = -1;
        for (size_t l = 0; l < player->lessons().size(); ++l)
            if (player->lessons()[l].id == QLatin1String("findbug"))
                index = static_cast<int>(l);
        QVERIFY(index >= 0);
        player->startLesson(index);
        QStringList bugNodes;
        for (size_t s = 0; s < player->lessons()[static_cast<size_t>(index)].steps.size(); ++s) {
            player->goToStep(static_cast<int>(s));
            const QString sel = player->lessons()[static_cast<size_t>(index)].steps[s].select;
            // An error or warning diagnostic sits at the node (or, for the view bug, at the root).
            for (const ml::Diagnostic& d : window.document()->diagnostics())
                if (d.severity != ml::Severity::Info && !sel.isEmpty() && QString::fromStdString(d.path) == sel)
                    bugNodes << sel;
        }
        QVERIFY(bugNodes.contains(QStringLiteral("bn2")));
        QVERIFY(bugNodes.contains(QStringLiteral("module_list.7")));
    }
};

QTEST_MAIN(TestLessons)
#include "tst_lessons.moc"
