#pragma once

#include "engine/analysis/forwardrecorder.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ml::detail {

class OpCall;

// How forward writes an op: x.NAME(), x.NAME, torch.NAME(x, ...), F.NAME(x, ...), x OP y / x[i].
enum class Spelling : unsigned { Method = 1, Attribute = 2, Torch = 4, Functional = 8, Operator = 16 };
constexpr unsigned operator|(Spelling a, Spelling b) { return static_cast<unsigned>(a) | static_cast<unsigned>(b); }
constexpr unsigned operator|(unsigned a, Spelling b) { return a | static_cast<unsigned>(b); }

// What carries the gradient of an op's output back to its input in a training pass.
struct OpGradient {
    enum class Via {
        NoTensor,   // the op gives no tensor (x.size(), x.dim())
        SharedData, // the output shares the input's data (views, x.contiguous()): nothing to record
        Stops,      // x.detach(): PyTorch's gradient stops there, and so does ModuleLab's
        Recorded,   // a RecordedOp of `kind`, which the tape differentiates
        Layer,      // the layer `layer` computes it (F.relu), with that layer's backward
        None,       // nothing yet
    };
    Via via = Via::None;
    RecordedOp::Kind kind = RecordedOp::Kind::Add;
};

// One op forward may run on tensors: the one table of tensor methods, torch.* and F.* functions
// and tensor operators that the evaluator dispatches through and everything else reads.
struct ForwardOp {
    std::string_view name;   // x.NAME(), torch.NAME, F.NAME
    unsigned spellings = 0;  // Spelling bits
    std::string_view symbol; // Operator spelling: "+", "-", "*", "/", "**", "@", "[]"
    std::string_view kind;   // what it does: "shape", "view", "copy", "arithmetic", "product", "reduction", "join", "create", "layer", "pad"
    bool receiver = true;    // works on a tensor given first (x.NAME(...) = torch.NAME(x, ...)); false: torch.cat([...])
    bool data = true;        // runs on tensor data; false: symbolic analysis (shapes) only
    std::string_view dataLimit; // where it runs on data only in part: which part does not
    OpGradient gradient;
    Value (*handler)(OpCall&) = nullptr;
    std::string_view layer;              // kind "layer": the layer type that computes it
    std::vector<std::string_view> params; // kind "layer": positional parameters after the input
    // A tiny call, for the listing and the test that the table is true: the arguments (after the
    // tensor for a receiver) on `on`, where x has the shape [2, 3, 4, 4].
    std::string_view example;
    std::string_view on = "x";
};

const std::vector<ForwardOp>& forwardOps();
// The entry forward runs for `name` written as `how` (an operator by its symbol); nullptr if none.
const ForwardOp* findForwardOp(Spelling how, std::string_view name);
// The entry of that name under any spelling (for messages about a spelling PyTorch lacks).
const ForwardOp* findForwardOpAnySpelling(std::string_view name);

// Whether a training pass differentiates the op: asks engine/train (the tape's recorded-op
// kinds, the layers' backward table). False for an op without a tensor output.
bool hasBackward(const ForwardOp& op);
// The op as written: "x.view()", "x.shape", "torch.cat()", "F.relu()", "x + y", "x[...]".
std::string spelled(const ForwardOp& op, Spelling how);
std::string spelled(Spelling how, std::string_view name);
// Every spelling of the op, in the order of Spelling.
std::vector<std::string> spellingsOf(const ForwardOp& op);

// The one text for what the table lacks: "the tensor method .foo()", "F.foo()".
std::string unsupportedOp(Spelling how, std::string_view name);
// A known op run where ModuleLab cannot run it yet.
std::string notOnData(const ForwardOp& op, Spelling how);
std::string notInTraining(const ForwardOp& op, Spelling how);

} // namespace ml::detail
