#pragma once

#include "engine/analysis/analysis.h"
#include "engine/analysis/forwardop.h"
#include "engine/analysis/forwardrecorder.h"
#include "engine/analysis/fusion.h"
#include "engine/layer.h"
#include "engine/python/evaluator.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace ml::detail {

// Raised after an error diagnostic has been recorded: PyTorch would have stopped here.
struct ForwardAbort {};

// Runs forward programs with the one Python evaluator. In symbolic mode tensors are shapes
// only; in real mode (observer or data present) every layer computes its output. It records
// every module call (Analysis::nodes, layerCalls and calls) in the order forward makes them.

// One tensor of what forward returned, named as Analysis::outputs names it.
struct FlatOutput {
    std::string name;
    Value value;
    int64_t position = -1; // the element of the returned tuple, list or dict it is in (-1: a tensor)
};
// The tensors of a forward's result in order: a tensor, or tuples, lists, namedtuples and dicts
// with string keys of them, nested, where a None may stand for a tensor (its FlatOutput holds
// None). Empty with `error` set for anything else (a number, a tuple without a tensor).
std::vector<FlatOutput> flattenOutput(const Value& out, std::string& error);

class Interpreter : public Evaluator {
public:
    Interpreter(Analysis& analysis, bool real, const ForwardObserver* observer);

    // Calls m as model(input) would; errors become diagnostics and end in ForwardAbort.
    Value callModule(const Module& m, std::vector<Value> args, SourceLoc loc);
    // A training pass: every layer call and tensor op goes to the recorder, and modules run in
    // their own modes. Without one, forward runs as after model.eval(): only modules that eval()
    // does not reach (inside a plain Python list) keep their training mode.
    void setRecorder(ForwardRecorder* recorder) { m_recorder = recorder; }

protected:
    Value callModule(const Module& m, Args args, Kwargs kwargs, SourceLoc loc) override;
    Value tensorMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc) override;
    Value tensorFunction(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc) override;
    bool isTraining(const Module& m) const override { return m.training() && (m_recorder || !m.isRegistered()); }
    void parameterRead(const Tensor& source, const std::shared_ptr<const Tensor>& copy) const override
    {
        if (m_recorder)
            m_recorder->parameterRead(source, copy);
    }

private:
    Value runModule(const Module& m, Args args, Kwargs kwargs, SourceLoc loc);
    Value runProgram(const Module& m, const ForwardProgram& p, Args args, Kwargs kwargs, SourceLoc loc);
    Value callLayer(const Layer& layer, const Value& in, const std::string& path, SourceLoc loc, bool record);
    // The tensor ops of forward, through the one table (forwardop.h); OpCall gives handlers their means.
    friend class OpCall;
    Value runOp(Spelling how, const std::string& name, Value x, Args args, Kwargs kwargs, SourceLoc loc);
    [[noreturn]] void unknownOp(Spelling how, const std::string& name, SourceLoc loc);
    Value functionalLayer(const ForwardOp& op, const Value& x, Args args, Kwargs kwargs, SourceLoc loc);
    std::string pathHere() const;
    // A strided copy of x's data (permute, slicing, chunk): shapes only in symbolic mode.
    // A training pass records it for backward.
    Value copied(const Value& x, std::vector<int64_t> dims, const std::vector<int64_t>& strides, int64_t base);
    Value recordOp(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim = 0, std::vector<int64_t> dims = {},
                   bool keepdim = false);

    // Symbolic analysis goes on past a layer's shape error with the output the layer would give
    // once fixed: records the error (later ones say so) and marks what follows. False where no
    // output can be known, or on tensors (PyTorch stops there, and so does a run).
    bool continuePastError(const Layer& layer, const Shape& in, const EvalError& e, Value& out);
    std::string afterErrorPrefix() const { return m_analysis.stopsAt ? "after the error above is fixed: " : ""; }
    void pushCall(CallRecord c);
    void flushNotes();

    Analysis& m_analysis;
    size_t m_notesBeforeError = 0; // m_notes made before the first error (later ones are assumed)
    bool m_real;
    const ForwardObserver* m_observer;
    int m_moduleDepth = 0;
    ForwardRecorder* m_recorder = nullptr;
    std::unordered_map<const ForwardProgram*, std::shared_ptr<FunctionDef>> m_forwardCache;
    Fusion m_fusion; // conv -> BatchNorm (-> activation, residual) as one convolution, where nothing observes between
    bool fusing() const { return m_real && !m_recorder && !(m_observer && *m_observer); }
};

} // namespace ml::detail
