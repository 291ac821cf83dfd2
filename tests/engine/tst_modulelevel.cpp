// The file's module level as PyTorch's Python runs it: sys.modules[__name__] (setattr/getattr on
// the file's own module) and a failing line that builds on a model.
#include "engine/module.h"
#include "engine/python/importer.h"

#include <QFile>
#include <QTest>

using namespace ml;

namespace {

std::string readText(const QString& rel)
{
    QFile f(QStringLiteral(MODULELAB_TEST_DATA "/") + rel);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(rel));
    return f.readAll().toStdString();
}

std::string errorText(const std::variant<python::ImportResult, ParseError>& r)
{
    if (auto* e = std::get_if<ParseError>(&r))
        return e->toString();
    return "(no error)";
}

} // namespace

class TestModuleLevel : public QObject {
    Q_OBJECT
private slots:
    void sysModulesOfTheFile();
    void failingLineThatBuildsOnAModel();
};

// corpus-heldout/cifarmodels_resnet.py defines its factories with
// setattr(sys.modules[__name__], 'cifar10_resnet20', partial(_resnet, ...)) over placeholder defs:
// cifar10_resnet20() is the partial's model, as in PyTorch (its references: parameters 272,474,
// tests/data/corpus-heldout/reference/cifarmodels_resnet.json).
void TestModuleLevel::sysModulesOfTheFile()
{
    python::ImportOptions o;
    o.className = "cifar10_resnet20";
    auto r = python::importPython(readText("corpus-heldout/cifarmodels_resnet.py"), "cifarmodels_resnet.py", o);
    QVERIFY2(std::holds_alternative<python::ImportResult>(r), errorText(r).c_str());
    QCOMPARE(countParameters(*std::get<python::ImportResult>(r).root).total, int64_t(272474));
    // getattr and attribute reads see the names the module level set
    auto g = python::importPython("import sys\nimport torch.nn as nn\nthis = sys.modules[__name__]\nsetattr(this, 'width', 6)\n"
                                  "this.depth = 2\nmodel = nn.Linear(getattr(this, 'width') + this.depth, width)\n",
                                  "m.py");
    QVERIFY2(std::holds_alternative<python::ImportResult>(g), errorText(g).c_str());
    QCOMPARE(QString::fromStdString(repr(*std::get<python::ImportResult>(g).root)), QStringLiteral("Linear(in_features=8, out_features=6, bias=True)"));
    // `python3 m.py`: AttributeError: module '__main__' has no attribute 'nothing'
    const std::string e = errorText(python::importPython("import sys\nimport torch.nn as nn\nmodel = nn.Linear(2, sys.modules[__name__].nothing)\n", "m.py"));
    QVERIFY2(e.find("m.py:3:") == 0 && e.find("AttributeError: module '__main__' has no attribute 'nothing'") != std::string::npos, e.c_str());
}

// m2 = nn.Sequential(m, 3) fails in PyTorch with "TypeError: int is not a Module subclass" at
// that line; it is never skipped as training code would be.
void TestModuleLevel::failingLineThatBuildsOnAModel()
{
    const std::string e = errorText(python::importPython("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2))\nm2 = nn.Sequential(m, 3)\n", "seq.py"));
    QVERIFY2(e.rfind("seq.py:3:", 0) == 0 && e.find("TypeError: int is not a Module subclass") != std::string::npos, e.c_str());
    // a line ModuleLab cannot run that only reads the model (an optimizer) is still skipped with a warning
    auto r = python::importPython("import torch.nn as nn\nimport torch.optim as optim\nm = nn.Linear(2, 2)\nopt = optim.SGD(m.parameters(), lr=0.1)\n", "opt.py");
    QVERIFY2(std::holds_alternative<python::ImportResult>(r), errorText(r).c_str());
}

QTEST_GUILESS_MAIN(TestModuleLevel)
#include "tst_modulelevel.moc"
