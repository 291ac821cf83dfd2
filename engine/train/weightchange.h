#pragma once

#include "engine/module.h"

#include <string>
#include <vector>

namespace ml {

// Whether requires_grad is False for m's parameters: m or a module above it is frozen.
bool isFrozen(const Module& m);
// The registered modules marked frozen and the single frozen parameters, as dotted paths and
// state_dict names (for Trainer and modelParameters).
std::vector<std::string> frozenPaths(const Module& root);

// Why an optimizer built from model.parameters() never changes m's parameters, or "" when it
// does: "not registered: a plain Python list" or "frozen".
std::string notLearningReason(const Module& m);

// The parameters of every module that owns some (plain lists included), copied, by path.
struct WeightSnapshot {
    struct Entry {
        std::string path;
        std::vector<Tensor> params;
    };
    std::vector<Entry> entries;
};
WeightSnapshot snapshotWeights(const Module& root);

// How much one module's own parameters moved since a snapshot: |W - W0| / |W0| over all of
// them (Frobenius norms; the absolute |W - W0| when W0 is zero).
struct LayerChange {
    std::string path;
    double relative = 0.0;
    std::string reason; // notLearningReason
};
std::vector<LayerChange> weightChanges(const Module& root, const WeightSnapshot& initial);

} // namespace ml
