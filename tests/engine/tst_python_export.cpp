#include "engine/layer.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/python/exporter.h"
#include "engine/python/importer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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
    void oneClassForInstancesThatDiffer();
    void parametersNamedFromWhatTheyFeed();
    void sharedModuleInRootContainer();
    void frozenModulesRoundTrip();
    void requiresGradTrueInsideFrozen();
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
    QCOMPARE(countParameters(*second.root).trainable, countParameters(*first.root).trainable);
    const QJsonObject ref = QJsonDocument::fromJson(QByteArray::fromStdString(readFile(dataPath(file.chopped(3) + ".json")))).object();
    QCOMPARE(countParameters(*second.root).total, static_cast<int64_t>(ref["total_params"].toDouble()));
    QCOMPARE(countParameters(*second.root).trainable, static_cast<int64_t>(ref["trainable_params"].toDouble()));
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

// Instances of one class that differ in an attribute, in a child's structure or in having a child
// at all are still one class (print(model) names it so): the constructor takes the value, the
// module, or an optional module.
void TestPythonExport::oneClassForInstancesThatDiffer()
{
    const ImportResult first = importText("import torch.nn as nn\n\nclass Block(nn.Module):\n"
                                          "    def __init__(self, c_in, c_out, stride=1, extra=False):\n"
                                          "        super().__init__()\n        self.stride = stride\n"
                                          "        self.conv = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)\n"
                                          "        self.shortcut = nn.Sequential()\n"
                                          "        if stride != 1 or c_in != c_out:\n"
                                          "            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride), nn.BatchNorm2d(c_out))\n"
                                          "        if extra:\n            self.extra = nn.ReLU()\n"
                                          "    def forward(self, x):\n        return self.conv(x) + self.shortcut(x)\n\n"
                                          "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                                          "        self.a = Block(8, 8)\n        self.b = Block(8, 16, 2, extra=True)\n"
                                          "    def forward(self, x):\n        return self.b(self.a(x))\n\nmodel = Net()\n");
    QVERIFY(first.root);
    const std::string code = python::exportPython(*first.root);
    QVERIFY2(code.find("Block_2") == std::string::npos, code.c_str());
    QVERIFY2(code.find("    def __init__(self, stride, out_channels, shortcut, extra=None):\n"
                       "        super().__init__()\n        self.stride = stride\n"
                       "        self.conv = nn.Conv2d(8, out_channels, 3, stride=stride, padding=1)\n"
                       "        self.shortcut = shortcut\n        if extra is not None:\n            self.extra = extra\n")
                 != std::string::npos,
             code.c_str());
    QVERIFY2(code.find("        self.a = Block(1, 8, nn.Sequential())\n        self.b = Block(2, 16, nn.Sequential(\n") != std::string::npos,
             code.c_str());
    QVERIFY2(code.find("        ), extra=nn.ReLU())\n") != std::string::npos, code.c_str());
    const ImportResult back = importText(code);
    QVERIFY2(back.root, code.c_str());
    QCOMPARE(repr(*back.root), repr(*first.root));
    QCOMPARE(stateDict(*back.root).size(), stateDict(*first.root).size());
    QCOMPARE(python::exportPython(*back.root), code);
}

// A constructor parameter is named after what it feeds: never in_channels/out_channels for a
// bottleneck's width, which feeds one conv's out_channels and the next one's in_channels.
void TestPythonExport::parametersNamedFromWhatTheyFeed()
{
    const char* source = "import torch.nn as nn\n\nclass Bottleneck(nn.Module):\n    def __init__(self, in_c, mid, stride=1):\n"
                         "        super().__init__()\n        self.conv1 = nn.Conv2d(in_c, mid, 1, bias=False)\n"
                         "        self.bn1 = nn.BatchNorm2d(mid)\n"
                         "        self.conv2 = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, bias=False)\n"
                         "        self.bn2 = nn.BatchNorm2d(mid)\n        self.conv3 = nn.Conv2d(mid, in_c, 1, bias=False)\n"
                         "        self.pool = nn.AvgPool2d(3, stride=stride, padding=1)\n"
                         "    def forward(self, x):\n        return self.pool(x) + self.conv3(self.bn2(self.conv2(self.bn1(self.conv1(x)))))\n\n"
                         "class Wide(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n"
                         "        self.width = width\n        self.fc1 = nn.Linear(4, width)\n        self.fc2 = nn.Linear(width, 4)\n"
                         "    def forward(self, x):\n        return self.fc2(self.fc1(x))\n\n"
                         "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                         "        self.b1 = Bottleneck(16, 4)\n        self.b2 = Bottleneck(32, 8, 2)\n"
                         "        self.w1 = Wide(8)\n        self.w2 = Wide(16)\n"
                         "    def forward(self, x):\n        return self.b2(self.b1(x))\n\nmodel = Net()\n";
    const ImportResult first = importText(source);
    QVERIFY(first.root);
    const std::string code = python::exportPython(*first.root);
    // in_c feeds conv1's in_channels and conv3's out_channels; mid feeds out_channels and in_channels
    QVERIFY2(code.find("class Bottleneck(nn.Module):\n    def __init__(self, conv1_in_channels, conv1_out_channels, stride):\n")
                 != std::string::npos,
             code.c_str());
    QVERIFY2(code.find("        self.conv3 = nn.Conv2d(conv1_out_channels, conv1_in_channels, 1, bias=False)\n") != std::string::npos,
             code.c_str());
    QVERIFY2(code.find("        self.pool = nn.AvgPool2d(3, stride=stride, padding=1)\n") != std::string::npos, code.c_str());
    QVERIFY2(code.find("(self, in_channels, out_channels") == std::string::npos, code.c_str());
    // a value the class keeps as an attribute is named after it
    QVERIFY2(code.find("class Wide(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n"
                       "        self.width = width\n        self.fc1 = nn.Linear(4, width)\n        self.fc2 = nn.Linear(width, 4)\n")
                 != std::string::npos,
             code.c_str());
    QVERIFY2(code.find("        self.b1 = Bottleneck(16, 4, 1)\n        self.b2 = Bottleneck(32, 8, 2)\n") != std::string::npos, code.c_str());
    const ImportResult back = importText(code);
    QVERIFY(back.root);
    QCOMPARE(repr(*back.root), repr(*first.root));
    QCOMPARE(python::exportPython(*back.root), code);
}

// A module stored in two places of a container at the root (model = nn.Sequential(fc, ..., fc))
// is written once and its later places name the first (model.append(model[0])): one object, as
// in PyTorch, not two with twice the parameters (shared_in_container.py, checked against PyTorch).
void TestPythonExport::sharedModuleInRootContainer()
{
    const ImportResult first = importText(readFile(dataPath("python/shared_in_container.py")));
    QVERIFY(first.root);
    const std::string code = python::exportPython(*first.root);
    QVERIFY2(code.find("\nmodel = nn.Sequential(\n    nn.Linear(4, 4),\n    nn.ReLU(),\n)\nmodel.append(model[0])\n"
                       "model.append(nn.Sequential(\n    nn.Tanh(),\n    model[0],\n))\n")
                 != std::string::npos,
             code.c_str());
    const ImportResult back = importText(code);
    QVERIFY(back.root);
    QCOMPARE(countParameters(*back.root).total, int64_t(20)); // PyTorch: shared_in_container.json
    QCOMPARE(stateDict(*back.root).size(), size_t(6));

    // the same inside a class: the list is written, then the later place appended
    const std::string body = python::exportPython(*importText(readFile(dataPath("python/shared_in_body.py"))).root);
    QVERIFY2(body.find("            nn.ReLU(),\n        ])\n        self.layers.append(self.layers[0])\n") != std::string::npos, body.c_str());
    QVERIFY2(body.find("            'again': self.layers[0],\n") != std::string::npos, body.c_str());

    // a module another class holds as well is given to that class, not made a second time
    const std::string across = python::exportPython(*importText(readFile(dataPath("python/shared_across_classes.py"))).root);
    QVERIFY2(across.find("class Head(nn.Module):\n    def __init__(self, proj):\n") != std::string::npos, across.c_str());
    QVERIFY2(across.find("        self.head = Head(self.embed)\n        self.other = Head(nn.Linear(6, 6))\n"
                         "        self.again = self.other.proj\n        self.copy = self.head\n")
                 != std::string::npos,
             across.c_str());

    // a named Sequential and a ModuleDict: the children from the later place on are added by name
    const ImportResult named = importText("import torch.nn as nn\nfrom collections import OrderedDict\n\n_fc = nn.Linear(2, 2)\n"
                                          "model = nn.Sequential(OrderedDict([('fc', _fc), ('again', _fc), ('act', nn.ReLU())]))\n");
    QVERIFY(named.root);
    const std::string n = python::exportPython(*named.root);
    QVERIFY2(n.find("\nmodel.add_module('again', model.fc)\nmodel.add_module('act', nn.ReLU())\n") != std::string::npos, n.c_str());
    const ImportResult namedBack = importText(n);
    QVERIFY2(namedBack.root, n.c_str());
    QCOMPARE(repr(*namedBack.root), repr(*named.root));
    QCOMPARE(countParameters(*namedBack.root).total, int64_t(6));
    QCOMPARE(python::exportPython(*namedBack.root), n);
}

// Frozen modules ("requires_grad": false in a project, Freeze in the tree) are written as
// fine-tuning code freezes them, model.features.requires_grad_(False), and reading that code
// freezes the same modules: .mlab -> .py -> .mlab gives the same project.
void TestPythonExport::frozenModulesRoundTrip()
{
    auto project = loadModelFile(dataPath("python/frozen_features.mlab").toStdString());
    QVERIFY(std::holds_alternative<LoadedModel>(project));
    const LoadedModel& mlab = std::get<LoadedModel>(project);
    QVERIFY(mlab.root->findPath("features")->frozen());
    const ModelFileExtras extras = extrasOf(mlab);
    const std::string code = modelFileText(*mlab.root, extras, true, {});
    QVERIFY2(code.find("\nmodel = Finetune()\nmodel.features.requires_grad_(False)\nmodel.features[3].requires_grad_(False)\n")
                 != std::string::npos,
             code.c_str());
    auto py = loadModelText(code, "frozen_features.py");
    QVERIFY(std::holds_alternative<LoadedModel>(py));
    const LoadedModel& back = std::get<LoadedModel>(py);
    for (const NamedModule& nm : namedModules(*mlab.root, true))
        QVERIFY2(back.root->findPath(nm.path) && back.root->findPath(nm.path)->frozen() == nm.module->frozen(), nm.path.c_str());
    QCOMPARE(countParameters(*back.root).trainable, int64_t(90)); // PyTorch: frozen_features.json
    QCOMPARE(modelFileText(*back.root, extrasOf(back), false, {}), modelFileText(*mlab.root, extras, false, {}));

    // requires_grad_(True) thaws a module again
    const std::string thaw = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))\n"
                             "model.requires_grad_(False)\nmodel.requires_grad_(requires_grad=True)\n";
    QCOMPARE(countParameters(*importText(thaw).root).trainable, int64_t(12));
}

// requires_grad_(True) on a module inside a frozen one: that module's parameters train again, the
// rest of the frozen module stays frozen (python/thaw/gen_thaw_reference.py: PyTorch's flags).
void TestPythonExport::requiresGradTrueInsideFrozen()
{
    const QJsonObject ref = QJsonDocument::fromJson(QByteArray::fromStdString(readFile(dataPath("python/thaw/thaw.json")))).object();
    QVERIFY(!ref.isEmpty());
    for (const QString& file : ref.keys()) {
        const ImportResult r = importText(readFile(dataPath("python/thaw/" + file)), file.toStdString());
        QStringList frozen;
        for (const StateEntry& e : stateDict(*r.root))
            if (!e.spec.isBuffer && !e.module->requiresGrad(e.spec.name))
                frozen << QString::fromStdString(e.key);
        QStringList want;
        for (const QJsonValue& v : ref[file].toObject()["frozen"].toArray())
            want << v.toString();
        QCOMPARE(frozen, want);
        QCOMPARE(countParameters(*r.root).trainable, ref[file].toObject()["trainable"].toInteger());
    }
}

QTEST_GUILESS_MAIN(TestPythonExport)
#include "tst_python_export.moc"
