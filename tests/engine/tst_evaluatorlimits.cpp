// Deep nesting in model code (calls, expressions, values, modules) ends in a located error while
// the native stack still has room, on the main thread and on worker threads with small stacks,
// and values nested a million deep are destroyed without recursing.
#include "engine/analysis/analysis.h"
#include "engine/module.h"
#include "engine/python/importer.h"
#include "engine/python/stackguard.h"

#include <QElapsedTimer>
#include <QTest>

#include <pthread.h>

#include <functional>
#include <string>
#include <variant>

using namespace ml;

namespace {

const std::string kHeader = "import torch\nimport torch.nn as nn\n\n";

// A one-class file whose __init__ and forward bodies are given (indented by 8).
std::string model(const std::string& init, const std::string& forward = "        return x\n")
{
    return kHeader + "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n" + init
        + "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n" + forward + "\nmodel = Net()\n# input: 1, 2\n";
}

std::variant<python::ImportResult, ParseError> import(const std::string& src)
{
    return python::importPython(src, "deep.py");
}

// The error as text, "built" when a model was built.
std::string outcomeOf(const std::variant<python::ImportResult, ParseError>& r)
{
    return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).toString() : "built";
}

// Runs fn on a new thread whose stack is `bytes` large, as a GUI worker thread may have.
void onThread(std::size_t bytes, const std::function<void()>& fn)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    QCOMPARE(pthread_attr_setstacksize(&attr, bytes), 0);
    pthread_t t;
    auto run = [](void* p) -> void* {
        (*static_cast<const std::function<void()>*>(p))();
        return nullptr;
    };
    QCOMPARE(pthread_create(&t, &attr, run, const_cast<std::function<void()>*>(&fn)), 0);
    pthread_join(t, nullptr);
    pthread_attr_destroy(&attr);
}

// A helper that calls itself inside 90 nested lists: each call nests 90 expressions deeper.
const std::string kNestedRecursion = kHeader + "def f(n):\n    return " + std::string(90, '[') + "f(n + 1)" + std::string(90, ']')
    + "\n\nf(0)\nmodel = nn.Linear(2, 2)\n";

} // namespace

class TestEvaluatorLimits : public QObject {
    Q_OBJECT

private slots:
    void stackBoundsAreRead();
    void deepRecursionThroughExpressions();
    void deepRecursionOnSmallThreadStacks();
    void deepRecursionInForward();
    void nestedValuesPrintAndCompareAsPython();
    void valuesNestedAMillionDeep();
    void tuplesNestedOrDoubled();
    void modulesNestedTooDeep();
    void longExpressionsAreModuleLabsLimit();
};

void TestEvaluatorLimits::stackBoundsAreRead()
{
    QVERIFY(detail::StackGuard::size() >= 512 * 1024);
    QVERIFY(detail::StackGuard::remaining() < detail::StackGuard::size());
    QVERIFY(!detail::StackGuard::low());
    std::size_t onThreadSize = 0, onThreadRemaining = 0;
    onThread(1 << 20, [&] {
        onThreadSize = detail::StackGuard::size();
        onThreadRemaining = detail::StackGuard::remaining();
    });
    QVERIFY2(onThreadSize >= (1 << 20) && onThreadSize < (2 << 20), std::to_string(onThreadSize).c_str());
    QVERIFY(onThreadRemaining < onThreadSize);
    QVERIFY(detail::StackGuard::margin() <= detail::StackGuard::size() / 2);
}

void TestEvaluatorLimits::deepRecursionThroughExpressions()
{
    // Python runs 1000 calls deep; ModuleLab stops earlier, at the call that would overflow, and
    // says it is its own limit.
    const auto r = import(kNestedRecursion);
    const auto* e = std::get_if<ParseError>(&r);
    QVERIFY(e);
    QVERIFY2(e->message.rfind("not supported by ModuleLab yet: the code nests too deeply (", 0) == 0, e->message.c_str());
    QCOMPARE(e->loc.line, 5);
}

void TestEvaluatorLimits::deepRecursionOnSmallThreadStacks()
{
    // The same file and the deepest nesting the evaluator accepts (100 classes, each building the
    // next) on worker threads with 1 MiB and 4 MiB stacks: a model or a located error, never a
    // stack overflow.
    std::string classes = kHeader;
    for (int k = 0; k < 100; ++k)
        classes += "class C" + std::to_string(k) + "(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            + (k == 99 ? std::string("        self.fc = nn.Linear(1, 1)\n") : "        self.c = C" + std::to_string(k + 1) + "()\n")
            + "    def forward(self, x):\n        return x\n\n";
    classes += "model = C0()\n";
    for (std::size_t stack : {std::size_t{1} << 20, std::size_t{4} << 20}) {
        std::string recursion, nestedClasses;
        onThread(stack, [&] {
            const auto r = import(kNestedRecursion);
            recursion = outcomeOf(r);
            const auto c = import(classes);
            nestedClasses = outcomeOf(c);
        });
        QVERIFY2(recursion.rfind("deep.py:5:", 0) == 0 && recursion.find("the code nests too deeply") != std::string::npos,
                 recursion.c_str());
        QVERIFY2(nestedClasses == "built" || nestedClasses.find("the code nests too deeply") != std::string::npos,
                 nestedClasses.c_str());
    }
}

void TestEvaluatorLimits::deepRecursionInForward()
{
    // forward's helper recursing through nested expressions: the analysis reports it at its line.
    const std::string src = model("", "        return self.g(x, 0)\n    def g(self, x, n):\n        return " + std::string(90, '[')
                                          + "self.g(x, n + 1)" + std::string(90, ']') + "\n");
    const auto r = import(src);
    const auto* ok = std::get_if<python::ImportResult>(&r);
    QVERIFY(ok && ok->root && ok->inputShape);
    const Analysis a = analyze(*ok->root, *ok->inputShape);
    const Diagnostic* found = nullptr;
    for (const Diagnostic& d : a.diagnostics)
        if (d.message.find("the code nests too deeply") != std::string::npos)
            found = &d;
    QVERIFY(found);
    QCOMPARE(found->loc.line, 11);
}

void TestEvaluatorLimits::nestedValuesPrintAndCompareAsPython()
{
    // Python's own RecursionError for printing or comparing values nested 5,000 deep ...
    const std::string nest = "        x = []\n        y = []\n        for i in range(5000):\n            x = [x]\n            y = [y]\n";
    for (const auto& [use, message] : {std::pair{"        s = str(x)\n", "while getting the repr of an object"},
                                       std::pair{"        same = x == y\n", "in comparison"},
                                       std::pair{"        smaller = x < y\n", "in comparison"}}) {
        const auto r = import(model(nest + use));
        const auto* e = std::get_if<ParseError>(&r);
        QVERIFY(e);
        QCOMPARE(e->message, std::string("RecursionError: maximum recursion depth exceeded ") + message);
        QCOMPARE(e->loc.line, 12);
    }
    // ... and a list holding itself prints as [...] and equals itself, as in Python (the code
    // then empties it: ModuleLab has no cycle collector, a list that holds itself is not freed)
    const auto cyclic = import(model("        a = []\n        a.append(a)\n        assert str([a, {1: a}]) == '[[[...]], {1: [[...]]}]', str(a)\n"
                                     "        assert a == a and [a] == [a]\n"
                                     "        a.clear()\n"));
    QCOMPARE(outcomeOf(cyclic), std::string("built"));
}

void TestEvaluatorLimits::valuesNestedAMillionDeep()
{
    // Destroying a list nested 100,000 deep recursed once per level: on a 512 KiB stack it
    // overflowed. Now it is taken apart one level at a time.
    std::string outcome;
    onThread(512 * 1024, [&] {
        const auto r = import(kHeader + "x = []\nfor i in range(100000):\n    x = [x]\nx = None\nmodel = nn.Linear(2, 2)\n");
        outcome = outcomeOf(r);
    });
    QCOMPARE(outcome, std::string("built"));
}

void TestEvaluatorLimits::tuplesNestedOrDoubled()
{
    // A tuple is copied whole: nesting 100,000 deep took quadratic time, doubling 30 times held
    // a billion values. Both stop quickly with ModuleLab's own limit at their line.
    QElapsedTimer timer;
    timer.start();
    const auto deep = import(model("        x = ()\n        for i in range(100000):\n            x = (x,)\n"));
    QVERIFY(std::holds_alternative<ParseError>(deep));
    QCOMPARE(std::get<ParseError>(deep).message, std::string("not supported by ModuleLab yet: tuples nested more than 1000 levels deep"));
    QCOMPARE(std::get<ParseError>(deep).loc.line, 9);
    const auto doubled = import(model("        x = (1,)\n        for i in range(30):\n            x = (x, x)\n"));
    QVERIFY(std::holds_alternative<ParseError>(doubled));
    QCOMPARE(std::get<ParseError>(doubled).message,
             std::string("not supported by ModuleLab yet: tuples holding more than 100,000 values in the tuples inside them"));
    QCOMPARE(std::get<ParseError>(doubled).loc.line, 9);
    const auto repeated = import(model("        x = tuple(range(1000))\n        y = [x] * 100000\n"));
    QVERIFY(std::holds_alternative<ParseError>(repeated));
    QVERIFY2(std::get<ParseError>(repeated).message.find("not supported by ModuleLab yet: values holding more than 1,000,000 elements")
                 == 0,
             std::get<ParseError>(repeated).message.c_str());
    QCOMPARE(std::get<ParseError>(repeated).loc.line, 8);
    QVERIFY2(timer.elapsed() < 30000, std::to_string(timer.elapsed()).c_str());
    // shapes and configuration tuples as models use them are untouched
    QCOMPARE(outcomeOf(import(model("        cfg = ((64, 3), (128, 3), ((256, 1), (256, 3)))\n        self.k = [c for c in cfg]\n"))),
             std::string("built"));
}

void TestEvaluatorLimits::modulesNestedTooDeep()
{
    // PyTorch builds this but cannot print or run it (RecursionError near 500 levels); ModuleLab
    // stops at its own limit at the line that goes past it.
    const auto r = import(model("        m = nn.ReLU()\n        for i in range(50000):\n            m = nn.Sequential(m)\n        self.m = m\n"));
    const auto* e = std::get_if<ParseError>(&r);
    QVERIFY(e);
    QCOMPARE(e->message, std::string("not supported by ModuleLab yet: modules nested more than 100 levels deep"));
    QCOMPARE(e->loc.line, 9);
    const auto ok = import(model("        m = nn.ReLU()\n        for i in range(98):\n            m = nn.Sequential(m)\n        self.m = m\n"));
    QCOMPARE(outcomeOf(ok), std::string("built"));
    QCOMPARE(namedModules(*std::get<python::ImportResult>(ok).root).size(), size_t{101});
}

void TestEvaluatorLimits::longExpressionsAreModuleLabsLimit()
{
    // CPython reads a sum of 300 terms (no bracket at all); ModuleLab's parser stops at its own
    // depth limit and says so, never as if Python refused the line.
    std::string sum = "1";
    for (int k = 1; k < 300; ++k)
        sum += " + 1";
    const auto r = import(kHeader + "n = " + sum + "\nmodel = nn.Linear(n, 2)\n");
    const auto* e = std::get_if<ParseError>(&r);
    QVERIFY(e);
    QCOMPARE(e->message, std::string("not supported by ModuleLab yet: expressions nested more than 200 levels deep"));
    QCOMPARE(e->loc.line, 4);
    std::string shorter = "1";
    for (int k = 1; k < 150; ++k)
        shorter += " + 1";
    const auto ok = import(kHeader + "n = " + shorter + "\nmodel = nn.Linear(n, 2)\n");
    QCOMPARE(outcomeOf(ok), std::string("built"));
}

QTEST_GUILESS_MAIN(TestEvaluatorLimits)
#include "tst_evaluatorlimits.moc"
