#pragma once

#include "engine/analysis/forwardop.h"
#include "engine/analysis/tensorops.h"
#include "engine/diagnostic.h"
#include "engine/python/evaluator.h"

#include <string>
#include <vector>

namespace ml::detail {

class Interpreter;

// One call of a forward op as its handler sees it: the tensor it works on (x.NAME(...),
// torch.NAME(x, ...), the left operand), the other arguments, and what the handler may do with
// the running interpreter (check arguments with PyTorch's messages, record the call, copy data).
class OpCall {
public:
    OpCall(Interpreter& in, const ForwardOp& op, Spelling how, Value x, Evaluator::Args args, Evaluator::Kwargs kwargs, SourceLoc loc);

    const ForwardOp& op;
    const Spelling how;
    const std::string name; // the entry's name (several entries share one handler)
    Value x;                // the tensor operand; None for an op without a receiver (torch.cat)
    Evaluator::Args args;
    Evaluator::Kwargs kwargs;
    const SourceLoc loc;

    [[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Python) const;
    [[noreturn]] void notYet(const std::string& what) const;
    void warn(std::string message) const;
    // The call as written, for messages ("x.view(-1, 10)").
    std::string what() const;

    // Positional argument k, else keyword `key`; nullptr when neither is given.
    const Value* arg(size_t k, std::string_view key) const;
    int64_t intArg(const Value& v, const char* which) const;
    // Sizes given as ints or as one sequence of ints (x.view(2, 3), x.view((2, 3))).
    std::vector<int64_t> intList(const std::vector<Value>& vs) const;
    // A dim of a tensor of `rank`, wrapped as PyTorch does (-1: the last).
    int dimArg(const Value& v, int rank) const;
    bool truthy(const Value& v) const;
    // The result of a tensorops function, or its error as a shape error here.
    Value check(const OpResult& r) const;

    // Records the op in Analysis::calls ("F.relu", "torch.cat", ".view").
    void record() const;
    bool real() const;
    bool training() const; // a training pass records every op
    // A strided copy of x's data (permute, slicing, chunk), recorded for backward.
    Value copied(std::vector<int64_t> dims, const std::vector<int64_t>& strides, int64_t base) const;
    // Records out as `kind` of inputs for backward (in a training pass).
    Value recorded(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim = 0, std::vector<int64_t> dims = {},
                   bool keepdim = false) const;
    void recordRaw(RecordedOp op) const;
    // a + b, a - b, a * b with broadcasting, recorded; `fused` a conv's residual added already.
    Value arithmetic(char op, const Value& a, const Value& b) const;
    // The layer of op.layer on x (F.relu, F.max_pool2d), with args and kwargs as its parameters.
    Value functionalLayer();

private:
    Interpreter& m_in;
};

// The handlers of the table, by what they do (opsshape.cpp, opsstrided.cpp, opsmath.cpp).
namespace ophandlers {
Value size(OpCall& c);
Value rank(OpCall& c);
Value numel(OpCall& c);
Value attribute(OpCall& c);
Value identity(OpCall& c);
Value detach(OpCall& c);
Value view(OpCall& c);
Value flatten(OpCall& c);
Value squeeze(OpCall& c);
Value unsqueeze(OpCall& c);
Value viewAs(OpCall& c);
Value expand(OpCall& c);
Value permute(OpCall& c);
Value transpose(OpCall& c);
Value split(OpCall& c);
Value index(OpCall& c);
Value arithmetic(OpCall& c);
Value divide(OpCall& c);
Value reciprocal(OpCall& c);
Value matmul(OpCall& c);
Value power(OpCall& c);
Value elementwiseFunction(OpCall& c);
Value reduction(OpCall& c);
Value extremum(OpCall& c);
Value cat(OpCall& c);
Value stack(OpCall& c);
Value create(OpCall& c);
Value pad(OpCall& c);
Value layer(OpCall& c);
} // namespace ophandlers

} // namespace ml::detail
