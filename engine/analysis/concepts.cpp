#include "engine/analysis/concepts.h"

#include "engine/analysis/summary.h"

#include <algorithm>

namespace ml {

namespace {

bool isContainerKind(ModuleKind k)
{
    return k == ModuleKind::Sequential || k == ModuleKind::ModuleList || k == ModuleKind::ModuleDict
           || k == ModuleKind::PlainList;
}

bool isBelow(const Module* m, const Module* ancestor)
{
    for (const Module* p = m->parent(); p; p = p->parent())
        if (p == ancestor)
            return true;
    return false;
}

std::string label(const ContainerFacts& f)
{
    return (f.path.empty() ? std::string("(root)") : f.path) + (f.model.empty() ? "" : " in " + f.model);
}

std::string joinLines(const std::vector<std::string>& parts)
{
    std::string out;
    for (const std::string& p : parts)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

} // namespace

std::string containerDisplayName(ModuleKind kind)
{
    switch (kind) {
    case ModuleKind::Sequential: return "nn.Sequential";
    case ModuleKind::ModuleList: return "nn.ModuleList";
    case ModuleKind::ModuleDict: return "nn.ModuleDict";
    case ModuleKind::PlainList: return "list";
    default: return std::string(moduleKindName(kind));
    }
}

std::vector<ContainerFacts> containerFacts(const Module& root, const ExecutionTrace& trace, const std::string& model)
{
    std::vector<ContainerFacts> out;
    const std::vector<StateEntry> state = stateDict(root);
    for (const NamedModule& nm : namedModules(root, true)) {
        const Module* c = nm.module;
        if (!isContainerKind(c->kind()))
            continue;
        ContainerFacts f;
        f.model = model;
        f.path = nm.path;
        f.kind = c->kind();
        f.hasForward = c->kind() == ModuleKind::Sequential;
        f.childrenConnected = c->kind() == ModuleKind::Sequential;

        std::vector<int> stored;
        for (size_t k = 0; k < trace.storedLeaves.size(); ++k) {
            const Module* leaf = trace.storedLeaves[k];
            if (!isBelow(leaf, c))
                continue;
            stored.push_back(static_cast<int>(k));
            const int64_t p = ownParameterCount(*leaf);
            f.params += p;
            if (leaf->isRegistered()) {
                f.registeredParams += p;
                ++f.registeredLeaves;
            }
        }
        f.leafCount = static_cast<int>(stored.size());

        std::vector<int> called;
        for (const LayerCall& call : trace.calls)
            if (call.storedIndex >= 0 && isBelow(call.module, c))
                called.push_back(call.storedIndex);
        std::vector<int> distinct = called;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        f.calledLeaves = static_cast<int>(distinct.size());
        if (!called.empty())
            f.executionEqualsStored = called == stored;

        const std::string prefix = nm.path.empty() ? std::string() : nm.path + ".";
        for (const StateEntry& e : state)
            if (e.key.compare(0, prefix.size(), prefix) == 0) {
                if (f.stateDictKeys.size() < 4)
                    f.stateDictKeys.push_back(e.key);
                ++f.stateDictKeyCount;
            }
        out.push_back(std::move(f));
    }
    return out;
}

ConceptTable conceptTable(const std::vector<ContainerFacts>& facts)
{
    ConceptTable t;
    t.kinds = {ModuleKind::Sequential, ModuleKind::ModuleList, ModuleKind::ModuleDict, ModuleKind::PlainList};
    t.rows = {{"Has forward()?", {}},
              {"Connects the modules it stores?", {}},
              {"Execution order = stored order?", {}},
              {"Modules registered?", {}},
              {"state_dict key names", {}}};

    for (ModuleKind kind : t.kinds) {
        std::vector<const ContainerFacts*> mine;
        for (const ContainerFacts& f : facts)
            if (f.kind == kind)
                mine.push_back(&f);
        if (mine.empty()) {
            for (ConceptRow& r : t.rows)
                r.cells.push_back({"-", "no " + containerDisplayName(kind) + " in the loaded models"});
            continue;
        }
        const bool seq = kind == ModuleKind::Sequential;
        const ContainerFacts& first = *mine.front();

        // Has forward(): a property of the kind, shown with where it was seen.
        std::string forwardEvidence = label(first) + " runs its " + std::to_string(first.leafCount) + " layers itself";
        if (kind == ModuleKind::PlainList)
            forwardEvidence = label(first) + " is a Python list, not a Module: calling it raises TypeError: 'list' object is not callable";
        else if (!seq)
            forwardEvidence = label(first) + " is a Module without forward(): calling it raises NotImplementedError, "
                                             "so forward() calls its entries";
        t.rows[0].cells.push_back({seq ? "yes" : "no", forwardEvidence});

        // Connection: Sequential feeds each output into the next module; the others leave it to forward().
        t.rows[1].cells.push_back(
            {seq ? "yes" : "no", seq ? "output of each entry is the input of the next" : "forward() decides what feeds what"});

        // Execution order, observed per container.
        int yes = 0, no = 0;
        std::vector<std::string> ev;
        for (const ContainerFacts* f : mine) {
            if (!f->executionEqualsStored) {
                ev.push_back(label(*f) + ": never run");
                continue;
            }
            (*f->executionEqualsStored ? yes : no) += 1;
            ev.push_back(label(*f) + ": " + (*f->executionEqualsStored ? "in stored order" : "NOT in stored order") + " ("
                         + std::to_string(f->calledLeaves) + " of " + std::to_string(f->leafCount) + " layers called)");
        }
        std::string order = yes + no == 0 ? "-" : no == 0 ? (seq ? "yes" : "here yes") : yes == 0 ? "no" : "mixed";
        if (!seq && order != "-")
            ev.insert(ev.begin(), "forward() chooses the order");
        t.rows[2].cells.push_back({order, joinLines(ev)});

        // Registration: whether named_modules() lists the modules, with the parameters it costs.
        int leaves = 0, registeredLeaves = 0;
        int64_t params = 0, registered = 0;
        for (const ContainerFacts* f : mine) {
            leaves += f->leafCount;
            registeredLeaves += f->registeredLeaves;
            params += f->params;
            registered += f->registeredParams;
        }
        std::string regValue = registeredLeaves == leaves ? "yes" : registeredLeaves == 0 ? "no" : "partly";
        std::string regEvidence = std::to_string(registeredLeaves) + " of " + std::to_string(leaves)
            + " layers in named_modules(), " + withThousands(registered) + " of " + withThousands(params)
            + " parameters in parameters()";
        if (registeredLeaves < leaves)
            regEvidence += ": the others are missing from state_dict() and the optimizer, and model.eval() and .to() "
                           "never reach them";
        t.rows[3].cells.push_back({regValue, regEvidence});

        // state_dict names.
        std::string key;
        for (const ContainerFacts* f : mine)
            if (!f->stateDictKeys.empty()) {
                key = f->stateDictKeys.front();
                break;
            }
        t.rows[4].cells.push_back({key.empty() ? "none" : key,
                                   key.empty() ? label(first) + " has no state_dict() entries"
                                               : std::to_string(first.stateDictKeyCount) + " keys under " + label(first)});
    }
    return t;
}

} // namespace ml
