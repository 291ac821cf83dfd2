#pragma once

#include "engine/program.h"
#include "engine/shape.h"
#include "engine/tensor.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ml {

enum class ModuleKind {
    Layer,      // a torch.nn layer (Conv2d, ReLU, ...)
    Sequential, // nn.Sequential: calls its children in stored order
    ModuleList, // nn.ModuleList: registered, not callable
    ModuleDict, // nn.ModuleDict: registered, not callable
    Custom,     // a user's nn.Module subclass with a forward program
    PlainList,  // a Python list attribute: NOT registered by PyTorch
};

std::string_view moduleKindName(ModuleKind kind); // "layer", "sequential", ...

struct InitRecipe; // engine/initrecipe.h

// A parameter or buffer a module owns, described from its options alone.
struct TensorSpec {
    std::string name;   // "weight", "bias", "running_mean", "num_batches_tracked"
    Shape shape;
    bool isBuffer = false;
    bool isInteger = false; // num_batches_tracked is int64 in PyTorch
    bool persistent = true; // register_buffer(..., persistent=False): not in state_dict()
};

class Module {
public:
    struct Child {
        std::string name;
        std::unique_ptr<Module> module;
    };

    explicit Module(ModuleKind kind) : m_kind(kind) {}
    virtual ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    ModuleKind kind() const { return m_kind; }
    bool isContainer() const { return m_kind != ModuleKind::Layer; }
    // Python class name as PyTorch's _get_name() gives it: "Conv2d", "Sequential", "Net".
    virtual std::string typeName() const = 0;
    virtual std::unique_ptr<Module> clone() const = 0;

    // ---- tree: one ordered store of (name, child) -------------------------------------
    Module* parent() const { return m_parent; }
    int childCount() const { return static_cast<int>(m_children.size()); }
    Module* child(int i) const { return m_children[static_cast<size_t>(i)].module.get(); }
    const std::string& childName(int i) const { return m_children[static_cast<size_t>(i)].name; }
    const std::vector<Child>& children() const { return m_children; }
    Module* findChild(std::string_view name) const;
    int indexOfChild(const Module* m) const; // -1 if not a child
    // Whether children are named by position ("0", "1", ...) and renumber on insert/remove:
    // always for ModuleList and plain lists; for Sequential while every name is numeric.
    bool namesArePositions() const;
    // Inserts at index (0..childCount). For positional containers the name is ignored.
    Module* insertChild(int index, std::string name, std::unique_ptr<Module> child);
    Module* appendChild(std::string name, std::unique_ptr<Module> child);
    std::unique_ptr<Module> takeChild(int index);
    void renameChild(int index, std::string name);

    // Name in the parent ("" for the root) and dotted path as named_modules() gives it.
    std::string name() const;
    std::string path() const;
    Module* root();
    // False inside a plain Python list: PyTorch does not see such modules.
    bool isRegistered() const;
    // Follows a dotted path from this module; nullptr if absent.
    Module* findPath(std::string_view dottedPath);

    // Where the module was defined in imported source (the `self.name = ...` line), if known.
    SourceLoc sourceLoc() const { return m_sourceLoc; }
    void setSourceLoc(SourceLoc loc) { m_sourceLoc = loc; }

    // ---- parameters and buffers (this module's own, from options alone) --------------
    virtual std::vector<TensorSpec> tensorSpecs() const { return {}; }
    // Materialised values of tensorSpecs(), in the same order; empty until allocated. A clone
    // shares them with its original (copy on write): the non-const access copies them first
    // when another module still shares them, so neither side sees the other's writes.
    std::vector<Tensor>& tensors();
    const std::vector<Tensor>& tensors() const;
    void shareTensors(const Module& from) { m_tensors = from.m_tensors; }
    bool sharesTensorsWith(const Module& other) const { return m_tensors && m_tensors == other.m_tensors; }
    bool hasTensors() const;    // every spec has a tensor of its shape
    void dropTensors() { m_tensors.reset(); }
    const Tensor* tensor(std::string_view specName) const;

    // ---- one module stored in several places (self.block = nn.Sequential(self.fc, ...)) ----
    // The tree holds a copy at every place; the copies of one PyTorch object share an identity,
    // and the recursions that PyTorch deduplicates (named_modules(), parameters()) see it once.
    const void* identity() const { return m_identity ? m_identity.get() : static_cast<const void*>(this); }
    bool isShared() const { return m_identity != nullptr; }

    // ---- mode ------------------------------------------------------------------------
    // PyTorch's self.training: True for a new module; model.train()/model.eval() set it for the
    // registered subtree only (setTrainMode), so modules in a plain Python list keep theirs.
    bool training() const { return m_training; }
    void setTraining(bool training) { m_training = training; }
    // requires_grad = False on this module's parameters and those below it (frozen for training).
    bool frozen() const { return m_frozen; }
    void setFrozen(bool frozen) { m_frozen = frozen; }
    // requires_grad = False on single parameters of this module's own (p.requires_grad = False,
    // model.fc.bias.requires_grad_(False)), by spec name, in the order the code froze them. A
    // module without children whose every parameter is frozen is frozen() instead; unfreezing one
    // parameter of a frozen module freezes the others (and the children) one by one.
    const std::vector<std::string>& frozenParameters() const { return m_frozenParameters; }
    void setParameterFrozen(std::string_view specName, bool frozen);
    // The parameter's requires_grad: neither it, this module nor a module above it is frozen.
    bool requiresGrad(std::string_view specName) const;

    // ---- printing ------------------------------------------------------------------
    // The part inside the parentheses of a leaf, like PyTorch's extra_repr().
    virtual std::string extraRepr() const { return {}; }

    // The initialisation a model's code makes (layers' construction, torch.randn parameters,
    // nn.init calls and in-place changes, in the code's order), kept on the model built from code;
    // initWeights replays it while the tree is the one the code built. Copied by clone().
    const std::shared_ptr<const InitRecipe>& initRecipe() const { return m_initRecipe; }
    void setInitRecipe(std::shared_ptr<const InitRecipe> recipe) { m_initRecipe = std::move(recipe); }

    // The forward the file's class defines (a user's nn.Module, or a class derived from a
    // container that defines its own); nullptr when the module runs PyTorch's forward.
    virtual const ForwardProgram* ownForward() const { return nullptr; }

protected:
    void copyTreeInto(Module& target) const; // children (cloned) and tensors

private:
    friend void markShared(Module& original, Module& copy);

    // Stores positions from index on (and position names when positional): appending is O(1).
    void reindexFrom(int index, bool positional);

    ModuleKind m_kind;
    Module* m_parent = nullptr;
    int m_index = -1;            // position in the parent's children
    int m_nonDecimalNames = 0;   // children whose name is not a decimal number
    std::vector<Child> m_children;
    std::shared_ptr<std::vector<Tensor>> m_tensors; // shared by clones until written
    SourceLoc m_sourceLoc;
    std::shared_ptr<const int> m_identity; // set when the module is stored in several places
    bool m_training = true;
    bool m_frozen = false;
    std::vector<std::string> m_frozenParameters;
    std::shared_ptr<const InitRecipe> m_initRecipe;
};

// Sequential, ModuleList, ModuleDict and the plain list: nothing but children. A class of the
// file derived from one of them (class ConvBNReLU(nn.Sequential)) is that container under its
// own class name, with its own forward when the class defines one.
class Container final : public Module {
public:
    explicit Container(ModuleKind kind) : Module(kind) {}
    std::string typeName() const override;
    std::unique_ptr<Module> clone() const override;

    const std::string& className() const { return m_className; } // "" unless a derived class
    void setClassName(std::string n) { m_className = std::move(n); }
    const ForwardProgram* ownForward() const override { return m_program.get(); }
    void setOwnForward(ForwardProgram p) { m_program = std::make_shared<const ForwardProgram>(std::move(p)); }

private:
    std::string m_className;
    std::shared_ptr<const ForwardProgram> m_program; // shared by clones
};

// A user's nn.Module subclass: a class name, its children and a forward program.
class CustomModule final : public Module {
public:
    explicit CustomModule(std::string className) : Module(ModuleKind::Custom), m_className(std::move(className)) {}
    std::string typeName() const override { return m_className; }
    void setClassName(std::string n) { m_className = std::move(n); }
    std::unique_ptr<Module> clone() const override;

    const ForwardProgram& program() const { return m_program; }
    ForwardProgram& program() { return m_program; }
    void setProgram(ForwardProgram p) { m_program = std::move(p); }
    const ForwardProgram* ownForward() const override { return &m_program; }

    // The module's own parameters and buffers (nn.Parameter attributes, register_buffer,
    // register_parameter) in the order the code registers them, with their initial values.
    std::vector<TensorSpec> tensorSpecs() const override { return m_specs; }
    // Registers (or replaces, keeping its place) the tensor spec.name with its initial value:
    // data when the code gives the values, else every element `fill` (torch.zeros, torch.ones).
    void setOwnTensor(TensorSpec spec, float fill, std::shared_ptr<const Tensor> data = nullptr);
    // Sets the tensors to their initial values (weight initialisation).
    void resetOwnTensors();
    // The initial value of tensorSpecs()[k]: its values when the code gave them, else every element fill.
    float initialFill(size_t k) const { return m_fill[k]; }
    const Tensor* initialData(size_t k) const { return m_data[k].get(); }

private:
    std::string m_className;
    ForwardProgram m_program;
    std::vector<TensorSpec> m_specs;
    std::vector<float> m_fill;
    std::vector<std::shared_ptr<const Tensor>> m_data;
};

// Makes copy (a clone of original, placed elsewhere in the tree) the same PyTorch object as
// original, with every module below them pairwise.
void markShared(Module& original, Module& copy);

std::unique_ptr<Module> makeContainer(ModuleKind kind);

// ---- recursions over the registered tree, written once -------------------------------
std::string joinName(std::string_view prefix, std::string_view name);

// print(model) text, byte-identical to PyTorch 2.x (ModuleList folds equal runs).
std::string repr(const Module& m);

struct ParamCounts {
    int64_t total = 0;
    int64_t trainable = 0;
    int64_t buffers = 0; // buffer elements
};
// Registered parameters of m and everything below it (plain lists excluded); trainable ones
// are those with requires_grad (not frozen themselves, not under a frozen module).
ParamCounts countParameters(const Module& m);
// Parameter elements of m itself, without its children.
int64_t ownParameterCount(const Module& m);

struct StateEntry {
    std::string key;      // "features.1.running_mean"
    const Module* module;
    int specIndex;        // index into module->tensorSpecs()
    TensorSpec spec;
};
// state_dict() entries in PyTorch's order: own parameters, own buffers, then children.
std::vector<StateEntry> stateDict(const Module& m);

// named_modules(): pre-order, "" for m itself; a module stored in several places once, under
// its first name, as PyTorch lists it. includeUnregistered lists every node of the tree instead:
// plain-list nodes too, and a shared module at each of its places.
struct NamedModule {
    std::string path;
    const Module* module;
};
std::vector<NamedModule> namedModules(const Module& m, bool includeUnregistered = false);

// model.train(training) / model.eval(): m and its registered descendants, as children() reaches
// them; a plain Python list and everything in it keep their modes.
void setTrainMode(Module& m, bool training);

} // namespace ml
