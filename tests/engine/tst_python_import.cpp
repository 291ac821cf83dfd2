#include "engine/analysis/analysis.h"
#include "engine/io/project.h"
#include "engine/train/optimizer.h"
#include "engine/layer.h"
#include "engine/module.h"
#include "engine/python/exporter.h"
#include "engine/python/importer.h"
#include "engine/python/lexer.h"
#include "engine/python/parser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <random>

using namespace ml;
using ml::python::ImportOptions;
using ml::python::ImportResult;

namespace {

QString dataPath(const QString& rel)
{
    return QStringLiteral(MODULELAB_TEST_DATA) + QLatin1Char('/') + rel;
}

std::string readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// Every model file with PyTorch's answers: the seeds, the numeric model and our own.
QStringList modelFiles()
{
    QStringList out;
    for (const QString& dir : {QStringLiteral("seed"), QStringLiteral("numeric"), QStringLiteral("python")}) {
        const QDir d(dataPath(dir));
        for (const QString& f : d.entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name))
            if (QFile::exists(d.filePath(f.chopped(3) + QStringLiteral(".json"))))
                out << dir + QLatin1Char('/') + f;
    }
    return out;
}

ImportResult importOk(const std::string& src, const ImportOptions& opt = {})
{
    auto r = python::importPython(src, "test.py", opt);
    if (auto* e = std::get_if<ParseError>(&r)) {
        qWarning("unexpected parse error: %s", e->toString().c_str());
        return {};
    }
    return std::move(std::get<ImportResult>(r));
}

ParseError parseError(const std::string& src, const ImportOptions& opt = {})
{
    auto r = python::importPython(src, "bad.py", opt);
    if (auto* e = std::get_if<ParseError>(&r))
        return *e;
    return {"", {}, "<no error>"};
}

const Diagnostic* findDiagnostic(const ImportResult& r, Severity s, const std::string& text)
{
    for (const Diagnostic& d : r.diagnostics)
        if (d.severity == s && d.message.find(text) != std::string::npos)
            return &d;
    return nullptr;
}

std::string errorsOf(const ImportResult& r)
{
    std::string s;
    for (const Diagnostic& d : r.diagnostics)
        if (d.severity == Severity::Error)
            s += std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + " " + d.message + "\n";
    return s;
}

const std::string kHeader = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n";

// A one-class file whose __init__ and forward bodies are given (indented by 8).
std::string model(const std::string& init, const std::string& forward = "        return x\n")
{
    return kHeader + "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n" + init
        + "    def forward(self, x):\n" + forward + "\nmodel = Net()\n";
}

// The outcome of importing hostile input: either a located error or a built tree.
void expectGraceful(const std::string& src)
{
    auto r = python::importPython(src, "fuzz.py");
    if (auto* e = std::get_if<ParseError>(&r)) {
        QVERIFY(!e->message.empty());
        QVERIFY(e->loc.line >= 1 && e->loc.column >= 1);
    } else {
        QVERIFY(std::get<ImportResult>(r).root != nullptr);
    }
}

} // namespace

class TestPythonImport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void referenceModels_data();
    void referenceModels();

    void tokenizer();
    void tokenizerErrors();
    void parseExpression();

    void fullSubsetRoundTrip();
    void forwardProgramOfNet();
    void forwardStatementForms();
    void sourceLocationsOfModules();
    void containers();
    void argumentsAndLocals();
    void fileLevelDiagnostics();
    void rootChoice();
    void modelChoices();
    void buffersParametersSharing();
    void derivedContainers();
    void buffersParametersErrors();

    void errors_data();
    void errors();
    void semanticErrors_data();
    void semanticErrors();
    void sequentialSliceRunsItsModules();

    void selfContainingClasses();
    void absurdSizes();
    void deepNesting();
    void truncatedFiles();
    void mutatedFiles();
    void randomBytes();
};

void TestPythonImport::initTestCase()
{
    QVERIFY2(findLayerSchema("Conv2d") && findLayerSchema("LayerNorm"), "the layer registry is empty");
    QVERIFY(modelFiles().size() >= 20);
}

// ---- against PyTorch ---------------------------------------------------------------------

void TestPythonImport::referenceModels_data()
{
    QTest::addColumn<QString>("file");
    for (const QString& f : modelFiles())
        QTest::newRow(qPrintable(f)) << f;
}

void TestPythonImport::referenceModels()
{
    QFETCH(QString, file);
    const QJsonObject ref = readJson(dataPath(file.chopped(3) + QStringLiteral(".json")));
    QVERIFY(!ref.isEmpty());
    auto r = python::importPython(readFile(dataPath(file)), file.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        QFAIL(e->toString().c_str());
    const ImportResult& res = std::get<ImportResult>(r);
    QVERIFY(res.root);
    QVERIFY2(!hasErrors(res.diagnostics), errorsOf(res).c_str());

    QCOMPARE(QString::fromStdString(repr(*res.root)), ref.value("repr").toString());
    QCOMPARE(countParameters(*res.root).total, static_cast<int64_t>(ref.value("total_params").toDouble()));
    if (ref.contains("buffer_elements"))
        QCOMPARE(countParameters(*res.root).buffers, static_cast<int64_t>(ref.value("buffer_elements").toDouble()));
    QStringList keys;
    for (const StateEntry& e : stateDict(*res.root))
        keys << QString::fromStdString(e.key);
    QStringList refKeys;
    for (const QJsonValue v : ref.value("state_dict_keys").toArray())
        refKeys << v.toString();
    QCOMPARE(keys, refKeys);
    // named_parameters() and named_buffers() as the file's own code reads them
    for (const char* which : {"named_parameters", "named_buffers"}) {
        if (!ref.contains(QLatin1String(which)))
            continue;
        QStringList expected;
        for (const QJsonValue v : ref.value(QLatin1String(which)).toArray())
            expected << v.toString();
        QStringList own;
        for (const NamedModule& nm : namedModules(*res.root))
            for (const TensorSpec& spec : nm.module->tensorSpecs())
                if (spec.isBuffer == (std::string(which) == "named_buffers"))
                    own << QString::fromStdString(joinName(nm.path, spec.name));
        QCOMPARE(own, expected);
    }

    // named modules and their types as PyTorch lists them
    const QJsonObject nodes = ref.value("nodes").toObject();
    const std::vector<NamedModule> named = namedModules(*res.root);
    QCOMPARE(static_cast<int>(named.size()), nodes.size());
    for (const NamedModule& n : named) {
        const QJsonObject node = nodes.value(QString::fromStdString(n.path)).toObject();
        QVERIFY2(!node.isEmpty(), n.path.c_str());
        QCOMPARE(QString::fromStdString(n.module->typeName()), node.value("type").toString());
    }

    QVERIFY(res.inputShape);
    std::vector<int64_t> dims;
    for (const QJsonValue v : ref.value("input_shape").toArray())
        dims.push_back(v.toInteger());
    QCOMPARE(res.inputShape->dims(), dims);
    // the eval forward of the model initialised with seed 0, as PyTorch's after torch.manual_seed(0)
    if (ref.contains("seed0_output")) {
        initWeights(*res.root, 0);
        Tensor input(*res.inputShape);
        const int64_t n = input.numel();
        for (int64_t i = 0; i < n; ++i) // torch.linspace(-1, 1, n)
            input[i] = n == 1 ? -1.0f : static_cast<float>(-1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1));
        const ForwardResult fr = runForward(*res.root, input);
        std::string why;
        for (const Diagnostic& d : fr.analysis.diagnostics)
            why += d.path + ": " + d.message + "\n";
        QVERIFY2(fr.output, why.c_str());
        const QJsonArray expected = ref.value("seed0_output").toArray();
        QCOMPARE(fr.output->numel(), static_cast<int64_t>(expected.size()));
        for (int64_t i = 0; i < fr.output->numel(); ++i)
            QVERIFY2(std::fabs((*fr.output)[i] - expected[static_cast<qsizetype>(i)].toDouble()) < 1e-5,
                     qPrintable(QStringLiteral("output[%1] %2, PyTorch %3").arg(i).arg((*fr.output)[i]).arg(expected[static_cast<qsizetype>(i)].toDouble())));
    }
    // The root is a class of the file, or a torch.nn container built at the top level.
    QVERIFY(std::find(res.classNames.begin(), res.classNames.end(), res.root->typeName()) != res.classNames.end()
            || res.root->kind() != ModuleKind::Custom);
}

// ---- tokenizer and expressions -----------------------------------------------------------

void TestPythonImport::tokenizer()
{
    const std::string src = "class A:  # note\n    x = (1,\n         2.5)  \\\n\n    s = '''a\nb''' 'c'\ny = 0x1F\n";
    auto r = python::tokenize(src, "t.py");
    QVERIFY(std::holds_alternative<python::TokenStream>(r));
    const auto& ts = std::get<python::TokenStream>(r);
    using K = python::Token::Kind;
    std::vector<std::tuple<K, std::string, int, int>> want = {
        {K::Name, "class", 1, 1}, {K::Name, "A", 1, 7}, {K::Op, ":", 1, 8}, {K::Newline, "", 1, 17},
        {K::Indent, "", 2, 5}, {K::Name, "x", 2, 5}, {K::Op, "=", 2, 7}, {K::Op, "(", 2, 9}, {K::Int, "1", 2, 10},
        {K::Op, ",", 2, 11}, {K::Float, "2.5", 3, 10}, {K::Op, ")", 3, 13}, {K::Newline, "", 4, 1},
        {K::Name, "s", 5, 5}, {K::Op, "=", 5, 7}, {K::String, "a\nb", 5, 9}, {K::String, "c", 6, 6},
        {K::Newline, "", 6, 9}, {K::Dedent, "", 7, 1}, {K::Name, "y", 7, 1}, {K::Op, "=", 7, 3}, {K::Int, "0x1F", 7, 5},
        {K::Newline, "", 7, 9}, {K::End, "", 8, 1}};
    QCOMPARE(ts.tokens.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
        const auto& [kind, text, line, col] = want[k];
        const python::Token& t = ts.tokens[k];
        QVERIFY2(t.kind == kind, ("token " + std::to_string(k)).c_str());
        if (kind == K::Name || kind == K::Op || kind == K::String || kind == K::Int || kind == K::Float)
            QCOMPARE(t.text, text);
        QCOMPARE(t.loc.line, line);
        QCOMPARE(t.loc.column, col);
    }
    QCOMPARE(ts.tokens[21].i, int64_t{31});
    QCOMPARE(ts.comments.size(), size_t{1});
    QCOMPARE(ts.comments[0].text, std::string(" note"));
    QCOMPARE(ts.comments[0].loc, (SourceLoc{1, 11}));
}

void TestPythonImport::tokenizerErrors()
{
    struct Case {
        std::string src;
        int line, col;
        std::string text;
    };
    const std::vector<Case> cases = {
        {"x = (1,\n  2", 2, 4, "expected ')' to close '(' opened at 1:5"},
        {"x = [1, 2)", 1, 10, "expected ']' to close '[' opened at 1:5"},
        {"x = 1)", 1, 6, "unmatched ')'"},
        {"s = 'abc\n", 1, 5, "unterminated string"},
        {"s = '''abc\n", 1, 5, "unterminated triple-quoted string"},
        {"x = 99999999999999999999", 1, 5, "not supported by ModuleLab yet: integers beyond 64 bits"},
        {"x = 1 $ 2", 1, 7, "unexpected character '$'"},
        {"if x:\n        a\n    b\n", 3, 5, "unindent does not match"},
        {"x = 3j", 1, 5, "complex"},
        {"x = 1abc", 1, 5, "invalid number"},
        {std::string("x = \x01"), 1, 5, "byte 0x01"},
    };
    for (const Case& c : cases) {
        auto r = python::tokenize(c.src, "e.py");
        QVERIFY2(std::holds_alternative<ParseError>(r), c.src.c_str());
        const ParseError& e = std::get<ParseError>(r);
        QVERIFY2(e.message.find(c.text) != std::string::npos, (e.message + " <- " + c.src).c_str());
        QCOMPARE(e.loc.line, c.line);
        QCOMPARE(e.loc.column, c.col);
        QCOMPARE(e.file, std::string("e.py"));
    }
}

void TestPythonImport::parseExpression()
{
    auto r = python::parseExpression("F.relu(self.conv1(x), inplace=True)", {5, 13}, "net.py");
    QVERIFY(std::holds_alternative<Expr>(r));
    const Expr& e = std::get<Expr>(r);
    QCOMPARE(e.kind, Expr::Kind::Call);
    QCOMPARE(e.loc, (SourceLoc{5, 13}));
    QCOMPARE(e.items.size(), size_t{2});
    QCOMPARE(e.items[1].kind, Expr::Kind::Call);
    QCOMPARE(e.items[1].loc, (SourceLoc{5, 20}));
    QCOMPARE(e.items[1].items[0].text, std::string("conv1"));
    QCOMPARE(e.keywords.size(), size_t{1});
    QCOMPARE(e.keywords[0].first, std::string("inplace"));
    QCOMPARE(e.keywords[0].second.loc, (SourceLoc{5, 43}));
    QCOMPARE(toSource(e), std::string("F.relu(self.conv1(x), inplace=True)"));

    // every expression form of the subset survives toSource -> parseExpression
    for (const char* text : {"x.view(x.size(0), -1)", "torch.cat([a, b], dim=1)", "x.mean((2, 3))", "self.lst[-1](x)",
                             "self.dct['key'](y)", "m(x) + self.skip(x)", "x.view(-1, 32 * 28 * 28)", "torch.flatten(x, 1)",
                             "F.dropout(x, 0.5, training=self.training)", "x.reshape(x.size(0), 1, (4 - 1) // 2, 7)"}) {
        auto p = python::parseExpression(text);
        QVERIFY2(std::holds_alternative<Expr>(p), text);
        QCOMPARE(toSource(std::get<Expr>(p)), std::string(text));
    }
    const Expr neg = std::get<Expr>(python::parseExpression("self.lst[-1](x)"));
    QCOMPARE(neg.items[0].items[1].kind, Expr::Kind::Int);
    QCOMPARE(neg.items[0].items[1].i, int64_t{-1});

    struct Bad {
        const char* text;
        int col;
        const char* msg;
    };
    for (const Bad& b : {Bad{"x +", 4, "expected an expression"}, Bad{"f(x", 4, "expected ')' to close '(' opened at 2:2"},
                         Bad{"lambda a a", 10, "expected ':' after the lambda's parameters"}, Bad{"x[::0", 6, "expected ']'"},
                         Bad{"f'{x'", 1, "f-string: expecting '}'"}, Bad{"a if b", 3, "unexpected 'if'"}}) {
        auto p = python::parseExpression(b.text, {2, 1}, "p.py");
        QVERIFY2(std::holds_alternative<ParseError>(p), b.text);
        const ParseError& e = std::get<ParseError>(p);
        QVERIFY2(e.message.find(b.msg) != std::string::npos, (e.message + " <- " + b.text).c_str());
        QCOMPARE(e.loc, (SourceLoc{2, b.col}));
    }
}

// ---- forward programs ------------------------------------------------------------------

// Every expression form of the evaluator's subset survives toSource -> parse, in Python's
// precedence (checked against Python's own ast.unparse by hand for each line).
void TestPythonImport::fullSubsetRoundTrip()
{
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"x if y else z", "x if y else z"},
        {"a < b <= c", "a < b <= c"},
        {"not a and b or c", "not a and b or c"},
        {"(a or b) and c", "(a or b) and c"},
        {"-x ** 2", "-x ** 2"},
        {"(-x) ** 2", "(-x) ** 2"},
        {"2 ** -1", "2 ** -1"},
        {"a % b // c", "a % b // c"},
        {"x[1:2, ::2]", "x[1:2, ::2]"},
        {"x[:, 0]", "x[:, 0]"},
        {"{'a': x, **d}", "{'a': x, **d}"},
        {"[i * 2 for i in range(3) if i]", "[i * 2 for i in range(3) if i]"},
        {"{k: v for k, v in d.items()}", "{k: v for k, v in d.items()}"},
        {"f(*args, k=1, **kw)", "f(*args, k=1, **kw)"},
        {"sum(x for x in y)", "sum((x for x in y))"},
        {"a is not None", "a is not None"},
        {"k not in d", "k not in d"},
        {"f'conv{i}_{n:03d}'", "f'conv{i}_{n:03d}'"},
        {"'%d-%s' % (a, b)", "'%d-%s' % (a, b)"},
        {"1e999", "1e999"},
        {"-1e999", "-1e999"},
        {"'it\\'s'", "\"it's\""},
    };
    for (const auto& [text, expected] : forms) {
        auto p = python::parseExpression(text);
        QVERIFY2(std::holds_alternative<Expr>(p), text.c_str());
        const std::string out = toSource(std::get<Expr>(p));
        QCOMPARE(out, expected);
        auto again = python::parseExpression(out);
        QVERIFY2(std::holds_alternative<Expr>(again) && std::get<Expr>(again) == std::get<Expr>(p), out.c_str());
    }
}

void TestPythonImport::forwardProgramOfNet()
{
    const ImportResult r = importOk(readFile(dataPath("seed/net.py")));
    QVERIFY(r.root && r.root->kind() == ModuleKind::Custom);
    const ForwardProgram& p = static_cast<const CustomModule&>(*r.root).program();
    QCOMPARE(p.params, std::vector<std::string>{"x"});
    QCOMPARE(p.body.size(), size_t{11});
    const std::vector<std::string> lines = {
        "x = self.conv1(x)", "x = self.bn1(x)", "x = F.relu(x)", "x = self.conv2(x)", "x = self.bn2(x)", "x = F.relu(x)",
        "x = x.view(-1, 32 * 28 * 28)", "x = self.fc1(x)", "x = F.sigmoid(x)", "x = self.fc2(x)", "return x"};
    for (size_t k = 0; k < lines.size(); ++k) {
        QCOMPARE(toSource(p.body[k]), lines[k]);
        QCOMPARE(p.body[k].loc, (SourceLoc{16 + static_cast<int>(k), 9}));
    }
    QCOMPARE(p.body[0].kind, Stmt::Kind::Assign);
    QCOMPARE(p.body[0].value.loc, (SourceLoc{16, 13}));
    QCOMPARE(p.body[0].value.items[0].loc, (SourceLoc{16, 13})); // self.conv1
    QCOMPARE(p.body[0].value.items[1].loc, (SourceLoc{16, 24})); // x
    const Expr& view = p.body[6].value;
    QCOMPARE(view.items[1].kind, Expr::Kind::Int);
    QCOMPARE(view.items[1].i, int64_t{-1});
    QCOMPARE(view.items[2].kind, Expr::Kind::BinOp);
    QCOMPARE(view.items[2].loc, (SourceLoc{22, 24}));
    QCOMPARE(p.body[10].kind, Stmt::Kind::Return);
    QCOMPARE(p.body[10].value.loc, (SourceLoc{26, 16}));
    QCOMPARE(p.body[8].value.loc, (SourceLoc{24, 13})); // F.sigmoid(x): the analysis reports it as deprecated there
    QVERIFY(r.diagnostics.empty());
}

void TestPythonImport::forwardStatementForms()
{
    auto programOf = [](const QString& file, const std::string& cls = {}) {
        const ImportResult r = importOk(readFile(dataPath(file)));
        std::string text;
        for (const NamedModule& n : namedModules(*r.root, true))
            if (n.module->kind() == ModuleKind::Custom && (cls.empty() ? n.path.empty() : n.module->typeName() == cls)) {
                text = toSource(static_cast<const CustomModule*>(n.module)->program());
                break;
            }
        return text;
    };
    QCOMPARE(programOf("python/enumerate_loop.py"),
             std::string("def forward(self, x):\n    for i, conv in enumerate(self.convs):\n        x = conv(x)\n"
                         "        x = F.relu(self.norms[i](x))\n        x = F.max_pool2d(x, 2)\n    x = x.mean((2, 3))\n"
                         "    return self.fc(x)"));
    QCOMPARE(programOf("python/range_len.py"),
             std::string("def forward(self, x):\n    for i in range(len(self.layers)):\n        x = self.layers[i](x)\n"
                         "        x = self.acts[i](x)\n    return x"));
    QCOMPARE(programOf("python/module_dict.py"),
             std::string("def forward(self, x):\n    x = self.blocks['stem'](x)\n    x = F.relu(self.blocks['norm'](x))\n"
                         "    x = self.blocks['pool'](x)\n    x = x.view(x.size(0), -1)\n    return self.classifier(x)"));
    QCOMPARE(programOf("python/residual_cat.py"),
             std::string("def forward(self, x):\n    a = self.left(x)\n    b = self.right(x)\n    y = torch.cat([a, b], dim=1)\n"
                         "    y = self.merge(y)\n    x = x + y\n    x = F.relu(x)\n    x = x.mean((2, 3))\n    return self.head(x)"));
    QCOMPARE(programOf("python/negative_index.py"),
             std::string("def forward(self, x):\n    x = F.relu(self.stages[0](x))\n    x = torch.relu(self.stages[1](x))\n"
                         "    return F.softmax(self.stages[-1](x), dim=1)"));
    QCOMPARE(programOf("python/classes_used.py", "Block"),
             std::string("def forward(self, x):\n    out = F.relu(self.bn(self.conv(x)))\n    out = out + self.shortcut(x)\n"
                         "    return F.relu(out)"));

    // loop bodies carry their own locations; `torch.nn.functional` and aliases become F / nn
    const std::string src = kHeader + "from torch.nn import functional as fn\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.ls = nn.ModuleList([nn.ReLU(), nn.ReLU()])\n"
        "    def forward(self, x, y):\n        for m in self.ls:\n            x = m(x)\n            x += y\n"
        "        x = torch.nn.functional.relu(x)\n        return fn.softmax(x, dim=1)\n";
    const ImportResult r = importOk(src);
    QVERIFY(r.root);
    const ForwardProgram& p = static_cast<const CustomModule&>(*r.root).program();
    QCOMPARE(p.params, (std::vector<std::string>{"x", "y"}));
    QCOMPARE(p.body[0].kind, Stmt::Kind::For);
    QCOMPARE(p.body[0].loc, (SourceLoc{12, 9}));
    QCOMPARE(p.body[0].value.loc, (SourceLoc{12, 18}));
    QCOMPARE(p.body[0].body.size(), size_t{2});
    QCOMPARE(p.body[0].body[1].loc, (SourceLoc{14, 13}));
    QCOMPARE(toSource(p.body[0].body[1]), std::string("x += y"));
    QCOMPARE(toSource(p.body[1]), std::string("x = F.relu(x)"));
    QCOMPARE(p.body[1].value.items[0].loc, (SourceLoc{15, 13}));
    QCOMPARE(toSource(p.body[2]), std::string("return F.softmax(x, dim=1)"));
}

void TestPythonImport::sourceLocationsOfModules()
{
    const ImportResult seq = importOk(readFile(dataPath("seed/net_sequential.py")));
    QVERIFY(seq.root);
    QCOMPARE(seq.root->sourceLoc(), (SourceLoc{6, 1}));
    QCOMPARE(seq.root->findPath("conv_block1")->sourceLoc(), (SourceLoc{9, 9}));
    QCOMPARE(seq.root->findPath("conv_block1.1")->sourceLoc(), (SourceLoc{11, 13}));
    QCOMPARE(seq.root->findPath("decoder")->sourceLoc(), (SourceLoc{19, 9}));
    QCOMPARE(seq.root->findPath("decoder.2")->sourceLoc(), (SourceLoc{22, 13}));

    const ImportResult used = importOk(readFile(dataPath("python/classes_used.py")));
    QVERIFY(used.root);
    QCOMPARE(used.root->findPath("block2")->sourceLoc(), (SourceLoc{12, 9}));
    QCOMPARE(used.root->findPath("block2.bn")->sourceLoc(), (SourceLoc{29, 9}));
    QCOMPARE(used.classNames, (std::vector<std::string>{"ResNetTiny", "Block"}));

    const ImportResult comp = importOk(readFile(dataPath("python/comprehension_list.py")));
    QCOMPARE(comp.root->findPath("layers.2")->sourceLoc(), (SourceLoc{11, 38}));
}

void TestPythonImport::containers()
{
    const ImportResult plain = importOk(readFile(dataPath("python/plain_list.py")));
    QVERIFY(plain.root);
    Module* extra = plain.root->findPath("extra");
    QVERIFY(extra);
    QCOMPARE(extra->kind(), ModuleKind::PlainList);
    QCOMPARE(extra->childCount(), 3);
    QVERIFY(!extra->child(0)->isRegistered());
    QCOMPARE(extra->child(2)->sourceLoc(), (SourceLoc{10, 51}));
    QCOMPARE(countParameters(*plain.root).total, int64_t{72});

    const ImportResult od = importOk(readFile(dataPath("python/ordered_sequential.py")));
    Module* body = od.root->findPath("body");
    QCOMPARE(body->kind(), ModuleKind::Sequential);
    QCOMPARE(body->childName(1), std::string("norm"));
    QVERIFY(!body->namesArePositions());

    const ImportResult dict = importOk(readFile(dataPath("python/nested_containers.py")));
    Module* heads = dict.root->findPath("heads");
    QCOMPARE(heads->kind(), ModuleKind::ModuleDict);
    QCOMPARE(heads->childName(0), std::string("main"));
    QCOMPARE(dict.root->findPath("heads.main.3")->typeName(), std::string("ReLU"));

    // a reassigned attribute keeps its first position, as PyTorch's _modules dict does
    const ImportResult re = importOk(model("        self.a = nn.ReLU()\n        self.b = nn.Tanh()\n        self.a = nn.GELU()\n"));
    QCOMPARE(re.root->childName(0), std::string("a"));
    QCOMPARE(re.root->child(0)->typeName(), std::string("GELU"));
    QCOMPARE(re.root->childCount(), 2);

    // empty containers
    const ImportResult empty = importOk(model("        self.a = nn.ModuleList()\n        self.b = nn.Sequential()\n        self.c = nn.ModuleDict()\n"));
    QCOMPARE(repr(*empty.root), std::string("Net(\n  (a): ModuleList()\n  (b): Sequential()\n  (c): ModuleDict()\n)"));
}

void TestPythonImport::argumentsAndLocals()
{
    const std::string src = kHeader + "WIDTH = 4\n\nclass Net(nn.Module):\n"
        "    def __init__(self, c, k=3, scale=2.0):\n        super().__init__()\n        h = c * WIDTH - 1\n"
        "        h += 1\n        self.half = h // 3\n        self.conv = nn.Conv2d(c, h, k, stride=(2, 1), padding=k // 2, bias=False)\n"
        "        self.lin = nn.Linear(in_features=self.half, out_features=-(-7 // 2))\n        self.drop = nn.Dropout(p=scale / 4)\n"
        "        self.norm = nn.LayerNorm([h, 5])\n"
        "    def forward(self, x):\n        return x\n\nmodel = Net(3, k=5)\n";
    const ImportResult r = importOk(src);
    QVERIFY(r.root);
    QVERIFY2(!hasErrors(r.diagnostics), errorsOf(r).c_str());
    QCOMPARE(repr(*r.root), std::string("Net(\n"
                                        "  (conv): Conv2d(3, 12, kernel_size=(5, 5), stride=(2, 1), padding=(2, 2), bias=False)\n"
                                        "  (lin): Linear(in_features=4, out_features=4, bias=True)\n"
                                        "  (drop): Dropout(p=0.5, inplace=False)\n"
                                        "  (norm): LayerNorm((12, 5), eps=1e-05, elementwise_affine=True)\n)"));
}

void TestPythonImport::fileLevelDiagnostics()
{
    const ImportResult r = importOk(readFile(dataPath("python/old_style.py")));
    QVERIFY(r.root);
    QCOMPARE(r.root->typeName(), std::string("LeNet"));
    // numpy is imported but not used; the helper method forward calls is kept and runs
    QVERIFY2(r.diagnostics.empty(), r.diagnostics.empty() ? "" : r.diagnostics[0].message.c_str());
    const ForwardProgram& p = static_cast<const CustomModule&>(*r.root).program();
    QVERIFY(p.method("num_flat_features"));
    const Analysis a = analyze(*r.root, *r.inputShape);
    QVERIFY2(!a.hasErrors(), a.diagnostics.empty() ? "" : a.diagnostics[0].message.c_str());
    QCOMPARE(a.outputShape->toString(), std::string("[1, 10]"));
    QVERIFY(!a.calls.empty());


    // a malformed input comment is reported, not guessed
    const ImportResult shape = importOk(model("") + "# input: 1, x, 3\n");
    QVERIFY(!shape.inputShape);
    QVERIFY(findDiagnostic(shape, Severity::Warning, "input shape"));
}

void TestPythonImport::rootChoice()
{
    const std::string twoClasses = kHeader + "class A(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
        "        self.fc = nn.Linear(n, n)\n    def forward(self, x):\n        return self.fc(x)\n\n"
        "class B(nn.Module):\n    def __init__(self, n, m=2):\n        super().__init__()\n        self.a = A(n * m)\n"
        "    def forward(self, x):\n        return self.a(x)\n";
    const ParseError e = parseError(twoClasses);
    QVERIFY2(e.message.find("--model") == std::string::npos && e.message.find("A(n)") != std::string::npos
                 && e.message.find("B(n, m=...)") != std::string::npos,
             e.message.c_str());

    ImportOptions opt;
    opt.className = "B";
    opt.args = "3, m=4";
    const ImportResult b = importOk(twoClasses, opt);
    QVERIFY(b.root);
    QCOMPARE(repr(*b.root), std::string("B(\n  (a): A(\n    (fc): Linear(in_features=12, out_features=12, bias=True)\n  )\n)"));
    QCOMPARE(b.classNames, (std::vector<std::string>{"A", "B"}));

    opt.className = "C";
    QVERIFY(parseError(twoClasses, opt).message.find("no model, class or function 'C'") != std::string::npos);
    opt.className = "A";
    opt.args = "";
    QVERIFY(parseError(twoClasses, opt).message.find("missing 1 required positional argument: 'n'") != std::string::npos);
    opt.args = "1, 2";
    QVERIFY(parseError(twoClasses, opt).message.find("takes 2 positional arguments but 3 were given") != std::string::npos);
    opt.args = "1,";
    QVERIFY(importOk(twoClasses, opt).root);
    opt.args = "(1";
    QCOMPARE(parseError(twoClasses, opt).file, std::string("--args"));

    // without a model line, the one class needing no arguments that no other class uses
    const std::string defaults = kHeader + "class Inner(nn.Module):\n    def __init__(self, n=2):\n        super().__init__()\n"
        "        self.fc = nn.Linear(n, n)\n    def forward(self, x):\n        return self.fc(x)\n\n"
        "class Outer(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.inner = Inner(4)\n"
        "    def forward(self, x):\n        return self.inner(x)\n";
    QCOMPARE(importOk(defaults).root->typeName(), std::string("Outer"));

    // the instantiation line decides; several are ambiguous
    QCOMPARE(importOk(defaults + "net = Inner(3)\n").root->typeName(), std::string("Inner"));
    // several models: the last, with a note; --model picks another, also a factory function
    const ImportResult several = importOk(defaults + "a = Inner()\nb = Outer()\n\ndef make(n=5):\n    return Inner(n)\n");
    QCOMPARE(several.root->typeName(), std::string("Outer"));
    QVERIFY(findDiagnostic(several, Severity::Info, "several models"));
    for (const Diagnostic& d : several.diagnostics) {
        QVERIFY2(d.message.find("--model") == std::string::npos, d.message.c_str());
        QCOMPARE(python::isModelChoiceNote(d), d.message.find("several models") != std::string::npos);
    }
    QCOMPARE(several.models, (std::vector<std::string>{"a", "b"}));
    ImportOptions pick;
    pick.className = "a";
    QCOMPARE(importOk(defaults + "a = Inner()\nb = Outer()\n", pick).root->typeName(), std::string("Inner"));
    pick.className = "make";
    pick.args = "7";
    QCOMPARE(repr(*importOk(defaults + "def make(n=5):\n    return Inner(n)\n", pick).root),
             std::string("Inner(\n  (fc): Linear(in_features=7, out_features=7, bias=True)\n)"));
    // a line that changes the model is run: Net(num_classes=5).to("cpu") builds Net(num_classes=5)
    const ImportResult five = importOk(kHeader + "class Net(nn.Module):\n    def __init__(self, num_classes=10):\n        super().__init__()\n"
                                       "        self.fc = nn.Linear(4, num_classes)\n    def forward(self, x):\n        return self.fc(x)\n\n"
                                       "model = Net(num_classes=5).to(\"cpu\")\n");
    QCOMPARE(repr(*five.root), std::string("Net(\n  (fc): Linear(in_features=4, out_features=5, bias=True)\n)"));
    QVERIFY(parseError(kHeader + "x = 1\n").message.find("no model class") != std::string::npos);
}

void TestPythonImport::modelChoices()
{
    using python::ModelChoice;
    const std::string src = kHeader + "class Block(nn.Module):\n    def __init__(self, c_in, c_out, stride=1):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(c_in, c_out, 3, stride, 1)\n    def forward(self, x):\n        return self.conv(x)\n\n"
        "def conv1x1(a, b):\n    return nn.Conv2d(a, b, 1)\n\n"
        "class Net(nn.Module):\n    def __init__(self, block, layers, *args, num_classes=10, **kwargs):\n        super().__init__()\n"
        "        self.b = block(3, layers[0])\n    def forward(self, x):\n        return self.b(x)\n\n"
        "def _net(block, layers, **kwargs):\n    model = Net(block, layers, **kwargs)\n    return model\n\n"
        "def net18(**kwargs):\n    return _net(Block, [2, 2], **kwargs)\n";
    // nothing is built by itself: the caller must choose; the engine's message names what the
    // file defines and no command-line option (the application shows it too)
    const ParseError e = parseError(src);
    QVERIFY(e.needsChoice);
    QVERIFY2(e.message.find("(the file defines Block(c_in, c_out, stride=...), Net(") != std::string::npos, e.message.c_str());
    QVERIFY2(e.message.find("--") == std::string::npos, e.message.c_str());
    QVERIFY(!parseError(kHeader + "x = 1\n").needsChoice);
    QVERIFY(!parseError(kHeader + "class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(-1, 2)\n").needsChoice);

    auto r = python::listModelChoices(src, "choices.py");
    QVERIFY(std::holds_alternative<std::vector<ModelChoice>>(r));
    const auto& c = std::get<std::vector<ModelChoice>>(r);
    QCOMPARE(c.size(), size_t(4)); // conv1x1 builds a layer, not one of the file's models
    QCOMPARE(c[0].name, std::string("Block"));
    QVERIFY(c[0].kind == ModelChoice::Kind::Class);
    QCOMPARE(c[0].line, 5);
    QCOMPARE(c[0].params.size(), size_t(3));
    QCOMPARE(c[0].params[0].name, std::string("c_in"));
    QCOMPARE(c[0].params[0].defaultSource, std::string());
    QCOMPARE(c[0].params[2].defaultSource, std::string("1"));
    QCOMPARE(c[1].name, std::string("Net"));
    QCOMPARE(c[1].params.size(), size_t(5));
    QVERIFY(c[1].params[2].varArgs && !c[1].params[2].varKwargs);
    QCOMPARE(c[1].params[3].defaultSource, std::string("10"));
    QVERIFY(c[1].params[4].varKwargs);
    QCOMPARE(c[2].name, std::string("_net"));
    QVERIFY(c[2].kind == ModelChoice::Kind::Function);
    QCOMPARE(c[3].name, std::string("net18"));
    QCOMPARE(c[3].line, 26);
    QVERIFY(c[3].params.size() == 1 && c[3].params[0].varKwargs);

    // a chosen factory builds; the model variables of a file come first in file order
    ImportOptions pick;
    pick.className = "net18";
    QCOMPARE(importOk(src, pick).root->typeName(), std::string("Net"));
    auto withVars = python::listModelChoices(src + "a = Block(1, 2)\nb = net18()\n", "choices.py");
    const auto& v = std::get<std::vector<ModelChoice>>(withVars);
    QCOMPARE(v.size(), size_t(6));
    QVERIFY(v[4].kind == ModelChoice::Kind::Variable && v[4].name == "a" && v[4].line == 28);
    QVERIFY(v[5].kind == ModelChoice::Kind::Variable && v[5].name == "b" && v[5].line == 29);
    QVERIFY(std::holds_alternative<ParseError>(python::listModelChoices("class (", "bad.py")));
}

QStringList ownTensorNames(const Module& root, bool buffers)
{
    QStringList out;
    for (const NamedModule& nm : namedModules(root))
        for (const TensorSpec& spec : nm.module->tensorSpecs())
            if (spec.isBuffer == buffers)
                out << QString::fromStdString(joinName(nm.path, spec.name));
    return out;
}

QStringList strings(const QJsonValue& v)
{
    QStringList out;
    for (const QJsonValue e : v.toArray())
        out << e.toString();
    return out;
}

void TestPythonImport::buffersParametersSharing()
{
    // the example models the lessons use, against PyTorch (tests/data/python/gen_examples_reference.py)
    const QJsonObject refs = readJson(dataPath(QStringLiteral("python/examples_reference.json")));
    for (const char* name : {"buffers", "shared_module", "named_entries"}) {
        const QJsonObject ref = refs.value(QLatin1String(name)).toObject();
        QVERIFY(!ref.isEmpty());
        const std::string path = std::string(MODULELAB_TEST_DATA "/../../resources/examples/") + name + ".py";
        const ImportResult r = importOk(readFile(QString::fromStdString(path)));
        QVERIFY2(r.root, name);
        QCOMPARE(QString::fromStdString(repr(*r.root)), ref.value("repr").toString());
        QCOMPARE(countParameters(*r.root).total, static_cast<int64_t>(ref.value("total_params").toDouble()));
        QCOMPARE(countParameters(*r.root).buffers, static_cast<int64_t>(ref.value("buffer_elements").toDouble()));
        QCOMPARE(ownTensorNames(*r.root, false), strings(ref.value("named_parameters")));
        QCOMPARE(ownTensorNames(*r.root, true), strings(ref.value("named_buffers")));
        QStringList modules;
        for (const NamedModule& nm : namedModules(*r.root))
            modules << QString::fromStdString(nm.path);
        QCOMPARE(modules, strings(ref.value("named_modules")));
        QStringList keys;
        for (const StateEntry& e : stateDict(*r.root))
            keys << QString::fromStdString(e.key);
        QCOMPARE(keys, strings(ref.value("state_dict_keys")));
        const Analysis a = analyze(*r.root, Shape({2, 1, 28, 28}));
        QVERIFY2(a.outputShape && a.outputShape->dims() == (std::vector<int64_t>{2, 10}), name);
        for (const Diagnostic& d : a.diagnostics) // a shared module is called through either of its names
            QVERIFY2(d.severity == Severity::Info, d.message.c_str());
    }

    // a shared module without weights (one ReLU under two names) still trains
    {
        ImportResult relu = importOk(model("        self.fc = nn.Linear(2, 2)\n        self.act = nn.ReLU()\n"
                                           "        self.seq = nn.Sequential(nn.Linear(2, 2), self.act)\n",
                                           "        return self.act(self.seq(x))\n"));
        QVERIFY(relu.root);
        QVERIFY(!emptyParameterListProblem(*relu.root));
        QCOMPARE(namedModules(*relu.root).size(), size_t(5)); // '', fc, act, seq, seq.0: seq.1 is act, listed once
    }

    // the file's own code sees them as PyTorch does
    const std::string src = kHeader + "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(2, 2)\n        self.w = nn.Parameter(torch.randn(3, 2))\n"
        "        self.register_buffer('b', torch.zeros(3))\n        self.register_buffer('tmp', torch.zeros(1), persistent=False)\n"
        "        self.again = self.fc\n"
        "        assert [n for n, _ in self.named_parameters()] == ['w', 'fc.weight', 'fc.bias']\n"
        "        assert [n for n, _ in self.named_buffers()] == ['b', 'tmp']\n"
        "        assert len(list(self.modules())) == 2 and list(self.state_dict().keys()) == ['w', 'b', 'fc.weight', 'fc.bias', 'again.weight', 'again.bias']\n"
        "        assert self.w.shape == (3, 2) and self.b.shape[0] == 3\n"
        "        self.b = torch.ones(3)\n"
        "    def forward(self, x):\n        return self.again(x)\n";
    const ImportResult r = importOk(src);
    QVERIFY(r.root);
    // torch.randn values are drawn as PyTorch draws them (tests/engine/tst_initcode.cpp): no note
    QVERIFY(!findDiagnostic(r, Severity::Info, "initial values of 'w'"));
    QVERIFY(r.root->initRecipe());
    QCOMPARE(countParameters(*r.root).total, int64_t(12));

    // a project file cannot hold them yet: saving says so instead of dropping them
    for (const char* file : {"python/params_buffers.py", "python/shared_modules.py"}) {
        ImportResult m = importOk(readFile(dataPath(QLatin1String(file))));
        QVERIFY(m.root);
        Project project;
        project.root = std::move(m.root);
        project.inputShape = Shape({2, 4});
        const QString path = QDir::temp().filePath(QStringLiteral("modulelab_own_tensors.mlab"));
        const std::optional<std::string> err = saveProject(project, path.toStdString());
        QVERIFY2(err && err->find("not supported by ModuleLab yet") != std::string::npos, file);
        QVERIFY(!QFile::exists(path));
        // training takes them (engine_train checks their gradients against PyTorch's)
        const std::optional<std::string> train = emptyParameterListProblem(*project.root);
        QVERIFY2(!train, train ? train->c_str() : file);
    }
}

void TestPythonImport::derivedContainers()
{
    // classes derived from nn.Sequential, nn.ModuleList and nn.ModuleDict are those containers
    // under their own class names, against PyTorch (tests/data/python/gen_examples_reference.py)
    const QJsonObject ref = readJson(dataPath(QStringLiteral("python/examples_reference.json"))).value("derived_containers").toObject();
    QVERIFY(!ref.isEmpty());
    const ImportResult r = importOk(readFile(dataPath(QStringLiteral("python/derived_containers.py"))));
    QVERIFY(r.root);
    QCOMPARE(QString::fromStdString(repr(*r.root)), ref.value("repr").toString());
    QCOMPARE(countParameters(*r.root).total, static_cast<int64_t>(ref.value("total_params").toDouble()));
    QStringList modules, keys;
    for (const NamedModule& nm : namedModules(*r.root))
        modules << QString::fromStdString(nm.path);
    QCOMPARE(modules, strings(ref.value("named_modules")));
    for (const StateEntry& e : stateDict(*r.root))
        keys << QString::fromStdString(e.key);
    QCOMPARE(keys, strings(ref.value("state_dict_keys")));
    const Analysis a = analyze(*r.root, Shape({2, 3, 28, 28}));
    QVERIFY(a.outputShape && a.outputShape->dims() == (std::vector<int64_t>{2, 10}));
    for (const Diagnostic& d : a.diagnostics)
        QVERIFY2(d.severity != Severity::Error, d.message.c_str());
    // their own forward ran: DenseLayer concatenates, so block's output has 8 + 2 * 4 channels
    const NodeInfo* block = a.info(r.root->findPath("block"));
    QVERIFY(block && block->outputShape && block->outputShape->dims() == (std::vector<int64_t>{2, 16, 14, 14}));

    // exported code keeps the classes: importing it again gives the same model
    const std::string code = python::exportPython(*r.root);
    QVERIFY2(code.find("class DenseLayer(nn.Sequential):") != std::string::npos, code.c_str());
    QVERIFY2(code.find("class Head(nn.Sequential):\n    pass") != std::string::npos, code.c_str());
    const ImportResult back = importOk(code);
    QVERIFY2(back.root, code.c_str());
    QCOMPARE(repr(*back.root), repr(*r.root));
    const Analysis b = analyze(*back.root, Shape({2, 3, 28, 28}));
    QVERIFY(b.outputShape && b.outputShape->dims() == (std::vector<int64_t>{2, 10}));

    // a project file cannot hold them yet, and says so
    Project project;
    project.root = r.root->clone();
    const QString path = QDir::temp().filePath(QStringLiteral("modulelab_derived_containers.mlab"));
    const std::optional<std::string> err = saveProject(project, path.toStdString());
    QVERIFY2(err && err->find("not supported by ModuleLab yet: a project file cannot store a class derived from nn.Sequential ('ConvBNReLU')")
                 != std::string::npos,
             err ? err->c_str() : "saved");
    QVERIFY(!QFile::exists(path));
}

void TestPythonImport::buffersParametersErrors()
{
    struct Case {
        std::string code;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"        self.register_buffer(1, torch.zeros(1))\n", "TypeError: buffer name should be a string. Got int"},
        {"        self.register_buffer('a.b', torch.zeros(1))\n", "KeyError: buffer name can't contain \".\""},
        {"        self.register_buffer('', torch.zeros(1))\n", "KeyError: buffer name can't be empty string \"\""},
        {"        self.x = 3\n        self.register_buffer('x', torch.zeros(1))\n", "KeyError: attribute 'x' already exists"},
        {"        self.register_buffer('y', 3)\n", "TypeError: cannot assign 'int' object to buffer 'y' (torch Tensor or None required)"},
        {"        self.register_parameter('p', torch.zeros(1))\n",
         "TypeError: cannot assign 'torch.FloatTensor' object to parameter 'p' (torch.nn.Parameter or None required)"},
        {"        self.w = nn.Parameter(torch.zeros(1))\n        self.w = torch.zeros(2)\n",
         "TypeError: cannot assign 'torch.FloatTensor' as parameter 'w' (torch.nn.Parameter or None expected)"},
        {"        self.w = nn.Parameter(torch.zeros(1), requires_grad=1)\n",
         "TypeError: _make_subclass(): argument 'require_grad' (position 3) must be bool, not int"},
    };
    for (const Case& c : cases) {
        const ParseError e = parseError(model(c.code));
        QVERIFY2(e.message.find(c.message) != std::string::npos, (c.code + " -> " + e.message).c_str());
    }
    const std::string before = kHeader + "class M(nn.Module):\n    def __init__(self):\n        self.register_buffer('a', torch.zeros(1))\n"
        "        super().__init__()\n    def forward(self, x):\n        return x\n";
    QVERIFY(parseError(before).message.find("AttributeError: cannot assign buffer before Module.__init__() call") != std::string::npos);
}

// ---- errors ------------------------------------------------------------------------------

void TestPythonImport::errors_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    auto add = [](const char* name, const std::string& src, int line, int col, const char* msg) {
        QTest::newRow(name) << QString::fromStdString(src) << line << col << QString::fromUtf8(msg);
    };
    // model() puts __init__'s body on line 8 and forward's on line 9 + (lines of __init__ body)
    add("unclosed call", model("", "        x = F.relu(self.a(x)\n        return x\n"), 13, 1,
        "expected ')' to close '(' opened at 9:19");
    add("yield", model("        yield 1\n"), 8, 9, "not supported by ModuleLab yet: 'yield'");
    add("lambda", model("        f = lambda a, a: a\n"), 8, 23, "duplicate argument 'a' in function definition");
    add("not a module class", kHeader + "class Net(object):\n    pass\n", 1, 1, "no model class found");
    add("star args of an undefined name", model("        self.s = nn.Sequential(*layers)\n"), 8, 33, "name 'layers' is not defined");
    add("bad indent", model("", "        x = x\n          return x\n"), 10, 11, "unexpected indent");
    add("huge literal", model("        self.fc = nn.Linear(123456789012345678901234567890, 1)\n"), 8, 29, "not supported by ModuleLab yet: integers beyond 64 bits (the literal 12345678901234567890123456789");
    add("chained assign", model("        a = b = 1\n"), 8, 15, "chained assignment");
    // what PyTorch raises while the model is built: the model is not shown as if it were whole
    add("unknown layer", model("        self.c = nn.Conv2D(1, 2, 3)\n"), 8, 18,
        "AttributeError: module 'torch.nn' has no attribute 'Conv2D': did you mean 'Conv2d'?");
    add("unknown keyword", model("        self.c = nn.Conv2d(1, 2, kernel=3)\n"), 8, 34,
        "got an unexpected keyword argument 'kernel': did you mean 'kernel_size'?");
    add("missing argument", model("        self.c = nn.Conv2d(1, 2)\n"), 8, 18, "missing required argument 'kernel_size'");
    add("wrong type", model("        self.s = nn.Sequential(nn.ReLU(), nn.Linear(4, 'x'))\n"), 8, 56, "out_features");
    add("in a ModuleList", model("        self.l = nn.ModuleList([nn.ReLU(), nn.Relu()])\n"), 8, 44, "did you mean 'ReLU'?");
    add("undefined name", model("        self.fc = nn.Linear(widht, 2)\n"), 8, 29, "name 'widht' is not defined");
    add("undefined class", model("        self.b = Blok()\n"), 8, 18, "name 'Blok' is not defined");
    add("functional in init", model("        self.a = F.relu()\n"), 8, 18, "F.relu is a function, not a module");
    add("no super", kHeader + "class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 2)\n"
                               "    def forward(self, x):\n        return x\n",
        7, 9, "cannot assign module before Module.__init__() call");
    add("int overflow", model("        self.fc = nn.Linear(4611686018427387904 * 4, 1)\n"), 8, 29,
        "not supported by ModuleLab yet: integers beyond 64 bits");
    add("division by zero", model("        self.fc = nn.Linear(4 // 0, 1)\n"), 8, 29, "ZeroDivisionError");
    // Python has these: what ModuleLab lacks is its own limit, never a NameError or AttributeError
    add("python builtin", model("        n = len(vars(self))\n"), 8, 17, "not supported by ModuleLab yet: Python's builtin 'vars'");
    add("python str method", model("        n = 'conv'.title()\n"), 8, 13, "not supported by ModuleLab yet: str.title()");
    add("python list method", model("        l = [2, 1]\n        l.sort()\n"), 9, 9, "not supported by ModuleLab yet: list.sort()");
    add("no such str method", model("        n = 'conv'.titel()\n"), 8, 13, "AttributeError: 'str' object has no attribute 'titel'");
    add("bad format character", model("        n = '%q' % 3\n"), 8, 13, "ValueError: unsupported format character 'q' (0x71) at index 1");
    add("dict key with dot", model("        self.d = nn.ModuleDict({'a.b': nn.ReLU()})\n"), 8, 18, "can't contain \".\"");
    add("assert", model("        assert 1 > 2, 'one is not more than two'\n"), 8, 9,
        "AssertionError: one is not more than two");
    add("raise", model("        raise ValueError('bad width')\n"), 8, 9, "ValueError: bad width");
    add("endless loop", model("        while True:\n            pass\n"), 9, 13, "steps");
    add("deep recursion", kHeader + "def f(n):\n    return f(n + 1)\n\n" + model("        f(0)\n").substr(kHeader.size()), 6, 12,
        "calls nested more than 200 deep");
    add("huge range", model("        self.l = nn.ModuleList([nn.ReLU() for _ in range(10 ** 12)])\n"), 8, 52,
        "a range of more than 1,000,000 elements");
    add("unknown library use", "import numpy as np\n" + model("        self.w = np.zeros(3)\n"), 9, 18,
        "not supported by ModuleLab yet: calling 'numpy.zeros'");
    // a misspelt torch package fails at the import, as in Python (torch 1.13's packages)
    add("misspelt torch package", "import torch.nQ.functional as G\n" + model(""), 1, 1,
        "ModuleNotFoundError: No module named 'torch.nQ'");
    add("misspelt torch.nn package", "from torch.nn.functionl import relu\n" + model(""), 1, 1,
        "ModuleNotFoundError: No module named 'torch.nn.functionl'");
}

void TestPythonImport::errors()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const ParseError e = parseError(source.toStdString());
    QVERIFY2(e.message.find(message.toStdString()) != std::string::npos, e.message.c_str());
    QCOMPARE(e.file, std::string("bad.py"));
    QCOMPARE(e.loc.line, line);
    QCOMPARE(e.loc.column, column);
    QVERIFY(e.toString().rfind("bad.py:" + std::to_string(line) + ":" + std::to_string(column) + ": ", 0) == 0);
}

void TestPythonImport::semanticErrors_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    auto add = [](const char* name, const std::string& src, int line, int col, const char* path, const char* msg) {
        QTest::newRow(name) << QString::fromStdString(src) << line << col << QString::fromUtf8(path) << QString::fromUtf8(msg);
    };
    // forward runs when the model is analysed: these are found there, at their line
    add("forward undefined", model("", "        y = F.relu(z)\n        return y\n"), 9, 20, "", "name 'z' is not defined");
    add("forward missing import", "import torch.nn as nn\n\n" + model("", "        return F.relu(x)\n").substr(kHeader.size()), 7, 16,
        "", "name 'F' is not defined");
    add("forward typo", model("", "        return F.log_sotfmax(x)\n"), 9, 16, "",
        "AttributeError: module 'torch.nn.functional' has no attribute 'log_sotfmax': did you mean 'F.log_softmax'?");
    add("forward bad keyword", model("", "        return F.softmax(x, dimm=1)\n"), 9, 16, "", "dimm");
    add("forward endless loop", model("", "        while True:\n            x = x\n        return x\n"), 10, 13, "", "steps");
    add("forward changes the model", model("", "        self.y = x\n        return x\n"), 9, 9, "",
        "not supported by ModuleLab yet: changing the model's modules inside forward");
}

void TestPythonImport::semanticErrors()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const ImportResult r = importOk(source.toStdString());
    QVERIFY(r.root);
    const Analysis a = analyze(*r.root, Shape({1, 4}));
    const Diagnostic* d = nullptr;
    for (const Diagnostic& x : r.diagnostics) // names forward reads that the file never defines
        if (x.severity == Severity::Error && x.message.find(message.toStdString()) != std::string::npos)
            d = &x;
    for (const Diagnostic& x : a.diagnostics)
        if (x.severity == Severity::Error && x.message.find(message.toStdString()) != std::string::npos)
            d = &x;
    QVERIFY2(d, a.diagnostics.empty() ? "no diagnostics" : a.diagnostics[0].message.c_str());
    QCOMPARE(d->loc, (SourceLoc{line, column}));
    QCOMPARE(QString::fromStdString(d->path), path);
}

// self.features[:2] is an nn.Sequential of the first two modules in PyTorch: calling it runs them.
void TestPythonImport::sequentialSliceRunsItsModules()
{
    const ImportResult r = importOk("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                                    "        super().__init__()\n"
                                    "        self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))\n\n"
                                    "    def forward(self, x):\n        return self.features[:2](x)\n\n\nmodel = Net()\n");
    QVERIFY(r.root);
    const Analysis a = analyze(*r.root, Shape({1, 4}));
    QVERIFY(!a.hasErrors());
    QVERIFY2(a.outputShape && *a.outputShape == Shape({1, 8}), a.outputShape ? a.outputShape->toString().c_str() : "no output");
    const Module* seq = r.root->findChild("features");
    QCOMPARE(a.info(seq->child(0))->calls, 1);
    QCOMPARE(a.info(seq->child(1))->calls, 1);
    QVERIFY(!a.info(seq->child(2)) || a.info(seq->child(2))->calls == 0);
}

// ---- hostile input -----------------------------------------------------------------------

void TestPythonImport::selfContainingClasses()
{
    const std::string direct = kHeader + "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(2, 2)\n        self.again = Net()\n    def forward(self, x):\n        return x\n";
    const ParseError d = parseError(direct);
    QVERIFY2(d.message.find("class 'Net' contains itself (Net -> Net)") != std::string::npos, d.message.c_str());
    QCOMPARE(d.loc, (SourceLoc{9, 22}));

    const std::string indirect = kHeader + "class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.b = nn.Sequential(B())\n    def forward(self, x):\n        return x\n\n"
        "class B(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.ModuleList([A()])\n"
        "    def forward(self, x):\n        return x\n\nmodel = A()\n";
    const ParseError i = parseError(indirect);
    QVERIFY2(i.message.find("class 'A' contains itself (A -> B -> A)") != std::string::npos, i.message.c_str());
}

void TestPythonImport::absurdSizes()
{
    // metadata only: 10^7 x 10^7 is fine
    const ImportResult huge = importOk(model("        self.fc = nn.Linear(10000000, 10000000)\n"));
    QVERIFY(huge.root);
    QCOMPARE(countParameters(*huge.root).total, int64_t{100000000000000} + 10000000);

    QElapsedTimer timer;
    timer.start();
    const ParseError many = parseError(model("        self.l = nn.ModuleList([nn.ReLU() for _ in range(10000000)])\n"));
    QVERIFY2(many.message.find("more than 1,000,000 elements") != std::string::npos, many.message.c_str());
    const ParseError manyModules = parseError(model("        self.l = nn.ModuleList([nn.ReLU() for _ in range(200000)])\n"));
    QVERIFY2(manyModules.message.find("more than 100,000 modules") != std::string::npos, manyModules.message.c_str());

    // exponential fan-out: 12 levels of 10 children each
    std::string chain = kHeader;
    for (int k = 0; k < 12; ++k)
        chain += "class C" + std::to_string(k) + "(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            + "        self.l = nn.ModuleList([" + (k == 11 ? std::string("nn.ReLU()") : "C" + std::to_string(k + 1) + "()")
            + " for _ in range(10)])\n    def forward(self, x):\n        return x\n\n";
    chain += "model = C0()\n";
    const ParseError fan = parseError(chain);
    QVERIFY2(fan.message.find("more than 100,000 modules") != std::string::npos, fan.message.c_str());
    QVERIFY2(timer.elapsed() < 20000, "hostile sizes must be rejected quickly");

    QVERIFY(parseError(model("        self.fc = nn.Linear(-5, 2)\n")).loc.valid());
}

void TestPythonImport::deepNesting()
{
    // functions defined in a long loop read the names around them when they run (as in Python):
    // no function holds the earlier ones, and the loop runs to its end
    const ParseError chain = parseError(kHeader + "for i in range(1000):\n    def a():\n        pass\n    def b():\n        pass\n");
    QVERIFY2(chain.message.find("no model class") != std::string::npos, chain.message.c_str());
    const ParseError again = parseError(kHeader + "for i in range(20000):\n    def forward(self, x):\n        return x\n");
    QVERIFY2(again.message.find("no model class") != std::string::npos, again.message.c_str()); // ran to the end

    const std::string parens = model("", "        return " + std::string(1000, '(') + "x" + std::string(1000, ')') + "\n");
    const ParseError p = parseError(parens);
    QVERIFY2(p.message.find("nested more than") != std::string::npos, p.message.c_str());

    const ParseError minus = parseError(model("        a = " + std::string(100000, '-') + "1\n"));
    QVERIFY2(minus.message.find("nested more than") != std::string::npos, minus.message.c_str());

    std::string sum = "x";
    for (int k = 0; k < 20000; ++k)
        sum += " + x";
    QVERIFY(parseError(model("", "        return " + sum + "\n")).message.find("nested more than") != std::string::npos);
    std::string attrs = "x";
    for (int k = 0; k < 20000; ++k)
        attrs += ".a";
    QVERIFY(parseError(model("", "        return " + attrs + "\n")).message.find("nested more than") != std::string::npos);

    std::string blocks = "class A:\n";
    for (int k = 1; k < 200; ++k)
        blocks += std::string(static_cast<size_t>(k), ' ') + "if x:\n";
    QVERIFY(parseError(blocks).message.find("nested more than") != std::string::npos);

    // 100 classes, each containing the next: built (Python's limits are far away)
    std::string classes = kHeader;
    for (int k = 0; k < 100; ++k)
        classes += "class C" + std::to_string(k) + "(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            + (k == 99 ? std::string("        self.fc = nn.Linear(1, 1)\n") : "        self.c = C" + std::to_string(k + 1) + "()\n")
            + "    def forward(self, x):\n        return x\n\n";
    classes += "model = C0()\n";
    const ImportResult deep = importOk(classes);
    QVERIFY(deep.root);
    QCOMPARE(namedModules(*deep.root).size(), size_t{101});
    // 300 classes nested: the evaluator's call depth stops it with a located error
    std::string deeper = kHeader;
    for (int k = 0; k < 300; ++k)
        deeper += "class C" + std::to_string(k) + "(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            + (k == 299 ? std::string("        self.fc = nn.Linear(1, 1)\n") : "        self.c = C" + std::to_string(k + 1) + "()\n")
            + "    def forward(self, x):\n        return x\n\n";
    deeper += "model = C0()\n";
    QVERIFY(parseError(deeper).message.find("calls nested more than 200 deep") != std::string::npos);

    const auto expr = python::parseExpression(std::string(5000, '[') + std::string(5000, ']'));
    QVERIFY(std::holds_alternative<ParseError>(expr));
}

void TestPythonImport::truncatedFiles()
{
    for (const char* file : {"seed/net_modulelist.py", "python/classes_used.py", "python/ordered_sequential.py"}) {
        const std::string src = readFile(dataPath(file));
        QVERIFY(!src.empty());
        int errors = 0;
        for (size_t n = 0; n < src.size(); ++n) {
            expectGraceful(src.substr(0, n));
            if (QTest::currentTestFailed())
                QFAIL(("prefix of " + std::to_string(n) + " bytes of " + file).c_str());
            errors += std::holds_alternative<ParseError>(python::importPython(src.substr(0, n), "t.py"));
        }
        QVERIFY(errors > 0); // most prefixes are not valid models
    }
}

void TestPythonImport::mutatedFiles()
{
    std::mt19937 rng(1234);
    const std::string bytes = "()[]{}:,.=+-*/ \n\t'\"#\\0123456789abcdefxyz_\x80\xff\x00";
    for (const char* file : {"seed/net.py", "seed/net_sequential.py", "python/nested_containers.py", "python/enumerate_loop.py"}) {
        const std::string src = readFile(dataPath(file));
        for (int iter = 0; iter < 750; ++iter) {
            std::string m = src;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips; ++f) {
                const size_t pos = rng() % m.size();
                switch (rng() % 3) {
                case 0: m[pos] = bytes[rng() % bytes.size()]; break;
                case 1: m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8))); break;
                default: m.erase(pos, 1 + rng() % 8);
                }
            }
            expectGraceful(m);
            if (QTest::currentTestFailed())
                QFAIL(("mutation " + std::to_string(iter) + " of " + file).c_str());
        }
    }
}

void TestPythonImport::randomBytes()
{
    std::mt19937 rng(99);
    for (int iter = 0; iter < 1000; ++iter) {
        std::string s(rng() % 3000, '\0');
        const bool printable = iter % 2;
        for (char& c : s)
            c = printable ? static_cast<char>(32 + rng() % 95) : static_cast<char>(rng() % 256);
        if (iter % 5 == 0)
            s = model("") + s; // garbage after a valid model
        expectGraceful(s);
        if (QTest::currentTestFailed())
            QFAIL(("random input " + std::to_string(iter)).c_str());
    }
    expectGraceful(std::string(kHeader.size(), '\0'));
    expectGraceful("\xEF\xBB\xBF" + model(""));
    QVERIFY(importOk("\xEF\xBB\xBF" + model("")).root);
    expectGraceful(std::string(python::kMaxSourceBytes + 1, ' '));
    expectGraceful(std::string(2'000'000, '('));
}

QTEST_GUILESS_MAIN(TestPythonImport)
#include "tst_python_import.moc"
