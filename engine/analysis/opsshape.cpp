// The forward ops that read what a tensor is, pass it on as it is, or view its data in
// another shape (nothing is copied: the output shares the input's data as PyTorch's views do).
#include "engine/analysis/opcall.h"

#include <algorithm>

namespace ml::detail::ophandlers {

namespace {

// x.view(-1, K) and friends that change the batch size: say what happens to each sample.
std::string batchChangeWarning(const std::string& source, const std::string& method, const Shape& in, const Shape& out)
{
    const int64_t n = in[0], m = out[0];
    const int64_t perSample = in.numel().value_or(0) / std::max<int64_t>(n, 1);
    std::string what;
    if (m > n && m % n == 0)
        what = "it splits each sample's " + std::to_string(perSample) + " values into " + std::to_string(m / n) + " rows";
    else if (m < n && n % m == 0)
        what = "it joins " + std::to_string(n / m) + " samples into each row";
    else
        what = "its rows no longer line up with the samples";
    return source + " turns a batch of " + std::to_string(n) + " into a batch of " + std::to_string(m) + " ("
        + in.toString() + " -> " + out.toString() + "): " + what
        + ". PyTorch runs it silently; F.cross_entropy with one target per sample then fails (PyTorch: ValueError: Expected input batch_size ("
        + std::to_string(m) + ") to match target batch_size (" + std::to_string(n)
        + ").). Keep the batch dimension: x." + method + "(x.size(0), -1) or torch.flatten(x, 1)";
}

} // namespace

Value size(OpCall& c)
{
    const Shape& s = c.x.shape;
    if (c.how == Spelling::Method)
        if (const Value* d = c.arg(0, "dim"))
            return Value::ofInt(s[c.dimArg(*d, s.rank())]);
    std::vector<Value> dims;
    for (int64_t d : s.dims())
        dims.push_back(Value::ofInt(d));
    return Value::ofTuple(std::move(dims));
}

Value rank(OpCall& c) { return Value::ofInt(c.x.shape.rank()); }

Value numel(OpCall& c) { return Value::ofInt(c.x.shape.numel().value_or(0)); }

Value attribute(OpCall& c)
{
    if (c.name == "device")
        return Value::ofStr("cpu");
    if (c.name == "dtype")
        return Value::ofStr("torch.float32");
    return Value::ofBool(false); // is_cuda; requires_grad of a tensor that is not a parameter
}

Value identity(OpCall& c) { return c.x; }

Value detach(OpCall& c)
{
    if (!c.training() || !c.x.data)
        return c.x;
    // A copy that the tape does not know: the gradient stops here, as PyTorch's does.
    Value out = c.x;
    out.data = std::make_shared<const Tensor>(Tensor::borrow(c.x.shape, c.x.data->data()));
    return out;
}

Value view(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    const std::vector<int64_t> spec = c.intList(c.args);
    OpResult r = reshapeOp(c.x, spec);
    if (!r.ok())
        c.fail(c.what() + " cannot reshape " + s.toString() + " (" + std::to_string(s.numel().value_or(0)) + " elements) (PyTorch: " + r.error
                   + ")",
               ErrorKind::Shape);
    if (s.rank() >= 2 && r.value.shape.rank() >= 1 && r.value.shape[0] != s[0])
        c.warn(batchChangeWarning(c.what(), c.name, s, r.value.shape));
    return r.value;
}

Value flatten(OpCall& c)
{
    c.record();
    const Value* a = c.arg(0, "start_dim");
    const Value* b = c.arg(1, "end_dim");
    return c.check(flattenOp(c.x, a ? c.intArg(*a, "start_dim") : 0, b ? c.intArg(*b, "end_dim") : -1));
}

Value squeeze(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    std::vector<int64_t> dims = s.dims();
    if (const Value* d = c.arg(0, "dim")) {
        const int w = c.dimArg(*d, s.rank());
        if (s.rank() > 0 && dims[static_cast<size_t>(w)] == 1)
            dims.erase(dims.begin() + w);
    } else {
        dims.erase(std::remove(dims.begin(), dims.end(), 1), dims.end());
    }
    return c.check(reshapeOp(c.x, dims));
}

Value unsqueeze(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    const Value* dv = c.arg(0, "dim");
    if (!dv)
        c.fail("TypeError: unsqueeze() missing 1 required positional arguments: \"dim\"");
    const int64_t d = c.intArg(*dv, "dim");
    const auto w = wrapDim(d, s.rank() + 1);
    if (!w)
        c.fail("IndexError: " + dimOutOfRange(d, s.rank() + 1));
    std::vector<int64_t> dims = s.dims();
    dims.insert(dims.begin() + *w, 1);
    return c.check(reshapeOp(c.x, dims));
}

Value viewAs(OpCall& c)
{
    if (c.args.size() != 1 || !c.args[0].isTensor())
        c.fail("TypeError: " + c.name + "() needs a tensor");
    return c.check(reshapeOp(c.x, c.args[0].shape.dims()));
}

} // namespace ml::detail::ophandlers
