#pragma once

#include "engine/analysis/analysis.h"
#include "engine/analysis/forwardrecorder.h"
#include "engine/analysis/value.h"
#include "engine/layer.h"

#include <map>
#include <string>

namespace ml::detail {

// Raised after an error diagnostic has been recorded: PyTorch would have stopped here.
struct ForwardAbort {};

// Evaluates forward programs over Values. In symbolic mode tensors are shapes only; in real
// mode (observer or data present) every layer computes its output. One recursion serves both.
class Interpreter {
public:
    Interpreter(Analysis& analysis, bool real, const ForwardObserver* observer)
        : m_analysis(analysis), m_real(real), m_observer(observer) {}

    Value callModule(const Module& m, std::vector<Value> args, SourceLoc loc);
    // A training pass: every layer call and tensor op goes to the recorder, and modules run in
    // their own modes. Without one, forward runs as after model.eval(): only modules that eval()
    // does not reach (inside a plain Python list) keep their training mode.
    void setRecorder(ForwardRecorder* recorder) { m_recorder = recorder; }

private:
    using Scope = std::map<std::string, Value, std::less<>>;
    struct Frame {
        const CustomModule* self;
        Scope vars;
        SourceLoc stmtLoc;
    };
    struct ReturnSignal {
        Value value;
    };

    Value runProgram(const CustomModule& m, std::vector<Value> args, SourceLoc loc);
    void exec(const Stmt& s, Frame& f);
    void assignTargets(const std::vector<std::string>& targets, const Value& v, Frame& f, SourceLoc loc);
    Value eval(const Expr& e, Frame& f);
    Value evalCall(const Expr& e, Frame& f);
    Value callFunction(const std::string& name, const Value* receiver, std::vector<Value> args,
                       std::vector<std::pair<std::string, Value>> kwargs, const Expr& e, Frame& f);
    Value callLayer(const Layer& layer, const Value& in, const std::string& path, SourceLoc loc, bool record);
    Value functionalLayer(const std::string& fn, const Value& x, std::vector<Value> args,
                          std::vector<std::pair<std::string, Value>> kwargs, const Expr& e, Frame& f);
    std::vector<Value> iterate(const Value& v, const Expr& e, Frame& f);

    [[noreturn]] void raise(const std::string& path, SourceLoc loc, std::string message);
    void warn(const std::string& path, SourceLoc loc, std::string message, Severity s = Severity::Warning);
    std::string pathOf(const Frame& f) const;
    bool trainingOf(const Module& m) const { return m.training() && (m_recorder || !m.isRegistered()); }
    Value recordOp(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim = 0,
                   std::vector<int64_t> dims = {}, bool keepdim = false);

    Analysis& m_analysis;
    bool m_real;
    const ForwardObserver* m_observer;
    int m_depth = 0;
    ForwardRecorder* m_recorder = nullptr;
};

} // namespace ml::detail
