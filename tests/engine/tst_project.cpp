#include "engine/io/json.h"
#include "engine/io/project.h"
#include "engine/io/weights.h"
#include "engine/layer.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <random>

using namespace ml;

namespace {

const std::string kData = MODULELAB_TEST_DATA;

std::string fileText(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", path.c_str());
    return f.readAll().toStdString();
}

const char* kProjects[] = {"net", "net_fixed", "net_sequential", "net_sequential_fixed", "net_sequential_viewbug",
                           "net_modulelist", "net_modulelist_fixed", "tiny_cnn"};

std::string projectPath(const char* name) { return kData + "/projects/" + name + ".mlab"; }

// The fixture JSON PyTorch wrote for a project file.
std::string referencePath(const std::string& name)
{
    return name == "tiny_cnn" ? kData + "/numeric/tiny_cnn.json" : kData + "/seed/" + name + ".json";
}

Project loadOk(const std::string& path)
{
    auto r = loadProject(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<Project>(std::move(r));
}

// Line and column (1-based) of a byte offset in ASCII text.
SourceLoc locOf(const std::string& text, size_t offset)
{
    SourceLoc loc{1, 1};
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++loc.line;
            loc.column = 1;
        } else {
            ++loc.column;
        }
    }
    return loc;
}

std::string wrap(const std::string& model, const std::string& shape = "[1, 1, 28, 28]")
{
    return "{\"format\": \"modulelab-project\", \"version\": 1, \"input_shape\": " + shape + ", \"weights\": null, \"model\": "
        + model + "}";
}

std::string net(const std::string& children, const std::string& body = R"([{"return": "x"}])")
{
    return R"({"class": "Net", "children": )" + children + R"(, "forward": {"params": ["x"], "body": )" + body + "}}";
}

std::string replaced(std::string s, const std::string& from, const std::string& to)
{
    return s.replace(s.find(from), from.size(), to);
}

// Parses arbitrary text; on success the project must survive a write/read round trip.
void parseAnything(const std::string& text)
{
    auto r = parseProject(text, "m.mlab");
    if (auto* e = std::get_if<ParseError>(&r)) {
        QVERIFY(!e->message.empty());
        QVERIFY(e->loc.valid());
        return;
    }
    const Project& p = std::get<Project>(r);
    const std::string json = projectToJson(p);
    auto again = parseProject(json, "again.mlab");
    QVERIFY(std::holds_alternative<Project>(again));
    QCOMPARE(projectToJson(std::get<Project>(again)), json);
}

} // namespace

class TestProject : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void matchesPyTorch_data();
    void matchesPyTorch();
    void forwardMatchesSource();
    void tinyCnnWeights();
    void saveAndLoad();
    void argTypesKept();
    void errors_data();
    void errors();
    void expressionErrorsPointIntoFile();
    void deepNesting();
    void hugeLayerIsMetadataOnly();
    void truncatedFiles();
    void mutatedFiles();
    void randomBytes();
};

void TestProject::initTestCase()
{
    QVERIFY2(findLayerSchema("Conv2d"), "the layer registry is empty");
}

void TestProject::roundTrip_data()
{
    QTest::addColumn<QString>("name");
    for (const char* n : kProjects)
        QTest::newRow(n) << QString(n);
}

void TestProject::roundTrip()
{
    QFETCH(QString, name);
    const std::string path = projectPath(name.toUtf8().constData());
    const Project p = loadOk(path);
    const std::string json = projectToJson(p);
    QCOMPARE(json, fileText(path)); // the files are in canonical form
    auto again = parseProject(json, "again.mlab");
    QVERIFY(std::holds_alternative<Project>(again));
    const Project& q = std::get<Project>(again);
    QCOMPARE(repr(*q.root), repr(*p.root));
    QCOMPARE(projectToJson(q), json);
    QCOMPARE(q.inputShape, p.inputShape);
    QCOMPARE(q.weightsPath, p.weightsPath);
    const auto& a = static_cast<const CustomModule&>(*p.root).program();
    const auto& b = static_cast<const CustomModule&>(*q.root).program();
    QVERIFY(a == b);
}

void TestProject::matchesPyTorch_data()
{
    roundTrip_data();
}

void TestProject::matchesPyTorch()
{
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    const Project p = loadOk(projectPath(n.c_str()));
    auto ref = parseJson(fileText(referencePath(n)));
    QVERIFY(std::holds_alternative<JsonValue>(ref));
    const JsonValue& r = std::get<JsonValue>(ref);
    QCOMPARE(repr(*p.root), r.find("repr")->stringValue());
    std::vector<std::string> keys;
    for (const StateEntry& e : stateDict(*p.root))
        keys.push_back(e.key);
    std::vector<std::string> refKeys;
    for (const JsonValue& k : r.find("state_dict_keys")->items())
        refKeys.push_back(k.stringValue());
    QCOMPARE(keys, refKeys);
    QCOMPARE(countParameters(*p.root).total, r.find("total_params")->intValue());
    // The input shape comes from the "# input:" comment of the Python file.
    const std::string py = fileText(n == "tiny_cnn" ? kData + "/numeric/tiny_cnn.py" : kData + "/seed/" + n + ".py");
    const size_t at = py.find("# input: ");
    QVERIFY(at != std::string::npos);
    std::string dims = py.substr(at + 9, py.find('\n', at) - at - 9);
    std::string shape = p.inputShape.toString();
    shape.erase(std::remove(shape.begin(), shape.end(), ' '), shape.end());
    QCOMPARE(shape, "[" + dims + "]");
}

void TestProject::forwardMatchesSource()
{
    // forward() written back from the project equals the Python of the fixture, comments aside.
    for (const char* n : kProjects) {
        const std::string name = n;
        const Project p = loadOk(projectPath(n));
        const std::string py = fileText(name == "tiny_cnn" ? kData + "/numeric/tiny_cnn.py" : kData + "/seed/" + name + ".py");
        const size_t begin = py.find("    def forward");
        const size_t end = py.find("\n\n", begin);
        std::string expected;
        size_t pos = begin;
        while (pos < end) {
            const size_t nl = std::min(py.find('\n', pos), end);
            std::string line = py.substr(pos, nl - pos);
            if (const size_t hash = line.find(" #"); hash != std::string::npos)
                line.erase(hash);
            expected += (expected.empty() ? "" : "\n") + line;
            pos = nl + 1;
        }
        QCOMPARE(toSource(static_cast<const CustomModule&>(*p.root).program(), 1), expected);
    }
}

void TestProject::tinyCnnWeights()
{
    const std::string path = projectPath("tiny_cnn");
    Project p = loadOk(path);
    QCOMPARE(p.weightsPath, std::string("../numeric/tiny_cnn.weights.safetensors"));
    const std::string weights = resolveWeightsPath(path, p.weightsPath);
    QCOMPARE(weights, QDir::cleanPath(QString::fromStdString(kData + "/numeric/tiny_cnn.weights.safetensors")).toStdString());
    const StateDictReport report = loadStateDict(*p.root, weights);
    QVERIFY2(report.loaded, report.message().c_str());
    QCOMPARE(report.notes.size(), size_t(2)); // num_batches_tracked of both BatchNorms defaulted
    QVERIFY(p.root->findPath("features.0")->hasTensors());
    QVERIFY(p.root->findPath("head.3")->hasTensors());
    QCOMPARE(p.root->findPath("features.1")->tensor("num_batches_tracked")->numel(), int64_t(1));
}

void TestProject::saveAndLoad()
{
    QTemporaryDir dir;
    const Project p = loadOk(projectPath("net_sequential_fixed"));
    const std::string path = dir.filePath("saved.mlab").toStdString();
    QVERIFY(!saveProject(p, path));
    QVERIFY(!saveProject(p, path)); // overwrite
    QCOMPARE(fileText(path), projectToJson(p));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"saved.mlab"});
    const Project q = loadOk(path);
    QCOMPARE(repr(*q.root), repr(*p.root));
    const auto err = saveProject(p, dir.filePath("missing/dir/x.mlab").toStdString());
    QVERIFY(err && err->find("missing/dir/x.mlab") != std::string::npos);
    Project empty;
    QVERIFY(saveProject(empty, path).has_value());
    QCOMPARE(fileText(path), projectToJson(p)); // untouched by the failed save
    auto missing = loadProject(dir.filePath("nope.mlab").toStdString());
    QVERIFY(std::get<ParseError>(missing).message.find("cannot open") != std::string::npos);
}

void TestProject::argTypesKept()
{
    const std::string text = wrap(net(R"([{"name": "bn", "layer": "BatchNorm2d", "args": {"num_features": 4, "eps": 0.001, "momentum": 1.0}},
        {"name": "pool", "layer": "MaxPool2d", "args": {"kernel_size": [2, 2]}},
        {"name": "pool2", "layer": "MaxPool2d", "args": {"kernel_size": 2, "stride": null}},
        {"name": "conv", "layer": "Conv2d", "args": {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "padding": "same", "bias": false}}])"));
    auto r = parseProject(text, "a.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        QFAIL(e->toString().c_str());
    const Project& p = std::get<Project>(r);
    const auto& bn = static_cast<const Layer&>(*p.root->findChild("bn"));
    QCOMPARE(bn.arg("momentum").type, ArgValue::Type::Float); // 1.0 stays a float
    QCOMPARE(bn.arg("eps").f, 0.001);
    QCOMPARE(static_cast<const Layer&>(*p.root->findChild("pool")).arg("kernel_size").type, ArgValue::Type::Tuple);
    QCOMPARE(static_cast<const Layer&>(*p.root->findChild("conv")).arg("padding").s, std::string("same"));
    const std::string json = projectToJson(p);
    QVERIFY(json.find("\"momentum\": 1.0") != std::string::npos);
    QVERIFY(json.find("\"kernel_size\": [2, 2]") != std::string::npos);
    QVERIFY(json.find("\"bias\": false") != std::string::npos);
    QVERIFY(json.find("\"stride\"") == std::string::npos); // default None is not written
    auto again = parseProject(json);
    QCOMPARE(repr(*std::get<Project>(again).root), repr(*p.root));
}

void TestProject::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("needle"); // the error points at its first occurrence
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, const std::string& text, const char* needle, const std::string& msg) {
        QTest::newRow(name) << QString::fromStdString(text) << QString(needle) << QString::fromStdString(msg);
    };
    const std::string relu = R"({"name": "act", "layer": "ReLU"})";
    row("unknown version", R"({"format": "modulelab-project", "version": 7, "model": {}})", "7",
        "unsupported project version 7; this ModuleLab reads version 1");
    row("version as string", R"({"format": "modulelab-project", "version": "1"})", "\"1\"", "version must be an integer, got a string");
    row("wrong format", R"({"format": "other", "version": 1})", "\"other\"",
        "not a ModuleLab project: \"format\" must be \"modulelab-project\"");
    row("not an object", "[1, 2]", "[", "a project file must be an object, got an array");
    row("missing version", R"({"format": "modulelab-project"})", "{", "the project file is missing the field \"version\"");
    row("missing model", R"({"format": "modulelab-project", "version": 1, "input_shape": [1], "weights": null})", "{",
        "the project file is missing the field \"model\"");
    row("unknown field", R"({"format": "modulelab-project", "version": 1, "inputshape": [1]})", "\"inputshape\"",
        "unknown field \"inputshape\" in the project file: did you mean \"input_shape\"?");
    row("zero dim", wrap(net("[]"), "[1, 0, 28]"), "0,", "input_shape must be an array of positive integers, got 0");
    row("negative dim", wrap(net("[]"), "[1, -3]"), "-3", "input_shape must be an array of positive integers, got -3");
    row("empty shape", wrap(net("[]"), "[]"), "[]", "input_shape must be an array of positive integers, got an empty array");
    row("shape string", wrap(net("[]"), "\"1,28\""), "\"1,28\"", "input_shape must be an array of positive integers, got a string");
    row("weights number", R"({"format": "modulelab-project", "version": 1, "input_shape": [1], "weights": 3, "model": {}})", "3,",
        "weights (a path or null) must be a string, got an integer");
    row("unknown layer", wrap(net(R"([{"name": "c", "layer": "Conv2D", "args": {}}])")), "\"Conv2D\"",
        "unknown layer type 'Conv2D': did you mean 'Conv2d'?");
    row("missing required arg", wrap(net(R"([{"name": "c", "layer": "Conv2d", "args": {"in_channels": 1, "out_channels": 2}}])")),
        "{\"in_channels\"", "Conv2d() missing required argument 'kernel_size'");
    row("misspelt arg", wrap(net(R"([{"name": "c", "layer": "Linear", "args": {"in_features": 1, "out_feature": 2}}])")), "2}",
        "Linear() got an unexpected keyword argument 'out_feature': did you mean 'out_features'?");
    row("negative size", wrap(net(R"([{"name": "fc", "layer": "Linear", "args": {"in_features": -5, "out_features": 2}}])")), "-5",
        "in_features must be a positive integer, got -5");
    row("arg wrong type", wrap(net(R"([{"name": "fc", "layer": "Linear", "args": {"in_features": "8", "out_features": 2}}])")),
        "\"8\"", "Linear: in_features must be int, got '8'");
    row("arg object", wrap(net(R"([{"name": "fc", "layer": "Linear", "args": {"in_features": {}, "out_features": 2}}])")), "{}",
        "argument 'in_features' must be null, true/false, a number, a string or an array of integers");
    row("tuple of floats", wrap(net(R"([{"name": "p", "layer": "MaxPool2d", "args": {"kernel_size": [2, 2.0]}}])")), "2.0",
        "argument 'kernel_size': a tuple may hold integers only, got a float");
    row("args not object", wrap(net(R"([{"name": "a", "layer": "ReLU", "args": []}])")), "[]}",
        "args of ReLU must be an object, got an array");
    row("unknown node field", wrap(net(R"([{"name": "a", "layer": "ReLU", "argz": {}}])")), "\"argz\"",
        "unknown field \"argz\" in a layer node: did you mean \"args\"?");
    const std::string dup = wrap(net("[" + relu + ",\n " + R"({"layer": "Tanh", "name": "act"}])"));
    const SourceLoc first = locOf(dup, dup.find("\"act\""));
    row("duplicate child", dup, "\"act\"}", "duplicate child name \"act\" (first at line 1, column " + std::to_string(first.column) + ")");
    row("invalid identifier", wrap(net(R"([{"name": "conv-1", "layer": "ReLU"}])")), "\"conv-1\"",
        "child name \"conv-1\" is not a valid Python identifier");
    row("keyword name", wrap(net(R"([{"name": "class", "layer": "ReLU"}])")), "\"class\", \"layer\"",
        "child name \"class\" is not a valid Python identifier");
    row("child without name", wrap(net(R"([{"layer": "ReLU"}])")), "{\"layer\"", "a child of Net needs a \"name\"");
    row("name not string", wrap(net(R"([{"name": 3, "layer": "ReLU"}])")), "3,", "name must be a string, got an integer");
    row("dict without name", wrap(net(R"([{"name": "d", "container": "ModuleDict", "children": [{"layer": "ReLU"}]}])")),
        "{\"layer\"", "a child of ModuleDict needs a \"name\"");
    row("sequential mixed names",
        wrap(net(R"([{"name": "s", "container": "Sequential", "children": [{"name": "a", "layer": "ReLU"}, {"layer": "Tanh"}]}])")),
        "{\"layer\"", "name every child of this Sequential or none of them");
    row("sequential wrong position",
        wrap(net(R"([{"name": "s", "container": "Sequential", "children": [{"name": "5", "layer": "ReLU"}]}])")), "\"5\"",
        "child name \"5\" of a Sequential must be its position 0 or an identifier");
    row("no kind", wrap(net(R"([{"name": "a"}])")), "{\"name\": \"a\"}", "a model node needs one of \"layer\", \"container\" or \"class\"");
    row("two kinds", wrap(net(R"([{"name": "a", "layer": "ReLU", "container": "Sequential"}])")), "{\"name\": \"a\"",
        "a model node has exactly one of \"layer\", \"container\" or \"class\"");
    row("unknown container", wrap(net(R"([{"name": "s", "container": "Sequentail", "children": []}])")), "\"Sequentail\"",
        "unknown container \"Sequentail\" (Sequential, ModuleList, ModuleDict or list): did you mean \"Sequential\"?");
    row("children missing", wrap(net(R"([{"name": "s", "container": "ModuleList"}])")), "{\"name\": \"s\"",
        "ModuleList node is missing the field \"children\"");
    row("bad class name", wrap(R"({"class": "1Net", "children": [], "forward": {"params": ["x"], "body": []}})"), "\"1Net\"",
        "class name \"1Net\" is not a valid Python identifier");
    row("forward missing", wrap(R"({"class": "Net", "children": []})"), "{\"class\"", "module Net is missing the field \"forward\"");
    row("root with name", wrap(R"({"name": "m", "layer": "ReLU"})"), "\"name\"", "unknown field \"name\" in the model node");
    row("self param", wrap(replaced(net("[]"), "[\"x\"]", "[\"self\", \"x\"]")), "\"self\"",
        "\"self\" is implicit; list only the parameters after it");
    row("duplicate param", wrap(replaced(net("[]"), "[\"x\"]", "[\"x\", \"x\"]")), "\"x\"]", "duplicate parameter \"x\"");
    row("unknown statement", wrap(net("[]", R"([{"print": "x"}])")), "{\"print\"",
        "a statement needs one of \"assign\", \"for\", \"return\" or \"code\"");
    row("bad target", wrap(net("[]", R"([{"assign": "self.x", "value": "x"}])")), "\"self.x\"",
        "assignment target \"self.x\" is not a valid Python identifier");
    row("assign without value", wrap(net("[]", R"([{"assign": "y"}])")), "{\"assign\"", "the assignment is missing the field \"value\"");
    row("empty for body", wrap(net("[]", R"([{"for": ["m"], "in": "self.layers", "body": []}])")), "[]}",
        "the body of a for loop needs at least one statement");
    row("three loop variables", wrap(net("[]", R"([{"for": ["a", "b", "c"], "in": "x", "body": [{"return": "x"}]}])")),
        "[\"a\"", "a for loop has one or two loop variables");
    row("json error", "{\"format\": \"modulelab-project\",\n \"version\": 1,}", "}", "trailing comma before '}'");
    // A name quoted from the file keeps the whole message: a NUL does not cut it short and an
    // escape sequence does not reach the terminal.
    row("NUL in a class name", wrap(R"({"class": "N\u0000x", "children": [], "forward": {"params": ["x"], "body": []}})"),
        "\"N\\u0000x\"", "class name \"N\\u0000x\" is not a valid Python identifier");
    row("escape in a child name", wrap(net(R"([{"name": "a\u001b[31m", "layer": "ReLU"}])")), "\"a\\u001b",
        "child name \"a\\u001b[31m\" is not a valid Python identifier");
    row("escape in a duplicate key", R"({"format": "modulelab-project", "k\u001b": 1, "k\u001b": 2})", "\"k\\u001b\": 2",
        "duplicate key \"k\\u001b\" (first at line 1, column 33)");
}

void TestProject::errors()
{
    QFETCH(QString, text);
    QFETCH(QString, needle);
    QFETCH(QString, message);
    const std::string t = text.toStdString();
    auto r = parseProject(t, "e.mlab");
    QVERIFY2(std::holds_alternative<ParseError>(r), "no error");
    const ParseError& e = std::get<ParseError>(r);
    QCOMPARE(QString::fromStdString(e.message), message);
    const size_t at = t.find(needle.toStdString());
    QVERIFY(at != std::string::npos);
    const SourceLoc expected = locOf(t, at);
    QCOMPARE(e.loc.line, expected.line);
    QCOMPARE(e.loc.column, expected.column);
    QCOMPARE(e.file, std::string("e.mlab"));
}

void TestProject::expressionErrorsPointIntoFile()
{
    const std::string text = wrap(net("[]", "[\n  {\"assign\": \"x\", \"value\": \"self.conv1(x\"}]"));
    auto r = parseProject(text, "x.mlab");
    QVERIFY(std::holds_alternative<ParseError>(r));
    const ParseError& e = std::get<ParseError>(r);
    QCOMPARE(e.file, std::string("x.mlab"));
    QCOMPARE(e.loc.line, 2);
    const int stringStart = 29; // column of the first character inside "self.conv1(x"
    QVERIFY2(e.loc.column >= stringStart && e.loc.column <= stringStart + 12, e.toString().c_str());
    QVERIFY(!e.message.empty());
    // A valid expression gets locations inside the file too.
    const std::string ok = wrap(net("[]", "[\n  {\"return\": \"F.relu(x)\"}]"));
    const Project p = std::get<Project>(parseProject(ok, "ok.mlab"));
    const Stmt& s = static_cast<const CustomModule&>(*p.root).program().body[0];
    QCOMPARE(s.loc, (SourceLoc{2, 3}));
    QCOMPARE(s.value.loc.line, 2);
    QVERIFY(s.value.loc.column >= 15 && s.value.loc.column <= 24);
}

void TestProject::deepNesting()
{
    // 10000 nested containers: rejected by the JSON nesting limit, quickly and without recursion.
    std::string deep;
    for (int k = 0; k < 10000; ++k)
        deep += R"({"container": "Sequential", "children": [)";
    auto r = parseProject(wrap(deep), "deep.mlab");
    QCOMPARE(std::get<ParseError>(r).message, std::string("nesting deeper than 200 levels"));
    std::string brackets = wrap(std::string(10000, '[') + std::string(10000, ']'));
    QCOMPARE(std::get<ParseError>(parseProject(brackets)).message, std::string("nesting deeper than 200 levels"));
    // Within the JSON limit, the module depth limit applies.
    auto nest = [](int depth) {
        std::string s;
        for (int k = 0; k < depth; ++k)
            s += R"({"container": "Sequential", "children": [)";
        s += R"({"layer": "ReLU"})";
        for (int k = 0; k < depth; ++k)
            s += "]}";
        return s;
    };
    auto tooDeep = parseProject(wrap(nest(kProjectMaxModuleDepth)), "n.mlab");
    QCOMPARE(std::get<ParseError>(tooDeep).message, "modules nested deeper than " + std::to_string(kProjectMaxModuleDepth) + " levels");
    auto ok = parseProject(wrap(nest(kProjectMaxModuleDepth - 1)), "n.mlab");
    QVERIFY(std::holds_alternative<Project>(ok));
    parseAnything(wrap(nest(kProjectMaxModuleDepth - 1)));
}

void TestProject::hugeLayerIsMetadataOnly()
{
    const std::string text = wrap(net(R"([{"name": "fc", "layer": "Linear", "args": {"in_features": 10000000, "out_features": 10000000}}])"));
    auto r = parseProject(text, "huge.mlab");
    if (auto* e = std::get_if<ParseError>(&r))
        QFAIL(e->toString().c_str());
    const Project& p = std::get<Project>(r);
    QCOMPARE(countParameters(*p.root).total, int64_t(100000000000000) + 10000000);
    QVERIFY(!p.root->findChild("fc")->hasTensors());
    QCOMPARE(repr(*p.root->findChild("fc")), std::string("Linear(in_features=10000000, out_features=10000000, bias=True)"));
}

void TestProject::truncatedFiles()
{
    const std::string text = fileText(projectPath("net_modulelist"));
    const std::string trimmed = text.substr(0, text.size() - 1); // without the final newline
    for (size_t n = 0; n < trimmed.size(); ++n) {
        auto r = parseProject(trimmed.substr(0, n), "t.mlab");
        QVERIFY2(std::holds_alternative<ParseError>(r), std::to_string(n).c_str());
        const ParseError& e = std::get<ParseError>(r);
        QVERIFY(e.loc.valid());
        QVERIFY(!e.message.empty());
    }
    QVERIFY(std::holds_alternative<Project>(parseProject(trimmed)));
}

void TestProject::mutatedFiles()
{
    const std::string text = fileText(projectPath("tiny_cnn"));
    const std::string alphabet = "{}[]\":, 0123456789-.aexyzTnull";
    std::mt19937 rng(9);
    int accepted = 0;
    for (int k = 0; k < 3000; ++k) {
        std::string t = text;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            const size_t pos = rng() % t.size();
            switch (rng() % 3) {
            case 0: t[pos] = alphabet[rng() % alphabet.size()]; break;
            case 1: t.erase(pos, 1 + rng() % 8); break;
            default: t.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
            }
        }
        parseAnything(t);
        accepted += std::holds_alternative<Project>(parseProject(t));
    }
    QVERIFY(accepted < 3000);
}

void TestProject::randomBytes()
{
    std::mt19937 rng(4);
    for (int k = 0; k < 2000; ++k) {
        std::string t(static_cast<size_t>(rng() % 100), '\0');
        for (char& c : t)
            c = static_cast<char>(rng());
        if (k % 2)
            t = "{\"format\": \"modulelab-project\", \"version\": 1, " + t;
        parseAnything(t);
    }
}

QTEST_APPLESS_MAIN(TestProject)
#include "tst_project.moc"
