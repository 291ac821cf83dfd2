#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"

#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ml {

// What one forward pass (symbolic or real) learned about a node.
struct NodeInfo {
    std::optional<Shape> inputShape;  // of its first call
    std::optional<Shape> outputShape; // of its first call; empty if it failed or was never reached
    std::vector<Shape> inputShapes;   // of its first call, when that input was a list or tuple of tensors
    // Of its first call, when it returned a list or tuple of tensors; empty for a None in it
    // (return logits, None), which PyTorch's hooks report as None.
    std::vector<std::optional<Shape>> outputShapes;
    int calls = 0;
    int64_t multAdds = 0;             // summed over calls, torchinfo's convention
    bool failed = false;              // an error was raised at this node
    // Computed after the first error (PyTorch stops there; the analysis goes on as if it were
    // fixed, for shapes only): afterError for a node first called after it (every value is
    // assumed), outputAfterError also for a node whose output is (the failing layer, its callers).
    bool afterError = false;
    bool outputAfterError = false;
    bool assumed() const { return afterError || outputAfterError; }
};

// One call of a layer, in execution order.
struct LayerCallRecord {
    const Module* layer = nullptr;
    Shape input;
    std::optional<Shape> output; // empty when the call failed
    std::string error;           // why it failed
    bool afterError = false;     // made after the first error, as if it were fixed
};

// One call a forward pass made, in execution order: a module called by another module's
// forward, or a functional op (F.relu, torch.cat, x.view) between module calls.
struct CallRecord {
    const Module* callee = nullptr; // nullptr for a functional op
    const Module* caller = nullptr; // the module whose forward made the call (nullptr: the user)
    std::string op;                 // the functional op ("F.relu", "torch.cat", ".view") when callee is null
    SourceLoc loc;                  // where the call is written
    int depth = 0;                  // nesting of module calls (0: the root)
    bool afterError = false;        // made after the first error, as if it were fixed
};

// What one module's forward() did on its first call: the modules it called, in execution order,
// and the functional ops between them, as the analysis recorded them.
struct ForwardStep {
    const Module* callee = nullptr;
    std::vector<std::string> opsBefore; // functional ops since the previous call ("F.relu", ".view")
    SourceLoc loc;                      // where the call is written
    bool afterError = false;            // PyTorch stops before it: drawn as assumed
};
struct ForwardSteps {
    std::vector<ForwardStep> calls;
    std::vector<std::string> trailingOps; // functional ops after the last module call
    bool reached = false;                 // false: the analysis never called the module
};

// One tensor of the model's output, named as `modulelab-cli run --output` saves it: "output" for a
// forward that returns one tensor; "output.0", "output.1" for a tuple or list (nested ones
// "output.0.1"); "output.NAME" for a namedtuple's field or a dict's string key.
struct OutputShape {
    std::string name;
    Shape shape;
};

struct Analysis {
    std::unordered_map<const Module*, NodeInfo> nodes;
    std::vector<CallRecord> calls;           // every module call and functional op, in execution order
    std::vector<LayerCallRecord> layerCalls; // every call of a tree layer, in execution order
    std::vector<Diagnostic> diagnostics;
    // Where PyTorch stops (the first error's node path, "" for the root) when the analysis went
    // on past it: later values are marked afterError; later errors and warnings say "after the
    // error above is fixed". Only symbolic analysis goes on; a run on tensors stops as PyTorch.
    std::optional<std::string> stopsAt;
    std::unordered_map<const Module*, size_t> firstCall; // index in `calls` of each module's first call
    std::optional<Shape> outputShape; // of the root when forward returns one tensor; empty when it failed
    std::vector<OutputShape> outputs; // every tensor the root returned, in order (one for a tensor)
    // Every value of a tuple or list the root returned, in order: a tensor's shape, or empty for
    // a None among them (return logits, None). Empty when forward returned one tensor.
    std::vector<std::optional<Shape>> outputValues;
    int64_t totalMultAdds = 0;
    // Bytes of every tensor the pass's functional ops make (x @ y, torch.cat, F.relu), which are
    // not module outputs: an attention's [N, heads, T, T] scores can outweigh every layer.
    int64_t opOutputBytes = 0;

    // The root's output: "[1, 10]", "[1, 1, 2, 2], [1, 5]" for several, "--" when forward failed.
    std::string outputText() const;

    const NodeInfo* info(const Module* m) const;
    // The calls `m` made directly during its first call (not its callees' calls).
    ForwardSteps stepsOf(const Module& m) const;
    bool hasErrors() const { return ml::hasErrors(diagnostics); }
};

// Shape inference from options alone: no weight is allocated. Runs the root's forward
// symbolically on `input`, reporting errors where PyTorch would raise and warnings where it
// silently does the unexpected, plus the static checks (plain lists, unused children).
Analysis analyze(const Module& root, const Shape& input);

// Called after every module call of a real forward pass, in execution order. The tensors are
// valid only during the call. To stop the pass (a user's Cancel), throw ForwardCancelled.
using ForwardObserver = std::function<void(const Module& node, const Tensor& in, const Tensor& out)>;
struct ForwardCancelled {};

struct OutputTensor {
    std::string name; // as in Analysis::outputs
    Tensor tensor;
};

struct ForwardResult {
    std::optional<Tensor> output; // when forward returns one tensor; empty when it failed or was cancelled
    std::vector<OutputTensor> outputs; // every tensor forward returned (one for a tensor, several for a tuple)
    Analysis analysis;
    bool cancelled = false;
};

// Forward pass as PyTorch runs model.eval(); model(x): modules inside a plain Python list,
// which eval() does not reach, keep their own modes (a BatchNorm there uses batch statistics).
// Every registered or unregistered layer must have its tensors
// (initWeights or loadStateDict). Stops with an error diagnostic where PyTorch would raise.
ForwardResult runForward(const Module& root, const Tensor& input, const ForwardObserver& observer = {});

namespace detail {
class ForwardRecorder;
}
// A training forward pass: modules run in their own modes (setTrainMode) and every layer call
// and tensor op goes to `recorder`, which computes it and keeps what backward needs.
Analysis runRecordedForward(const Module& root, const std::shared_ptr<const Tensor>& input, detail::ForwardRecorder& recorder);

// The initial weights after torch.manual_seed(seed). A model built from code whose tree is
// unchanged gets them as its code makes them (engine/initrecipe.h: layers in construction order,
// torch.randn parameters, nn.init calls, in-place changes); any other model PyTorch's default
// initialisation: every layer in tree order (pre-order, plain lists included) resets its
// parameters and buffers, as the exported code does.
void initWeights(Module& root, uint64_t seed);

// Bytes needed by the parameters and buffers of every layer (float32), for memory checks.
int64_t tensorBytes(const Module& root);

// Memory the system can still give (MemAvailable), INT64_MAX when unknown.
int64_t availableMemoryBytes();
// Why a forward pass of root cannot run in the memory available: its weights plus the
// activations the analysis found would not fit. Names the sizes; nullopt when it fits.
// Call before initWeights or runForward on a model of unknown size.
std::optional<std::string> memoryProblem(const Module& root, const Analysis& analysis);

} // namespace ml
