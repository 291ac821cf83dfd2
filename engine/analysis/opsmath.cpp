// The forward ops that compute new values: arithmetic, reductions, joins, new tensors, padding
// and the functional ops computed by a layer.
#include "engine/analysis/opcall.h"

#include "engine/analysis/elementwise.h"
#include "engine/analysis/matmul.h"

namespace ml::detail::ophandlers {

namespace {

// The other operand of x OP y, x.add(y), torch.add(x, y).
const Value& otherOperand(OpCall& c)
{
    for (const auto& [key, v] : c.kwargs)
        if (key != "other")
            c.notYet(c.what() + " with the argument " + key);
    const Value* y = c.arg(0, "other");
    if (!y || c.args.size() > 1)
        c.fail("TypeError: " + c.name + "() takes 1 argument");
    return *y;
}

} // namespace

Value arithmetic(OpCall& c)
{
    if (c.how != Spelling::Operator)
        c.record();
    const Value& y = otherOperand(c);
    return c.arithmetic(c.op.symbol.at(0), c.x, y);
}

// x / y, x.div(y), torch.div(x, y) as PyTorch 1.13's CPU kernel computes them: a true division
// for a tensor or number divisor; number / tensor is Python's __rtruediv__, x.reciprocal() * number.
Value divide(OpCall& c)
{
    if (c.how != Spelling::Operator)
        c.record();
    const Value& y = otherOperand(c);
    if (!y.isTensor() && !y.isNumber())
        c.fail("TypeError: unsupported operand type(s) for /: 'Tensor' and '" + typeNameOf(y) + "'");
    if (c.x.isNumber() && y.isTensor()) {
        const Value r = c.recorded(RecordedOp::Kind::Div, {Value::ofFloat(1.0), y}, c.check(binaryOp('/', Value::ofFloat(1.0), y)));
        return c.arithmetic('*', r, c.x);
    }
    OpResult r = binaryOp('/', c.x, y);
    if (!r.ok())
        c.fail(c.x.shape.toString() + " / " + y.shape.toString() + " do not broadcast (PyTorch: " + r.error + ")", ErrorKind::Shape);
    return c.recorded(RecordedOp::Kind::Div, {c.x, y}, r.value);
}

// x.reciprocal(), torch.reciprocal(x): 1 / x.
Value reciprocal(OpCall& c)
{
    c.record();
    if (!c.args.empty() || !c.kwargs.empty())
        c.fail("TypeError: reciprocal() takes no arguments");
    return c.recorded(RecordedOp::Kind::Div, {Value::ofFloat(1.0), c.x}, c.check(binaryOp('/', Value::ofFloat(1.0), c.x)));
}

// x @ y, x.matmul(y), torch.matmul(x, y), and the 2-D and batched forms torch.mm, torch.bmm.
Value matmul(OpCall& c)
{
    if (c.how != Spelling::Operator)
        c.record();
    const char* key = c.name == "matmul" ? "other" : "mat2";
    for (const auto& [k, v] : c.kwargs)
        if (k != key)
            c.fail("TypeError: " + c.name + "() got an unexpected keyword argument '" + k + "'");
    const Value* y = c.arg(0, key);
    if (!y || c.args.size() > 1)
        c.fail("TypeError: " + c.name + "() takes 1 argument");
    if (!c.x.isTensor() || !y->isTensor()) {
        if (c.how == Spelling::Operator)
            c.fail("TypeError: unsupported operand type(s) for @: '" + typeNameOf(c.x) + "' and '" + typeNameOf(*y) + "'");
        c.fail("TypeError: " + c.name + "(): argument '" + key + "' (position " + (c.how == Spelling::Torch ? "2" : "1")
               + ") must be Tensor, not " + typeNameOf(*y));
    }
    std::string error;
    const std::optional<MatmulPlan> plan = c.name == "mm" ? planMm(c.x.shape, y->shape, error)
                                           : c.name == "bmm" ? planBmm(c.x.shape, y->shape, error)
                                                             : planMatmul(c.x.shape, y->shape, error);
    if (!plan)
        c.fail("RuntimeError: " + error, ErrorKind::Shape);
    return c.recorded(RecordedOp::Kind::MatMul, {c.x, *y}, c.check(matmulOp(*plan, c.x, *y)));
}

// x ** e, x.pow(e), torch.pow(x, e) for a number e.
Value power(OpCall& c)
{
    if (c.how != Spelling::Operator)
        c.record();
    for (const auto& [k, v] : c.kwargs)
        if (k != "exponent")
            c.fail("TypeError: pow() got an unexpected keyword argument '" + k + "'");
    const Value* e = c.arg(0, "exponent");
    if (!e || c.args.size() > 1)
        c.fail("TypeError: pow() takes 1 argument");
    if (!c.x.isTensor())
        c.notYet(c.what() + " with a number raised to a tensor's power");
    if (e->isTensor())
        c.notYet(c.what() + " with a tensor exponent");
    if (!e->isNumber())
        c.fail("TypeError: unsupported operand type(s) for ** or pow(): 'Tensor' and '" + typeNameOf(*e) + "'");
    const Value exponent = Value::ofFloat(e->number());
    return c.recorded(RecordedOp::Kind::Pow, {c.x, exponent}, c.check(elementwiseOp(Elementwise::Pow, c.x, e->number())));
}

// x.sqrt(), x.rsqrt(), x.exp(), x.log() and their torch.* spellings.
Value elementwiseFunction(OpCall& c)
{
    c.record();
    if (!c.args.empty() || !c.kwargs.empty())
        c.fail("TypeError: " + c.name + "() takes no arguments");
    static const std::pair<std::string_view, std::pair<Elementwise, RecordedOp::Kind>> kinds[] = {
        {"sqrt", {Elementwise::Sqrt, RecordedOp::Kind::Sqrt}},
        {"rsqrt", {Elementwise::Rsqrt, RecordedOp::Kind::Rsqrt}},
        {"exp", {Elementwise::Exp, RecordedOp::Kind::Exp}},
        {"log", {Elementwise::Log, RecordedOp::Kind::Log}},
    };
    for (const auto& [name, kind] : kinds)
        if (name == c.name)
            return c.recorded(kind.second, {c.x}, c.check(elementwiseOp(kind.first, c.x)));
    c.notYet(c.what());
}

namespace {

// The `dim` (an int, a list of ints or None: every dim) and `keepdim` arguments of a reduction.
struct ReductionArgs {
    const Value* dim = nullptr; // as given; null or None when absent
    std::vector<int64_t> dims;
    bool keep = false;
    bool hasDim() const { return dim && dim->kind != Value::Kind::None; }
};

ReductionArgs reductionArgs(OpCall& c)
{
    ReductionArgs a;
    a.dim = c.arg(0, "dim");
    if (a.hasDim())
        a.dims = c.intList({*a.dim});
    const Value* kd = c.arg(1, "keepdim");
    a.keep = kd && c.truthy(*kd);
    return a;
}

} // namespace

// mean, sum over dims (every dim when none is given).
Value reduction(OpCall& c)
{
    c.record();
    const ReductionArgs a = reductionArgs(c);
    const std::vector<int64_t>& dims = a.dims;
    const bool keep = a.keep;
    if (c.name == "mean")
        return c.recorded(RecordedOp::Kind::Mean, {c.x}, c.check(meanOp(c.x, dims, keep)), 0, dims, keep);
    return c.recorded(RecordedOp::Kind::Sum, {c.x}, c.check(sumOp(c.x, dims, keep)), 0, dims, keep);
}

// max(dim) and min(dim) give (values, indices) and pass the gradient to the index; amax, amin,
// max() and min() share it among equal extremes, as PyTorch does.
Value extremum(OpCall& c)
{
    c.record();
    const ReductionArgs a = reductionArgs(c);
    const std::vector<int64_t>& dims = a.dims;
    const bool keep = a.keep;
    const bool withIndices = (c.name == "max" || c.name == "min") && a.hasDim();
    if (withIndices && dims.size() != 1)
        c.fail("TypeError: " + c.name + "(): argument 'dim' must be int, not " + typeNameOf(*a.dim));
    RecordedOp op;
    op.kind = RecordedOp::Kind::Max;
    op.inputs = {c.x};
    Value indices;
    op.output = c.check(extremumOp(c.x, dims, keep, c.name == "min" || c.name == "amin", withIndices, c.training() ? &op.picked : nullptr,
                                   &indices));
    Value values = op.output;
    c.recordRaw(std::move(op));
    if (withIndices)
        return Value::ofTuple({values, indices});
    return values;
}

namespace {

std::vector<Value> tensorList(OpCall& c)
{
    if (c.args.empty() || !c.args[0].isSequence())
        c.fail("TypeError: torch." + c.name + "() expects a list of tensors");
    std::vector<Value> ts = c.args[0].elements();
    for (const Value& t : ts)
        if (!t.isTensor())
            c.fail("TypeError: expected Tensor as element in argument 0, but got " + typeNameOf(t));
    return ts;
}

int64_t joinDim(OpCall& c)
{
    const Value* d = c.arg(1, "dim");
    return d ? c.intArg(*d, "dim") : 0;
}

} // namespace

Value cat(OpCall& c)
{
    c.record();
    std::vector<Value> ts = tensorList(c);
    const int64_t d = joinDim(c);
    return c.recorded(RecordedOp::Kind::Cat, ts, c.check(catOp(ts, d)), d);
}

// torch.stack: each tensor with a new dim of 1 at `dim`, concatenated there.
Value stack(OpCall& c)
{
    c.record();
    std::vector<Value> ts = tensorList(c);
    const int64_t d = joinDim(c);
    if (ts.empty())
        c.fail("RuntimeError: stack expects a non-empty TensorList");
    for (size_t k = 1; k < ts.size(); ++k)
        if (!(ts[k].shape == ts[0].shape))
            c.fail("RuntimeError: stack expects each tensor to be equal size, but got " + ts[0].shape.toString() + " at entry 0 and "
                       + ts[k].shape.toString() + " at entry " + std::to_string(k),
                   ErrorKind::Shape);
    const auto w = wrapDim(d, ts[0].shape.rank() + 1);
    if (!w)
        c.fail("IndexError: " + dimOutOfRange(d, ts[0].shape.rank() + 1));
    for (Value& t : ts) {
        std::vector<int64_t> dims = t.shape.dims();
        dims.insert(dims.begin() + *w, 1);
        t = c.check(reshapeOp(t, dims));
    }
    return c.recorded(RecordedOp::Kind::Cat, ts, c.check(catOp(ts, *w)), *w);
}

// torch.zeros(2, 3), torch.randn((2, 3)): a shape (the table keeps them off tensor data).
Value create(OpCall& c)
{
    std::vector<int64_t> dims = c.intList(c.args);
    return Value::ofTensor(Shape(std::move(dims)), nullptr);
}

// F.pad(x, pad, mode="constant", value=0): constant, reflect, replicate and circular.
Value pad(OpCall& c)
{
    c.record();
    const Value* padv = c.arg(0, "pad");
    if (!padv || !padv->isSequence())
        c.fail("TypeError: pad() missing required argument 'pad' (pos 2)");
    std::vector<int64_t> pad;
    for (const Value& p : padv->elements())
        pad.push_back(c.intArg(p, "pad"));
    const Value* modev = c.arg(1, "mode");
    const Value* valuev = c.arg(2, "value");
    if (modev && modev->kind != Value::Kind::Str)
        c.fail("TypeError: pad(): argument 'mode' must be str, not " + typeNameOf(*modev));
    if (valuev && valuev->kind != Value::Kind::None && !valuev->isNumber())
        c.fail("TypeError: pad(): argument 'value' must be float, not " + typeNameOf(*valuev));
    const double value = valuev && valuev->isNumber() ? valuev->number() : 0.0;
    RecordedOp op;
    op.kind = RecordedOp::Kind::Pick;
    op.inputs = {c.x};
    op.output = c.check(padOp(c.x, pad, modev ? modev->s : "constant", value, c.training() ? &op.source : nullptr));
    Value out = op.output;
    c.recordRaw(std::move(op));
    return out;
}

Value layer(OpCall& c) { return c.functionalLayer(); }

} // namespace ml::detail::ophandlers
