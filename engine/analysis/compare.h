#pragma once

#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/module.h"
#include "engine/shape.h"
#include "engine/tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ml {

// One call of a leaf layer during a (symbolic) forward pass.
struct LayerCall {
    const Module* module = nullptr; // the layer in the traced tree
    std::string path;               // dotted, as named_modules() names it
    std::string type;               // "Conv2d"
    std::string signature;          // the repr line: "Conv2d(1, 32, kernel_size=(3, 3), ...)"
    Shape input;
    std::optional<Shape> output;    // empty when the call failed
    std::string error;              // why it failed
    int64_t params = 0;             // the layer's own parameters (0 inside a plain list? no: counted)
    int storedIndex = -1;           // position among the tree's leaves in stored (pre-)order
    int callIndex = 0;              // position in execution order
    bool outOfStoredOrder = false;  // runs before a layer stored ahead of it, or runs again
    bool reached = true;            // false: listed after the calls because forward never ran it
};

// The leaf-layer calls of root's forward pass in execution order, found by running the
// analysis itself (same interpreter, no weights): loops, indexing, ModuleDict keys and
// reuse are followed exactly. Functional ops (F.relu, x.view) are not module calls and do not
// appear. The pass stops where the analysis stops (an error); the layers it never reached
// follow the calls in stored order with reached = false, so that a model failing early still
// lines up with its fixed version.
struct ExecutionTrace {
    std::vector<LayerCall> calls;
    std::vector<const Module*> storedLeaves; // every leaf layer, pre-order, plain lists included
};
ExecutionTrace traceExecution(const Module& root, const Shape& input);

// The kinds of difference between the two sides of an aligned row (bit flags).
enum CompareDiff : unsigned {
    kDiffNone = 0,
    kDiffOnlyInA = 1u << 0,        // a layer B does not have
    kDiffOnlyInB = 1u << 1,
    kDiffArgs = 1u << 2,           // same layer type, other constructor arguments
    kDiffInputShape = 1u << 3,
    kDiffOutputShape = 1u << 4,    // includes: fails on one side only
    kDiffParams = 1u << 5,
    kDiffMoved = 1u << 6,          // the same layer runs at another place in the other model
    kDiffFails = 1u << 7,          // the call fails on at least one side
    kDiffPath = 1u << 8,           // different names: informational, not a structural difference
    kDiffFunctionalElsewhere = 1u << 9, // a one-sided reshape whose neighbours align: the other
                                        // model reshapes in forward() (x.view, torch.flatten)
    kDiffNotReached = 1u << 10,   // forward never runs the layer on one side
};
// Flags that make two models compute differently (everything but kDiffPath and
// kDiffFunctionalElsewhere).
inline constexpr unsigned kDiffStructural = kDiffOnlyInA | kDiffOnlyInB | kDiffArgs | kDiffInputShape
                                            | kDiffOutputShape | kDiffParams | kDiffMoved | kDiffFails | kDiffNotReached;

struct AlignedRow {
    std::optional<LayerCall> a;
    std::optional<LayerCall> b;
    unsigned diff = kDiffNone;
    int movedPartner = -1; // row index of the same layer in the other model (kDiffMoved)

    bool paired() const { return a && b; }
    bool structural() const { return (diff & kDiffStructural) != 0; }
};

struct ModelSide {
    std::string name;               // the root's type name or a label the caller chose
    Shape input;
    Analysis analysis;
    SummaryTotals totals;
    ExecutionTrace trace;
};

// One tensor of each model's output, paired: by name where both return it ("output",
// "output.1", "output.mu"), the rest by their place among the unpaired ones (a tensor against
// the first of a tuple); one-sided when a model returns fewer.
struct OutputPair {
    std::optional<OutputShape> a;
    std::optional<OutputShape> b;
    bool byPosition = false; // the names differ: paired by their place in the output

    bool paired() const { return a && b; }
    bool sameShape() const { return paired() && a->shape == b->shape; }
};

struct ModelComparison {
    ModelSide a;
    ModelSide b;
    std::vector<AlignedRow> rows;
    std::vector<OutputPair> outputs; // empty when either forward fails

    int pairedCount() const;
    int differenceCount() const; // rows with a structural difference
    bool sameParameters() const { return a.totals.totalParams == b.totals.totalParams; }
    // Both forwards return the same structure: as many tensors, with the same names.
    bool sameOutputStructure() const;
    // Both run, return the same structure and every output has the same shape.
    bool sameOutputShape() const;
    bool sameComputation() const; // no structural row differences and same output shape
};

// Analyses both models and aligns their leaf-layer calls in execution order: a longest common
// subsequence on the repr line (type and arguments) anchors identical layers; between anchors,
// layers of the same type are paired (their arguments differ), the rest are gaps; a gap whose
// layer runs elsewhere on the other side is marked moved. Each row then gets its differences.
ModelComparison compareModels(const Module& a, const Shape& inputA, const Module& b, const Shape& inputB,
                              const std::string& nameA = {}, const std::string& nameB = {});

// "missing in A", "arguments", "input shape", ... one short phrase per set flag, in flag order.
std::vector<std::string> describeDiff(unsigned diff);
// One sentence for a row, naming both sides: "bn2: BatchNorm2d(32) vs BatchNorm2d(64)".
std::string describeRow(const AlignedRow& row);
// A few lines comparing totals: parameters, mult-adds, output shape, layer calls.
std::vector<std::string> totalsComparison(const ModelComparison& c);
// What a forward returns: "one tensor", "2 tensors (output.0, output.1)", "fails".
std::string describeOutputs(const std::vector<OutputShape>& outputs);
// One line per output pair: "output.1 [2, 5] vs [2, 7]", "output.0 [2, 1, 4, 4] (A) and output
// [2, 1, 4, 4] (B), paired by position: same shape", "output.1 [2, 5]: only in A".
std::string describeOutputPair(const OutputPair& pair);

// How far apart two tensors of one shape are, element by element (the compare view's numbers for
// an aligned layer's or an output's values): nullopt when the shapes differ.
struct TensorDifference {
    double maxAbs = 0;  // the largest |a - b|
    double meanAbs = 0; // the mean |a - b|
    int64_t count = 0;  // elements compared
    int64_t unequal = 0; // elements that differ at all (NaN against NaN counts as equal)
};
std::optional<TensorDifference> tensorDifference(const Tensor& a, const Tensor& b);

} // namespace ml
