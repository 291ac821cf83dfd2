#include "engine/layer.h"
#include "engine/module.h"
#include "engine/python/exporter.h"
#include "engine/python/importer.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace ml;
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

ImportResult importText(const std::string& src, const std::string& name = "export.py")
{
    auto r = python::importPython(src, name);
    if (auto* e = std::get_if<ParseError>(&r)) {
        qWarning("unexpected parse error: %s", e->toString().c_str());
        return {};
    }
    return std::move(std::get<ImportResult>(r));
}

// Same structure, class names, child names, layer arguments and forward programs.
bool sameTree(const Module& a, const Module& b, std::string& why, const std::string& path = {})
{
    if (a.kind() != b.kind() || a.typeName() != b.typeName() || a.childCount() != b.childCount()) {
        why = "node '" + path + "': " + a.typeName() + " vs " + b.typeName();
        return false;
    }
    if (a.kind() == ModuleKind::Layer && static_cast<const Layer&>(a).args() != static_cast<const Layer&>(b).args()) {
        why = "arguments of '" + path + "'";
        return false;
    }
    if (a.kind() == ModuleKind::Custom
        && !(static_cast<const CustomModule&>(a).program() == static_cast<const CustomModule&>(b).program())) {
        why = "forward of '" + path + "':\n" + toSource(static_cast<const CustomModule&>(a).program()) + "\nvs\n"
            + toSource(static_cast<const CustomModule&>(b).program());
        return false;
    }
    for (int k = 0; k < a.childCount(); ++k) {
        if (a.childName(k) != b.childName(k)) {
            why = "child names at '" + path + "'";
            return false;
        }
        if (!sameTree(*a.child(k), *b.child(k), why, joinName(path, a.childName(k))))
            return false;
    }
    return true;
}

std::unique_ptr<Module> layer(const char* type, std::vector<LayerArgument> args)
{
    auto r = createLayer(type, args);
    if (auto* e = std::get_if<std::string>(&r))
        qFatal("%s", e->c_str());
    return std::move(std::get<std::unique_ptr<Layer>>(r));
}

ForwardProgram program(const std::string& body)
{
    // `x = self.NAME(x)` for each name, then `return x`
    ForwardProgram p;
    size_t start = 0;
    while (start < body.size()) {
        const size_t comma = body.find(',', start);
        const std::string name = body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        Stmt s;
        s.kind = Stmt::Kind::Assign;
        s.targets = {"x"};
        s.value = Expr::call(Expr::attr(Expr::name("self"), name), {Expr::name("x")});
        p.body.push_back(s);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    Stmt r;
    r.kind = Stmt::Kind::Return;
    r.value = Expr::name("x");
    p.body.push_back(r);
    return p;
}

} // namespace

class TestPythonExport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void idiomaticLayers();
    void containersAsWritten();
    void sameClassNameDifferentContents();
    void emptyForwardAndNonCustomRoot();
    void floatsWithoutLiteral();
    void namesThatAreNotIdentifiers();
};

void TestPythonExport::initTestCase()
{
    QVERIFY2(findLayerSchema("Conv2d"), "the layer registry is empty");
}

void TestPythonExport::roundTrip_data()
{
    QTest::addColumn<QString>("file");
    for (const QString& f : modelFiles())
        QTest::newRow(qPrintable(f)) << f;
}

// export(import(code)) equals the committed exported/NAME.py (which gen_reference.py runs in
// PyTorch), import(export(m)) rebuilds m, and exporting again changes nothing.
void TestPythonExport::roundTrip()
{
    QFETCH(QString, file);
    const ImportResult first = importText(readFile(dataPath(file)), file.toStdString());
    QVERIFY(first.root && first.inputShape);
    const std::string code = python::exportPython(*first.root, *first.inputShape);

    const QString golden = dataPath(QStringLiteral("python/exported/") + QFileInfo(file).fileName());
    if (qEnvironmentVariableIsSet("MODULELAB_UPDATE_EXPORTED")) {
        QFile out(golden);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(code.c_str(), static_cast<qint64>(code.size()));
    }
    QCOMPARE(QString::fromStdString(code), QString::fromStdString(readFile(golden)));

    const ImportResult second = importText(code);
    QVERIFY(second.root);
    QVERIFY(!hasErrors(second.diagnostics));
    QCOMPARE(repr(*second.root), repr(*first.root));
    std::string why;
    QVERIFY2(sameTree(*first.root, *second.root, why), why.c_str());
    QCOMPARE(countParameters(*second.root).total, countParameters(*first.root).total);
    QCOMPARE(stateDict(*second.root).size(), stateDict(*first.root).size());
    QCOMPARE(second.inputShape, first.inputShape);
    QCOMPARE(python::exportPython(*second.root, *second.inputShape), code);
}

void TestPythonExport::idiomaticLayers()
{
    const ImportResult net = importText(readFile(dataPath("seed/net_fixed.py")));
    QVERIFY(net.root);
    const std::string code = python::exportPython(*net.root);
    QVERIFY(code.rfind("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Net(nn.Module):\n", 0) == 0);
    QVERIFY(code.find("        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)\n") != std::string::npos);
    QVERIFY(code.find("        self.bn2 = nn.BatchNorm2d(64)\n") != std::string::npos);
    QVERIFY(code.find("OrderedDict") == std::string::npos);
    QVERIFY(code.find("# input:") == std::string::npos);
    QVERIFY(code.size() > 20 && code.substr(code.size() - 15) == "\nmodel = Net()\n");
    QVERIFY(python::exportPython(*net.root, "net").find("\nnet = Net()\n") != std::string::npos);

    // instances that differ only in arguments share a class with constructor parameters
    const ImportResult res = importText(readFile(dataPath("python/classes_used.py")));
    const std::string r = python::exportPython(*res.root);
    QVERIFY(r.find("class Block(nn.Module):\n    def __init__(self, out_channels, stride):\n") != std::string::npos);
    QVERIFY(r.find("        self.conv = nn.Conv2d(8, out_channels, 3, stride=stride, padding=1, bias=False)\n") != std::string::npos);
    QVERIFY(r.find("        self.block1 = Block(8, 1)\n        self.block2 = Block(16, 2)\n") != std::string::npos);
    QVERIFY(r.find("Block_2") == std::string::npos);

    const ImportResult tiny = importText(readFile(dataPath("python/transformer_mlp.py")));
    const std::string t = python::exportPython(*tiny.root);
    QVERIFY(t.find("nn.LayerNorm(16, eps=1e-06)") != std::string::npos);
    QVERIFY(t.find("nn.GELU(approximate='tanh')") != std::string::npos);
    QVERIFY(t.find("nn.Dropout(0.0)") != std::string::npos || t.find("nn.Dropout(p=0.0)") != std::string::npos);
    QVERIFY(t.find("self.final = nn.LayerNorm((16,))") != std::string::npos);
    QVERIFY(t.find("self.blocks = nn.ModuleList([MLPBlock() for _ in range(3)])") != std::string::npos);
    // the class used is written before the class that uses it
    QVERIFY(t.find("class MLPBlock(") < t.find("class Mixer("));
}

void TestPythonExport::containersAsWritten()
{
    const ImportResult od = importText(readFile(dataPath("python/ordered_sequential.py")));
    const std::string o = python::exportPython(*od.root);
    QVERIFY(o.find("from collections import OrderedDict\n") != std::string::npos);
    QVERIFY(o.find("        self.body = nn.Sequential(OrderedDict([\n            ('fc_in', nn.Linear(16, 32)),\n") != std::string::npos);

    const ImportResult rep = importText(readFile(dataPath("python/folded_repeats.py")));
    const std::string r = python::exportPython(*rep.root);
    QVERIFY(r.find("        self.layers = nn.ModuleList([nn.Linear(16, 16) for _ in range(4)])\n") != std::string::npos);
    QVERIFY(r.find("        self.mixed = nn.ModuleList([\n            nn.ReLU(),\n            nn.ReLU(),\n            nn.Tanh(),\n") != std::string::npos);

    const ImportResult dict = importText(readFile(dataPath("python/nested_containers.py")));
    const std::string d = python::exportPython(*dict.root);
    QVERIFY(d.find("        self.heads = nn.ModuleDict({\n            'main': nn.Sequential(\n                nn.Flatten(),\n") != std::string::npos);
    QVERIFY(d.find("            'aux': nn.Identity(),\n        })\n") != std::string::npos);

    const ImportResult plain = importText(readFile(dataPath("python/plain_list.py")));
    const std::string p = python::exportPython(*plain.root);
    QVERIFY(p.find("        self.extra = [\n            nn.Linear(8, 8),\n            nn.ReLU(),\n            nn.Linear(8, 2),\n        ]\n") != std::string::npos);
}

void TestPythonExport::sameClassNameDifferentContents()
{
    auto root = std::make_unique<CustomModule>("Net");
    auto a = std::make_unique<CustomModule>("Block");
    a->appendChild("fc", layer("Linear", {{{}, ArgValue::ofInt(4)}, {{}, ArgValue::ofInt(4)}}));
    a->setProgram(program("fc"));
    auto b = std::make_unique<CustomModule>("Block");
    b->appendChild("act", layer("ReLU", {}));
    b->setProgram(program("act"));
    auto c = a->clone(); // the same class again
    root->appendChild("a", std::move(a));
    root->appendChild("b", std::move(b));
    root->appendChild("c", std::move(c));
    root->setProgram(program("a,b,c"));

    const std::string code = python::exportPython(*root);
    QVERIFY(code.find("class Block(nn.Module):") != std::string::npos);
    QVERIFY(code.find("class Block_2(nn.Module):") != std::string::npos);
    QVERIFY(code.find("class Block_3") == std::string::npos);
    QVERIFY(code.find("        self.a = Block()\n        self.b = Block_2()\n        self.c = Block()\n") != std::string::npos);

    const ImportResult back = importText(code);
    QVERIFY(back.root);
    QCOMPARE(back.root->child(1)->typeName(), std::string("Block_2"));
    QCOMPARE(back.root->child(2)->typeName(), std::string("Block"));
    QCOMPARE(repr(*back.root->child(1)), std::string("Block_2(\n  (act): ReLU()\n)"));
    QCOMPARE(python::exportPython(*back.root), code);

    // an existing Block_2 is not overwritten either
    auto root2 = std::make_unique<CustomModule>("Net");
    auto taken = std::make_unique<CustomModule>("Block_2");
    taken->appendChild("t", layer("Tanh", {}));
    root2->appendChild("x", root->takeChild(0));
    root2->appendChild("y", root->takeChild(0));
    root2->appendChild("z", std::move(taken));
    const std::string code2 = python::exportPython(*root2);
    QVERIFY(code2.find("        self.x = Block()\n        self.y = Block_3()\n        self.z = Block_2()\n") != std::string::npos);
}

void TestPythonExport::emptyForwardAndNonCustomRoot()
{
    auto root = std::make_unique<CustomModule>("Empty");
    root->setProgram({});
    const std::string code = python::exportPython(*root);
    QVERIFY(code.find("    def forward(self, x):\n        pass\n") != std::string::npos);
    const ImportResult back = importText(code);
    QVERIFY(back.root);
    QVERIFY(static_cast<const CustomModule&>(*back.root).program().body.empty());

    auto seq = makeContainer(ModuleKind::Sequential);
    seq->appendChild({}, layer("Linear", {{{}, ArgValue::ofInt(2)}, {{}, ArgValue::ofInt(3)}, {"bias", ArgValue::ofBool(false)}}));
    seq->appendChild({}, layer("Softmax", {{"dim", ArgValue::ofInt(1)}}));
    QCOMPARE(python::exportPython(*seq, Shape{1, 2}),
             std::string("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
                         "model = nn.Sequential(\n    nn.Linear(2, 3, bias=False),\n    nn.Softmax(dim=1),\n)\n# input: 1,2\n"));
}

// A float literal that overflows is Python's inf: written back as 1e999 (Python reads it as inf),
// nan as float('nan'); both import again to the same model.
void TestPythonExport::floatsWithoutLiteral()
{
    for (const char* literal : {"11111e1111", "-1e999", "float('nan')"}) {
        const ImportResult first = importText(std::string("import torch.nn as nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
                                                          "        super().__init__()\n        self.limit = ") + literal
                                              + "\n        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        return self.fc(x) * " + literal
                                              + "\n\nmodel = M()\n");
        QVERIFY(first.root);
        const std::string code = python::exportPython(*first.root);
        QVERIFY2(code.find("inf") == std::string::npos, code.c_str());
        QVERIFY2(code.find(std::string(literal) == "float('nan')" ? "float('nan')" : "1e999") != std::string::npos, code.c_str());
        const ImportResult back = importText(code);
        QVERIFY2(back.root, code.c_str());
        QCOMPARE(repr(*back.root), repr(*first.root));
        QVERIFY(static_cast<const CustomModule&>(*back.root).program() == static_cast<const CustomModule&>(*first.root).program());
        QCOMPARE(python::exportPython(*back.root), code);
    }
}

// add_module, register_parameter, register_buffer and setattr take any string as a name; such a
// name cannot follow `self.`, so it is written back through the call that made it.
void TestPythonExport::namesThatAreNotIdentifiers()
{
    const ImportResult first = importText("import torch\nimport torch.nn as nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
                                          "        super().__init__()\n        self.add_module('act-1', nn.ReLU())\n"
                                          "        self.register_parameter('gain;', nn.Parameter(torch.ones(2)))\n"
                                          "        self.register_buffer('9th', torch.zeros(2))\n        self.fc = nn.Linear(2, 2)\n"
                                          "    def forward(self, x):\n        return self.fc(x)\n\nmodel = M()\n");
    QVERIFY(first.root);
    const std::string code = python::exportPython(*first.root);
    QVERIFY2(code.find("self.add_module('act-1', nn.ReLU())") != std::string::npos, code.c_str());
    QVERIFY2(code.find("self.register_parameter('gain;', nn.Parameter(torch.ones(2)))") != std::string::npos, code.c_str());
    QVERIFY2(code.find("self.register_buffer('9th', torch.zeros(2))") != std::string::npos, code.c_str());
    QVERIFY2(code.find("self.fc = nn.Linear(2, 2)") != std::string::npos, code.c_str());
    const ImportResult back = importText(code);
    QVERIFY2(back.root, code.c_str());
    QCOMPARE(repr(*back.root), repr(*first.root));
    QCOMPARE(python::exportPython(*back.root), code);
}

QTEST_GUILESS_MAIN(TestPythonExport)
#include "tst_python_export.moc"
