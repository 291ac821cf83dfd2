#include "engine/analysis/opcall.h"

#include "engine/analysis/interpreter.h"

namespace ml::detail {

OpCall::OpCall(Interpreter& in, const ForwardOp& op, Spelling how, Value x, Evaluator::Args args, Evaluator::Kwargs kwargs, SourceLoc loc)
    : op(op), how(how), name(op.name), x(std::move(x)), args(std::move(args)), kwargs(std::move(kwargs)), loc(loc), m_in(in)
{
}

void OpCall::fail(std::string message, ErrorKind kind) const { m_in.fail(loc, std::move(message), kind); }

void OpCall::notYet(const std::string& what) const { m_in.notYet(loc, what); }

void OpCall::warn(std::string message) const { m_in.warn(loc, std::move(message)); }

std::string OpCall::what() const { return m_in.m_callExpr ? toSource(*m_in.m_callExpr) : spelled(op, how); }

const Value* OpCall::arg(size_t k, std::string_view key) const
{
    if (k < args.size())
        return &args[k];
    for (const auto& [n, v] : kwargs)
        if (n == key)
            return &v;
    return nullptr;
}

int64_t OpCall::intArg(const Value& v, const char* which) const
{
    if (!v.isInt())
        fail("TypeError: " + name + "(): argument '" + which + "' must be int, not " + typeNameOf(v));
    return v.integer();
}

std::vector<int64_t> OpCall::intList(const std::vector<Value>& vs) const
{
    std::vector<int64_t> out;
    const std::vector<Value>& items = vs.size() == 1 && vs[0].isSequence() ? vs[0].elements() : vs;
    for (const Value& d : items)
        out.push_back(intArg(d, "size"));
    return out;
}

int OpCall::dimArg(const Value& v, int rank) const
{
    const int64_t d = intArg(v, "dim");
    const auto w = wrapDim(d, std::max(rank, 1));
    if (!w)
        fail("IndexError: " + dimOutOfRange(d, rank));
    return *w;
}

bool OpCall::truthy(const Value& v) const { return m_in.truthy(v, loc); }

Value OpCall::check(const OpResult& r) const
{
    if (!r.ok())
        fail(how == Spelling::Torch || how == Spelling::Functional ? spelled(op, how).substr(0, spelled(op, how).size() - 2) + ": " + r.error
                                                                   : r.error,
             ErrorKind::Shape);
    return r.value;
}

void OpCall::record() const
{
    std::string label;
    if (op.kind == "layer")
        label = "F." + name;
    else if (how == Spelling::Method)
        label = "." + name;
    else if (how == Spelling::Torch)
        label = "torch." + name;
    else if (how == Spelling::Functional)
        label = "F." + name;
    else if (op.symbol == "[]")
        label = "[]";
    else
        return; // x + y, x.T
    const Module* caller = m_in.m_frame && m_in.m_frame->self.kind == Value::Kind::Module ? m_in.m_frame->self.module : nullptr;
    m_in.pushCall({nullptr, caller, std::move(label), loc, m_in.m_moduleDepth});
}

bool OpCall::real() const { return m_in.m_real; }

bool OpCall::training() const { return m_in.m_recorder != nullptr; }

Value OpCall::copied(std::vector<int64_t> dims, const std::vector<int64_t>& strides, int64_t base) const
{
    return m_in.copied(x, std::move(dims), strides, base);
}

Value OpCall::recorded(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim, std::vector<int64_t> dims, bool keepdim) const
{
    return m_in.recordOp(kind, std::move(inputs), std::move(out), dim, std::move(dims), keepdim);
}

void OpCall::recordRaw(RecordedOp op) const
{
    if (m_in.m_recorder && op.output.data)
        m_in.m_recorder->op(std::move(op));
}

Value OpCall::arithmetic(char sym, const Value& a, const Value& b) const
{
    if (sym == '+')
        if (const Value* sum = m_in.m_fusion.passThroughAdd(a, b))
            return recorded(RecordedOp::Kind::Add, {a, b}, *sum); // added by the fused convolution
    OpResult r = binaryOp(sym, a, b);
    if (!r.ok())
        fail(a.shape.toString() + " " + sym + " " + b.shape.toString() + " do not broadcast (PyTorch: " + r.error + ")", ErrorKind::Shape);
    const auto kind = sym == '+' ? RecordedOp::Kind::Add : sym == '-' ? RecordedOp::Kind::Sub : RecordedOp::Kind::Mul;
    return recorded(kind, {a, b}, r.value);
}

Value OpCall::functionalLayer() { return m_in.functionalLayer(op, x, std::move(args), std::move(kwargs), loc); }

} // namespace ml::detail
