// try / except / else / finally in model code, against what PyTorch's Python does with the same
// files (tests/data/python/tryexcept, written by gen_reference.py).
#include "engine/module.h"
#include "engine/python/importer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ml;

namespace {

QString dataPath(const QString& rel) { return QStringLiteral(MODULELAB_TEST_DATA "/python/tryexcept/") + rel; }

std::string readText(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll().toStdString();
}

std::variant<python::ImportResult, ParseError> importText(const std::string& source, const std::string& file = "model.py")
{
    return python::importPython(source, file);
}

std::string errorText(const std::variant<python::ImportResult, ParseError>& r)
{
    if (auto* e = std::get_if<ParseError>(&r))
        return e->toString();
    return "(no error)";
}

std::string errorOf(const std::string& source) { return errorText(importText(source)); }

} // namespace

class TestTryExcept : public QObject {
    Q_OBJECT
private slots:
    void filesAgreeWithPyTorch_data();
    void filesAgreeWithPyTorch();
    void ownLimitsAreNeverCaught();
    void unknownExceptionClass();
    void finallyAfterReturn();
};

void TestTryExcept::filesAgreeWithPyTorch_data()
{
    QTest::addColumn<QString>("file");
    const QJsonObject ref = QJsonDocument::fromJson(QByteArray::fromStdString(readText(dataPath("reference.json")))).object();
    for (const QString& k : ref.keys())
        QTest::newRow(qPrintable(k)) << k;
}

void TestTryExcept::filesAgreeWithPyTorch()
{
    QFETCH(QString, file);
    const QJsonObject ref = QJsonDocument::fromJson(QByteArray::fromStdString(readText(dataPath("reference.json")))).object()[file].toObject();
    auto r = importText(readText(dataPath(file)), file.toStdString());
    if (ref.contains("error")) {
        QVERIFY(std::holds_alternative<ParseError>(r));
        const ParseError& e = std::get<ParseError>(r);
        QCOMPARE(e.loc.line, ref["line"].toInt());
        QVERIFY2(e.message.find(ref["error"].toString().toStdString()) != std::string::npos, e.toString().c_str());
        return;
    }
    QVERIFY2(std::holds_alternative<python::ImportResult>(r), errorText(r).c_str());
    const Module& root = *std::get<python::ImportResult>(r).root;
    QCOMPARE(QString::fromStdString(repr(root)), ref["repr"].toString());
    QCOMPARE(countParameters(root).total, ref["params"].toInteger());
}

// "not supported by ModuleLab yet" is ModuleLab's limit, not a Python exception: no handler,
// not even a bare except or `except Exception`, swallows it; it stays an error at its line.
void TestTryExcept::ownLimitsAreNeverCaught()
{
    const std::string head = "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n";
    for (const std::string handler : {"except Exception:", "except:", "except NotImplementedError:"}) {
        const std::string e = errorOf(head + "        try:\n            self.fc = nn.Bilinear(2, 2, 2)\n        " + handler
                                      + "\n            self.fc = nn.Linear(2, 2)\nmodel = Net()\n");
        QVERIFY2(e.find("model.py:6:23:") != std::string::npos && e.find("not supported by ModuleLab yet: the layer nn.Bilinear") != std::string::npos,
                 e.c_str());
    }
}

// A handler naming a class ModuleLab does not know is its limit, said at that class when an
// exception reaches it.
void TestTryExcept::unknownExceptionClass()
{
    const std::string e = errorOf("import torch.nn as nn\nclass MyError(Exception):\n    pass\nclass Net(nn.Module):\n    def __init__(self):\n"
                                  "        super().__init__()\n        try:\n            n = [][1]\n        except MyError:\n"
                                  "            n = 2\n        self.fc = nn.Linear(n, 2)\nmodel = Net()\n");
    QVERIFY2(e.find("not supported by ModuleLab yet") != std::string::npos, e.c_str());
}

// finally runs also when the try body returns; a return in finally wins, as in Python.
void TestTryExcept::finallyAfterReturn()
{
    auto r = importText("import torch.nn as nn\nseen = []\ndef width():\n    try:\n        return 3\n    finally:\n        seen.append(1)\n"
                        "def other():\n    try:\n        return 3\n    finally:\n        return 5\n"
                        "model = nn.Linear(width() + len(seen), other())\n");
    QVERIFY2(std::holds_alternative<python::ImportResult>(r), errorText(r).c_str());
    QCOMPARE(QString::fromStdString(repr(*std::get<python::ImportResult>(r).root)), QStringLiteral("Linear(in_features=4, out_features=5, bias=True)"));
}

QTEST_GUILESS_MAIN(TestTryExcept)
#include "tst_tryexcept.moc"
