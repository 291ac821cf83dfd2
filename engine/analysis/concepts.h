#pragma once

#include "engine/analysis/compare.h"
#include "engine/module.h"

#include <optional>
#include <string>
#include <vector>

namespace ml {

// What one container of a loaded model shows about its kind, observed rather than asserted:
// the facts come from the tree, the state_dict and the traced forward pass.
struct ContainerFacts {
    std::string model;         // the caller's label for the model
    std::string path;          // dotted path of the container
    ModuleKind kind = ModuleKind::Sequential;
    bool hasForward = false;   // a forward() of its own: Sequential; calling a ModuleList or ModuleDict raises
                               // NotImplementedError, calling a list raises TypeError
    bool childrenConnected = false; // each child's output is the next child's input (seen in the trace)
    std::optional<bool> executionEqualsStored; // leaves called once each in stored order; empty: never run
    int leafCount = 0;         // leaf layers below the container
    int calledLeaves = 0;      // of those, how many the forward pass called
    int registeredLeaves = 0;  // of those, how many named_modules() lists
    int64_t params = 0;        // parameters of the layers below it
    int64_t registeredParams = 0; // of those, what parameters() / state_dict() see
    std::vector<std::string> stateDictKeys; // the container's keys in state_dict() (first few)
    int stateDictKeyCount = 0;
};

// Every Sequential, ModuleList, ModuleDict and plain list in root, in pre-order.
std::vector<ContainerFacts> containerFacts(const Module& root, const ExecutionTrace& trace, const std::string& model = {});

// The seed's comparison table, one column per container kind, filled from the facts of the
// loaded models. A cell is "yes", "no", "mixed" or "-" (no such container loaded) plus the
// evidence ("module_list in NetModuleList: 10 of 10 calls in stored order").
struct ConceptCell {
    std::string value;    // "yes", "no", "mixed", "-"
    std::string evidence; // one line naming the containers it was read from
};
struct ConceptRow {
    std::string question;           // "Has forward()?"
    std::vector<ConceptCell> cells; // one per conceptKinds() entry
};
struct ConceptTable {
    std::vector<ModuleKind> kinds; // Sequential, ModuleList, ModuleDict, PlainList
    std::vector<ConceptRow> rows;
};
ConceptTable conceptTable(const std::vector<ContainerFacts>& facts);

// "nn.Sequential", "nn.ModuleList", "nn.ModuleDict", "list"
std::string containerDisplayName(ModuleKind kind);

} // namespace ml
