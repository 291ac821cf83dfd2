// The seed's Sequential / ModuleList table, filled from the loaded models: facts read from the
// tree, the state_dict and the traced forward pass, not written by hand.
#include "engine/analysis/concepts.h"
#include "engine/modelfile.h"

#include <QTest>

using namespace ml;

namespace {

struct Loaded {
    std::unique_ptr<Module> root;
    std::vector<ContainerFacts> facts;
};

Loaded load(const char* name)
{
    const std::string path = std::string(MODULELAB_TEST_DATA "/../../resources/examples/") + name;
    auto r = loadModelFile(path);
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->message.c_str());
    LoadedModel m = std::move(std::get<LoadedModel>(r));
    Loaded l;
    l.facts = containerFacts(*m.root, traceExecution(*m.root, *m.inputShape), m.root->typeName());
    l.root = std::move(m.root);
    return l;
}

const ConceptCell& cell(const ConceptTable& t, int row, ModuleKind kind)
{
    for (size_t k = 0; k < t.kinds.size(); ++k)
        if (t.kinds[k] == kind)
            return t.rows[static_cast<size_t>(row)].cells[k];
    qFatal("no column");
}

} // namespace

class TestConcepts : public QObject {
    Q_OBJECT
private slots:
    void sequentialFacts()
    {
        const Loaded s = load("net_sequential_fixed.py");
        QCOMPARE(s.facts.size(), size_t(3));
        const ContainerFacts& f = s.facts[0];
        QCOMPARE(f.path, std::string("conv_block1"));
        QCOMPARE(f.kind, ModuleKind::Sequential);
        QVERIFY(f.hasForward);
        QVERIFY(f.childrenConnected);
        QCOMPARE(f.executionEqualsStored, std::optional<bool>(true));
        QCOMPARE(f.leafCount, 3);
        QCOMPARE(f.calledLeaves, 3);
        QCOMPARE(f.params, int64_t(320 + 64));
        QCOMPARE(f.registeredParams, f.params);
        QCOMPARE(f.stateDictKeys.front(), std::string("conv_block1.0.weight"));
        QCOMPARE(f.stateDictKeyCount, 7); // conv weight, bias; bn weight, bias, running_mean, running_var, num_batches_tracked
    }

    void moduleListFacts()
    {
        const Loaded l = load("net_modulelist_fixed.py");
        QCOMPARE(l.facts.size(), size_t(1));
        QVERIFY(!l.facts[0].hasForward);
        QVERIFY(!l.facts[0].childrenConnected);
        QCOMPARE(l.facts[0].executionEqualsStored, std::optional<bool>(true));

        const Loaded r = load("net_modulelist_reordered.py");
        QCOMPARE(r.facts[0].executionEqualsStored, std::optional<bool>(false));
        QCOMPARE(r.facts[0].calledLeaves, 10);
    }

    void plainListFacts()
    {
        const Loaded p = load("net_plainlist.py");
        QCOMPARE(p.facts.size(), size_t(1));
        QCOMPARE(p.facts[0].kind, ModuleKind::PlainList);
        QVERIFY(p.facts[0].params > 0);
        QCOMPARE(p.facts[0].registeredParams, int64_t(0));
        QVERIFY(p.facts[0].stateDictKeys.empty());
        QCOMPARE(p.facts[0].executionEqualsStored, std::optional<bool>(true));
    }

    void moduleDictFacts()
    {
        const Loaded d = load("net_moduledict.py");
        QCOMPARE(d.facts.size(), size_t(2));
        QCOMPARE(d.facts[0].kind, ModuleKind::ModuleDict);
        QCOMPARE(d.facts[0].stateDictKeys.front(), std::string("blocks.conv1.weight"));
        QCOMPARE(d.facts[0].executionEqualsStored, std::optional<bool>(true));
    }

    void tableFromLoadedModels()
    {
        std::vector<ContainerFacts> all;
        std::vector<Loaded> keep;
        for (const char* f : {"net_sequential_fixed.py", "net_modulelist_fixed.py", "net_moduledict.py", "net_plainlist.py"}) {
            keep.push_back(load(f));
            all.insert(all.end(), keep.back().facts.begin(), keep.back().facts.end());
        }
        const ConceptTable t = conceptTable(all);
        QCOMPARE(t.kinds.size(), size_t(4));
        QCOMPARE(t.rows.size(), size_t(5));
        QCOMPARE(cell(t, 0, ModuleKind::Sequential).value, std::string("yes"));
        QCOMPARE(cell(t, 0, ModuleKind::ModuleList).value, std::string("no"));
        QCOMPARE(cell(t, 1, ModuleKind::Sequential).value, std::string("yes"));
        QCOMPARE(cell(t, 1, ModuleKind::ModuleList).value, std::string("no"));
        QCOMPARE(cell(t, 2, ModuleKind::Sequential).value, std::string("yes"));
        QCOMPARE(cell(t, 2, ModuleKind::ModuleList).value, std::string("here yes"));
        QCOMPARE(cell(t, 3, ModuleKind::ModuleList).value, std::string("yes"));
        QCOMPARE(cell(t, 3, ModuleKind::PlainList).value, std::string("no"));
        QVERIFY(cell(t, 3, ModuleKind::PlainList).evidence.find("0 of ") == 0);
        QCOMPARE(cell(t, 4, ModuleKind::Sequential).value, std::string("conv_block1.0.weight"));
        QCOMPARE(cell(t, 4, ModuleKind::ModuleList).value, std::string("module_list.0.weight"));
        QCOMPARE(cell(t, 4, ModuleKind::ModuleDict).value, std::string("blocks.conv1.weight"));
        QCOMPARE(cell(t, 4, ModuleKind::PlainList).value, std::string("none"));

        // With the reordered ModuleList loaded too, the order row says it depends.
        keep.push_back(load("net_modulelist_reordered.py"));
        all.insert(all.end(), keep.back().facts.begin(), keep.back().facts.end());
        const ConceptTable t2 = conceptTable(all);
        QCOMPARE(cell(t2, 2, ModuleKind::ModuleList).value, std::string("mixed"));
        QVERIFY(cell(t2, 2, ModuleKind::ModuleList).evidence.find("NOT in stored order") != std::string::npos);
    }

    void parameterFreePlainListIsStillUnregistered()
    {
        // PyTorch: named_modules() of such a model lists none of the list's modules (lessons_reference.json,
        // "parameter_free_plain_list"), whatever their parameter count.
        auto r = loadModelFile(MODULELAB_TEST_DATA "/lessons/plain_activations.py");
        QVERIFY(std::holds_alternative<LoadedModel>(r));
        const LoadedModel& m = std::get<LoadedModel>(r);
        const ConceptTable t = conceptTable(containerFacts(*m.root, traceExecution(*m.root, *m.inputShape)));
        QCOMPARE(cell(t, 3, ModuleKind::PlainList).value, std::string("no"));
        QCOMPARE(cell(t, 3, ModuleKind::PlainList).evidence.substr(0, 34), std::string("0 of 2 layers in named_modules(), "));
        QVERIFY(cell(t, 0, ModuleKind::PlainList).evidence.find("'list' object is not callable") != std::string::npos);
    }

    void missingKindsShowADash()
    {
        const Loaded s = load("net_sequential_fixed.py");
        const ConceptTable t = conceptTable(s.facts);
        QCOMPARE(cell(t, 0, ModuleKind::ModuleDict).value, std::string("-"));
        QCOMPARE(cell(t, 2, ModuleKind::PlainList).value, std::string("-"));
    }
};

QTEST_APPLESS_MAIN(TestConcepts)
#include "tst_concepts.moc"
