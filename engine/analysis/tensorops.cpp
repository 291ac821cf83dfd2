#include "engine/analysis/tensorops.h"

#include <algorithm>

namespace ml::detail {

namespace {

OpResult fail(std::string msg) { return {{}, std::move(msg)}; }

std::string shapeList(const std::vector<int64_t>& v)
{
    return Shape(v).toString();
}

// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const Shape& s)
{
    std::vector<int64_t> st(static_cast<size_t>(s.rank()), 1);
    for (int d = s.rank() - 2; d >= 0; --d)
        st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * s[d + 1];
    return st;
}

} // namespace

std::optional<int> wrapDim(int64_t dim, int rank)
{
    const int r = std::max(rank, 1);
    if (dim < -r || dim >= r)
        return std::nullopt;
    return static_cast<int>(dim < 0 ? dim + r : dim);
}

std::string dimOutOfRange(int64_t dim, int rank)
{
    const int r = std::max(rank, 1);
    return "Dimension out of range (expected to be in range of [" + std::to_string(-r) + ", " + std::to_string(r - 1)
        + "], but got " + std::to_string(dim) + ")";
}

OpResult reshapeOp(const Value& x, const std::vector<int64_t>& spec)
{
    const int64_t numel = x.shape.numel().value_or(0);
    int inferred = -1;
    int64_t known = 1;
    for (size_t k = 0; k < spec.size(); ++k) {
        if (spec[k] == -1) {
            if (inferred >= 0)
                return fail("only one dimension can be inferred");
            inferred = static_cast<int>(k);
        } else if (spec[k] < 0) {
            return fail("invalid shape dimension " + std::to_string(spec[k]));
        } else if (!checkedMul(known, spec[k], known)) {
            return fail("shape '" + shapeList(spec) + "' is invalid for input of size " + std::to_string(numel));
        }
    }
    std::vector<int64_t> out = spec;
    if (inferred >= 0) {
        if (known == 0 || numel % known != 0)
            return fail("shape '" + shapeList(spec) + "' is invalid for input of size " + std::to_string(numel));
        out[static_cast<size_t>(inferred)] = numel / known;
    } else if (known != numel) {
        return fail("shape '" + shapeList(spec) + "' is invalid for input of size " + std::to_string(numel));
    }
    // The data is shared, as PyTorch's view shares storage: a Value's shape is authoritative
    // and may differ from the shape its data was produced with.
    Value v = x;
    v.shape = Shape(out);
    return {std::move(v), {}};
}

OpResult flattenOp(const Value& x, int64_t startDim, int64_t endDim)
{
    const int rank = x.shape.rank();
    if (rank == 0)
        return reshapeOp(x, {1});
    const auto s = wrapDim(startDim, rank);
    if (!s)
        return fail(dimOutOfRange(startDim, rank));
    const auto e = wrapDim(endDim, rank);
    if (!e)
        return fail(dimOutOfRange(endDim, rank));
    if (*s > *e)
        return fail("flatten() has invalid args: start_dim cannot come after end_dim");
    std::vector<int64_t> out;
    for (int d = 0; d < *s; ++d)
        out.push_back(x.shape[d]);
    out.push_back(x.shape.product(*s, *e + 1));
    for (int d = *e + 1; d < rank; ++d)
        out.push_back(x.shape[d]);
    return reshapeOp(x, out);
}

OpResult binaryOp(char op, const Value& a, const Value& b)
{
    auto apply = [op](float p, float q) { return op == '+' ? p + q : op == '-' ? p - q : p * q; };
    if (a.isTensor() && b.isNumber()) {
        Value v = a;
        if (a.data) {
            auto t = std::make_shared<Tensor>(*a.data);
            const float s = static_cast<float>(b.number());
            for (int64_t k = 0; k < t->numel(); ++k)
                (*t)[k] = apply((*t)[k], s);
            v.data = std::move(t);
        }
        return {std::move(v), {}};
    }
    if (a.isNumber() && b.isTensor()) {
        Value v = b;
        if (b.data) {
            auto t = std::make_shared<Tensor>(*b.data);
            const float s = static_cast<float>(a.number());
            for (int64_t k = 0; k < t->numel(); ++k)
                (*t)[k] = apply(s, (*t)[k]);
            v.data = std::move(t);
        }
        return {std::move(v), {}};
    }
    // Broadcasting, aligned from the last dimension.
    const int rank = std::max(a.shape.rank(), b.shape.rank());
    std::vector<int64_t> out(static_cast<size_t>(rank));
    for (int k = 0; k < rank; ++k) {
        const int da = a.shape.rank() - rank + k, db = b.shape.rank() - rank + k;
        const int64_t sa = da >= 0 ? a.shape[da] : 1, sb = db >= 0 ? b.shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return fail("The size of tensor a (" + std::to_string(sa) + ") must match the size of tensor b ("
                        + std::to_string(sb) + ") at non-singleton dimension " + std::to_string(k));
        out[static_cast<size_t>(k)] = sa == 1 ? sb : sa;
    }
    Value v = Value::ofTensor(Shape(out), nullptr);
    if (a.data && b.data) {
        auto t = std::make_shared<Tensor>(v.shape);
        const Shape& os = v.shape;
        const std::vector<int64_t> ost = stridesOf(os);
        std::vector<int64_t> ast(static_cast<size_t>(rank), 0), bst(static_cast<size_t>(rank), 0);
        const std::vector<int64_t> as = stridesOf(a.shape), bs = stridesOf(b.shape);
        for (int k = 0; k < rank; ++k) {
            const int da = a.shape.rank() - rank + k, db = b.shape.rank() - rank + k;
            if (da >= 0 && a.shape[da] != 1)
                ast[static_cast<size_t>(k)] = as[static_cast<size_t>(da)];
            if (db >= 0 && b.shape[db] != 1)
                bst[static_cast<size_t>(k)] = bs[static_cast<size_t>(db)];
        }
        const int64_t n = t->numel();
        for (int64_t idx = 0; idx < n; ++idx) {
            int64_t rem = idx, ia = 0, ib = 0;
            for (int k = 0; k < rank; ++k) {
                const int64_t c = rem / ost[static_cast<size_t>(k)];
                rem %= ost[static_cast<size_t>(k)];
                ia += c * ast[static_cast<size_t>(k)];
                ib += c * bst[static_cast<size_t>(k)];
            }
            (*t)[idx] = apply((*a.data)[ia], (*b.data)[ib]);
        }
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

OpResult catOp(const std::vector<Value>& tensors, int64_t dim)
{
    if (tensors.empty())
        return fail("torch.cat(): expected a non-empty list of Tensors");
    const Shape& first = tensors[0].shape;
    const auto d = wrapDim(dim, first.rank());
    if (!d)
        return fail(dimOutOfRange(dim, first.rank()));
    int64_t total = 0;
    for (size_t t = 0; t < tensors.size(); ++t) {
        const Shape& s = tensors[t].shape;
        if (s.rank() != first.rank())
            return fail("Tensors must have same number of dimensions: got " + std::to_string(first.rank()) + " and "
                        + std::to_string(s.rank()));
        for (int k = 0; k < s.rank(); ++k)
            if (k != *d && s[k] != first[k])
                return fail("Sizes of tensors must match except in dimension " + std::to_string(*d) + ". Expected size "
                            + std::to_string(first[k]) + " but got size " + std::to_string(s[k]) + " for tensor number "
                            + std::to_string(t) + " in the list.");
        total += s[*d];
    }
    Shape out = first;
    out[*d] = total;
    Value v = Value::ofTensor(out, nullptr);
    const bool real = std::all_of(tensors.begin(), tensors.end(), [](const Value& x) { return x.data != nullptr; });
    if (real) {
        auto t = std::make_shared<Tensor>(out);
        const int64_t outer = out.product(0, *d);
        const int64_t inner = out.product(*d + 1, out.rank());
        int64_t offset = 0;
        for (const Value& x : tensors) {
            const int64_t chunk = x.shape[*d] * inner;
            for (int64_t o = 0; o < outer; ++o)
                std::copy_n(x.data->data() + o * chunk, chunk, t->data() + o * total * inner + offset);
            offset += chunk;
        }
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

OpResult meanOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim)
{
    const int rank = x.shape.rank();
    std::vector<bool> reduce(static_cast<size_t>(rank), dims.empty());
    for (int64_t dim : dims) {
        const auto d = wrapDim(dim, rank);
        if (!d)
            return fail(dimOutOfRange(dim, rank));
        if (reduce[static_cast<size_t>(*d)])
            return fail("dim " + std::to_string(*d) + " appears multiple times in the list of dims");
        reduce[static_cast<size_t>(*d)] = true;
    }
    std::vector<int64_t> out;
    for (int k = 0; k < rank; ++k) {
        if (!reduce[static_cast<size_t>(k)])
            out.push_back(x.shape[k]);
        else if (keepdim)
            out.push_back(1);
    }
    Value v = Value::ofTensor(Shape(out), nullptr);
    if (x.data) {
        // Accumulate in double, then divide: PyTorch's result agrees to float rounding.
        std::vector<double> acc(static_cast<size_t>(v.shape.numel().value_or(1)), 0.0);
        const std::vector<int64_t> st = stridesOf(x.shape);
        int64_t count = 1;
        for (int k = 0; k < rank; ++k)
            if (reduce[static_cast<size_t>(k)])
                count *= x.shape[k];
        const int64_t n = x.data->numel();
        for (int64_t idx = 0; idx < n; ++idx) {
            int64_t rem = idx, o = 0;
            for (int k = 0; k < rank; ++k) {
                const int64_t c = rem / st[static_cast<size_t>(k)];
                rem %= st[static_cast<size_t>(k)];
                if (!reduce[static_cast<size_t>(k)])
                    o = o * x.shape[k] + c;
            }
            acc[static_cast<size_t>(o)] += (*x.data)[idx];
        }
        auto t = std::make_shared<Tensor>(v.shape);
        for (size_t k = 0; k < acc.size(); ++k)
            (*t)[static_cast<int64_t>(k)] = static_cast<float>(acc[k] / static_cast<double>(count));
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

} // namespace ml::detail
