#pragma once

#include "engine/shape.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ml {

class Module;

// Where an initialisation step writes: a parameter or buffer of a module of the tree (its path
// as namedModules(root, true) gives it, and the tensor's name), a tensor the code made with
// torch.randn/zeros/empty/... that is not yet a module's (slot), or nothing the tree keeps
// (neither: the step draws into a scratch tensor of `shape`, as PyTorch draws for it).
struct InitTarget {
    std::string path;
    std::string name;
    int64_t slot = 0; // > 0: a tensor of the code
    bool inTree = false;
    Shape shape;
};

// One thing the model's code does to the initial weights, in the order PyTorch does it.
struct InitStep {
    enum class Kind {
        Reset,       // a layer is constructed: its reset_parameters() (target.path, or `scratch`)
        NewTensor,   // torch.zeros/ones/full/empty/randn/...: slot target.slot of target.shape, every element a
        Bind,        // the slot `from.slot` becomes the parameter or buffer target (nn.Parameter(t), register_buffer)
        Uniform,     // tensor.uniform_(a, b)
        Normal,      // tensor.normal_(a = mean, b = std)
        Fill,        // tensor.fill_(a)
        Mul,         // tensor.mul_(a)
        Add,         // tensor.add_(a)
        Eye,         // nn.init.eye_
        Dirac,       // nn.init.dirac_(groups = n)
        TruncNormal, // nn.init.trunc_normal_(mean a, std b, lower c, upper d)
        Copy,        // tensor.copy_(from) or tensor.copy_(values)
    };
    Kind kind = Kind::Reset;
    InitTarget target;
    InitTarget from;              // Bind, Copy
    std::vector<float> values;    // Copy from values the code wrote
    double a = 0.0, b = 0.0, c = 0.0, d = 0.0;
    int64_t n = 1;
    std::shared_ptr<const Module> scratch; // Reset of a layer the tree does not hold (its draws still count)
};

// The initialisation a model's code makes, recorded while the code built the model.
struct InitRecipe {
    std::vector<InitStep> steps;
    uint64_t fingerprint = 0; // treeFingerprint of the tree the code built
};

// A digest of the tree's structure: every node's path, type and tensors (names and shapes).
uint64_t treeFingerprint(const Module& root);

// Whether root carries a recipe that still applies (its tree is the one the code built).
bool initRecipeApplies(const Module& root);
// Replays root's recipe after torch.manual_seed(seed): every parameter and buffer as the code
// makes them. False, with nothing changed, when root has no recipe or was edited since.
bool replayInitRecipe(Module& root, uint64_t seed);
// Says when root's code initialises weights in its own way but the model was edited since, so
// the default initialisation applies (as the exported code would have it); nullopt otherwise.
std::optional<std::string> initRecipeNote(const Module& root);

} // namespace ml
