// Analysis::stepsOf: the module calls a forward() made, in execution order, as the symbolic
// analysis ran them (no weights), with the functional ops between them. The diagram draws its
// flow arrows from these.
#include "engine/analysis/analysis.h"
#include "tests/common/analysedmodel.h"

#include <QTest>

using namespace ml;

namespace {

using Analysed = test::AnalysedModel;

Analysed loadData(const char* relative) { return test::loadAnalysed(QStringLiteral(MODULELAB_TEST_DATA "/../../") + QLatin1String(relative)); }

Stmt stmt(Stmt::Kind kind, std::vector<std::string> targets, Expr value, std::vector<Stmt> body = {})
{
    Stmt s;
    s.kind = kind;
    s.targets = std::move(targets);
    s.value = std::move(value);
    s.body = std::move(body);
    return s;
}

// "a, b, c": the callees' paths in call order, of the root's forward.
QString order(const Analysed& a)
{
    QStringList paths;
    const ForwardSteps steps = a.analysis.stepsOf(*a.root);
    for (const ForwardStep& c : steps.calls)
        paths << QString::fromStdString(c.callee->path());
    return paths.join(QStringLiteral(", "));
}

QString opsBefore(const Analysed& a, int call)
{
    QStringList ops;
    const ForwardSteps steps = a.analysis.stepsOf(*a.root);
    for (const std::string& op : steps.calls.at(static_cast<size_t>(call)).opsBefore)
        ops << QString::fromStdString(op);
    return ops.join(QLatin1Char(' '));
}

} // namespace

class TestForwardSteps : public QObject {
    Q_OBJECT
private slots:
    void moduleListLoopInStoredOrder()
    {
        for (const char* file : {"tests/data/seed/net_modulelist_fixed.py", "resources/examples/net_modulelist_fixed.py"}) {
            auto m = loadData(file);
            QCOMPARE(order(m), QStringLiteral("module_list.0, module_list.1, module_list.2, module_list.3, module_list.4, "
                                               "module_list.5, module_list.6, module_list.7, module_list.8, module_list.9"));
        }
        // The seed's Linear(25088, ...) receives 50176 features: PyTorch stops there; the analysis
        // goes on as if it were fixed and marks the later calls (the diagram draws them dashed).
        auto buggy = loadData("tests/data/seed/net_modulelist.py");
        QCOMPARE(order(buggy), QStringLiteral("module_list.0, module_list.1, module_list.2, module_list.3, module_list.4, "
                                              "module_list.5, module_list.6, module_list.7, module_list.8, module_list.9"));
        QVERIFY(buggy.analysis.hasErrors());
        QCOMPARE(buggy.analysis.stopsAt, std::optional<std::string>("module_list.7"));
        const ForwardSteps steps = buggy.analysis.stepsOf(*buggy.root);
        QVERIFY(!steps.calls[7].afterError);
        QVERIFY(steps.calls[8].afterError && steps.calls[9].afterError);
    }

    void sequentialBlocksAreOneCallEach()
    {
        auto fixed = loadData("tests/data/seed/net_sequential_fixed.py");
        QCOMPARE(order(fixed), QStringLiteral("conv_block1, conv_block2, decoder"));
        // The seed's typo `self.decode(x)` names no module: that call cannot be resolved.
        auto buggy = loadData("tests/data/seed/net_sequential.py");
        QCOMPARE(order(buggy), QStringLiteral("conv_block1, conv_block2"));
    }

    void plainModuleWithFunctionalOps()
    {
        auto net = loadData("tests/data/seed/net_fixed.py");
        QCOMPARE(order(net), QStringLiteral("conv1, bn1, conv2, bn2, fc1, fc2"));
        QCOMPARE(opsBefore(net, 0), QString());
        QCOMPARE(opsBefore(net, 2), QStringLiteral("F.relu"));
        QCOMPARE(opsBefore(net, 4), QStringLiteral("F.relu .view"));
        QCOMPARE(opsBefore(net, 5), QStringLiteral("F.sigmoid"));
    }

    void callsStopWherePyTorchStops()
    {
        // The seed's BatchNorm2d(32) receives 64 channels: PyTorch never calls fc1 and fc2. The
        // analysis calls them as if bn2 were fixed, marked as coming after the error.
        auto net = loadData("tests/data/seed/net.py");
        QCOMPARE(order(net), QStringLiteral("conv1, bn1, conv2, bn2, fc1, fc2"));
        const ForwardSteps steps = net.analysis.stepsOf(*net.root);
        QVERIFY(steps.reached);
        QVERIFY(!steps.calls[3].afterError); // bn2, where PyTorch stops
        QVERIFY(steps.calls[4].afterError && steps.calls[5].afterError);
        const Module* fc1 = net.root->findChild("fc1");
        QVERIFY(fc1);
        QVERIFY(net.analysis.info(fc1)->afterError);
        QCOMPARE(net.analysis.info(fc1)->inputShape->toString(), std::string("[2, 25088]")); // view(-1, 25088) of [1, 64, 28, 28]
        QVERIFY(!net.analysis.info(net.root->findChild("conv2"))->assumed());

        // Where the failing layer's output cannot be known, the analysis stops as PyTorch does.
        auto tooSmall = test::loadAnalysedSource(QStringLiteral(R"(class TooSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 5)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.conv(x))


model = TooSmall()
)"),
                                   Shape{1, 1, 3, 3});
        QCOMPARE(order(tooSmall), QStringLiteral("conv"));
        QVERIFY(!tooSmall.analysis.stopsAt);
    }

    void moduleListOutOfOrder()
    {
        auto m = test::loadAnalysedSource(QStringLiteral(R"(class Shuffled(nn.Module):
    def __init__(self):
        super().__init__()
        self.lst = nn.ModuleList([nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh()])

    def forward(self, x):
        x = self.lst[2](x)
        x = self.lst[0](x)
        x = self.lst[-1](x)
        x = self.lst[1](x)
        return x


model = Shuffled()
)"), Shape{1, 4});
        QCOMPARE(order(m), QStringLiteral("lst.2, lst.0, lst.3, lst.1"));
    }

    void enumerateAndRangeLenLoops()
    {
        auto e = loadData("tests/data/python/enumerate_loop.py");
        QCOMPARE(order(e), QStringLiteral("convs.0, norms.0, convs.1, norms.1, fc"));
        // F.relu wraps norms[0]'s call: the argument runs first, then the op, before convs[1].
        QCOMPARE(opsBefore(e, 2), QStringLiteral("F.relu F.max_pool2d"));
        QCOMPARE(opsBefore(e, 4), QStringLiteral("F.relu F.max_pool2d .mean"));

        auto r = loadData("tests/data/python/range_len.py");
        QCOMPARE(order(r), QStringLiteral("layers.0, acts.0, layers.1, acts.1, layers.2, acts.2, layers.3, acts.3"));
    }

    void negativeIndexAndModuleDict()
    {
        auto n = loadData("tests/data/python/negative_index.py");
        QCOMPARE(order(n), QStringLiteral("stages.0, stages.1, stages.2"));
        QCOMPARE(n.analysis.stepsOf(*n.root).trailingOps, std::vector<std::string>{"F.softmax"});

        auto d = loadData("tests/data/python/module_dict.py");
        QCOMPARE(order(d), QStringLiteral("blocks.stem, blocks.norm, blocks.pool, classifier"));
        // x.size(0) reads a property; only the reshape is on the way to the classifier.
        QCOMPARE(opsBefore(d, 3), QStringLiteral(".view"));
    }

    void plainListAndNestedContainers()
    {
        auto p = loadData("tests/data/python/plain_list.py");
        QCOMPARE(order(p), QStringLiteral("first, extra.0, extra.1, extra.2"));
        auto n = loadData("tests/data/python/nested_containers.py");
        QCOMPARE(order(n), QStringLiteral("features.0, features.1, pool, heads.main"));
    }

    void loopsTheImporterDoesNotReadYet()
    {
        // Programs are data: projects and edits can hold loops the Python reader refuses.
        auto m = test::loadAnalysedSource(QStringLiteral(R"(class Loops(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)])
        self.heads = nn.ModuleDict({'a': nn.ReLU(), 'b': nn.Tanh()})
        self.unused = nn.Linear(4, 4)

    def forward(self, x):
        return x


model = Loops()
)"), Shape{1, 4});
        const auto self = [](const char* n) { return Expr::attr(Expr::name("self"), n); };
        const auto str = [](const char* v) {
            Expr e;
            e.kind = Expr::Kind::Str;
            e.text = v;
            return e;
        };
        const auto binop = [](const char* op, Expr a, Expr b) {
            Expr e;
            e.kind = Expr::Kind::BinOp;
            e.text = op;
            e.items = {std::move(a), std::move(b)};
            return e;
        };
        const auto neg = [](Expr a) {
            Expr e;
            e.kind = Expr::Kind::Neg;
            e.items = {std::move(a)};
            return e;
        };
        const auto assignX = [](Expr v) { return stmt(Stmt::Kind::Assign, {"x"}, std::move(v)); };
        const auto loop = [](std::vector<std::string> vars, Expr iter, std::vector<Stmt> body) {
            return stmt(Stmt::Kind::For, std::move(vars), std::move(iter), std::move(body));
        };
        const Expr x = Expr::name("x");
        ForwardProgram p;
        // for _ in range(3): x = self.fc(x)         (one layer shared by three calls)
        p.body.push_back(loop({"_"}, Expr::call(Expr::name("range"), {Expr::integer(3)}),
                              {assignX(Expr::call(self("fc"), {x}))}));
        // for i in range(len(self.blocks) - 1, -1, -1): x = self.blocks[i](x)
        p.body.push_back(loop({"i"},
                              Expr::call(Expr::name("range"),
                                         {binop("-", Expr::call(Expr::name("len"), {self("blocks")}), Expr::integer(1)),
                                          neg(Expr::integer(1)), neg(Expr::integer(1))}),
                              {assignX(Expr::call(Expr::subscript(self("blocks"), Expr::name("i")), {x}))}));
        // for name, head in self.heads.items(): x = head(x)
        p.body.push_back(loop({"name", "head"}, Expr::call(Expr::attr(self("heads"), "items"), {}),
                              {assignX(Expr::call(Expr::name("head"), {x}))}));
        // for key in self.heads: x = self.heads[key](x)
        p.body.push_back(loop({"key"}, self("heads"),
                              {assignX(Expr::call(Expr::subscript(self("heads"), Expr::name("key")), {x}))}));
        // x = self.heads['b'](x)
        p.body.push_back(assignX(Expr::call(Expr::subscript(self("heads"), str("b")), {x})));
        // for h in self.heads.values(): return h(x)   (the loop ends at its first return)
        p.body.push_back(loop({"h"}, Expr::call(Expr::attr(self("heads"), "values"), {}),
                              {stmt(Stmt::Kind::Return, {}, Expr::call(Expr::name("h"), {x}))}));
        p.body.push_back(stmt(Stmt::Kind::Return, {}, Expr::call(self("unused"), {x})));
        static_cast<CustomModule&>(*m.root).setProgram(std::move(p));
        m.analyse();
        QCOMPARE(order(m),
                 QStringLiteral("fc, fc, fc, blocks.2, blocks.1, blocks.0, heads.a, heads.b, heads.a, heads.b, heads.b, heads.a"));
    }

    void reversedHelpersAndIfRunAsWritten()
    {
        auto m = test::loadAnalysedSource(QStringLiteral(R"(class Back(nn.Module):
    def __init__(self, skip=True):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4)])
        self.skip = skip
        self.proj = nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)

    def _body(self, x):
        for m in reversed(self.layers):
            x = m(x)
        return x

    def forward(self, x):
        y = self._body(x)
        if x.size(1) != 4:
            y = self.head(y)
        if self.skip:
            y = y + self.proj(x)
        return self.head(y)


model = Back()
)"), Shape{1, 4});
        QCOMPARE(order(m), QStringLiteral("layers.2, layers.1, layers.0, proj, head"));
        const ForwardSteps steps = m.analysis.stepsOf(*m.root);
        // x.size(1) reads a property: no op on the way; the first head call never ran.
        QVERIFY(steps.calls.at(4).opsBefore.empty());
        QCOMPARE(m.analysis.info(m.root->findChild("head"))->calls, 1);
    }

    void nestedCallsRunArgumentsFirst()
    {
        auto m = test::loadAnalysedSource(QStringLiteral(R"(class Nest(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.c = nn.Linear(8, 4)

    def forward(self, x):
        y = self.a(self.b(x))
        return self.c(torch.cat([y, self.b(x)], dim=1))


model = Nest()
)"), Shape{1, 4});
        QCOMPARE(order(m), QStringLiteral("b, a, b, c"));
    }
};

QTEST_GUILESS_MAIN(TestForwardSteps)
#include "tst_forwardsteps.moc"
