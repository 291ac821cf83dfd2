#include "engine/analysis/tensorops.h"

#include "engine/layers/padding.h"

#include <algorithm>
#include <optional>

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

namespace {

// The arithmetic of `+ - *` as one function per operator, so every loop below is a plain
// vectorisable loop rather than a branch per element.
template <char Op>
inline float arith(float p, float q)
{
    if constexpr (Op == '+')
        return p + q;
    else if constexpr (Op == '-')
        return p - q;
    else if constexpr (Op == '/')
        return p / q; // true division, as PyTorch's CPU kernel divides (not by the reciprocal)
    else
        return p * q;
}

template <char Op>
void scalarLoop(const float* x, float s, bool scalarFirst, float* y, int64_t n)
{
    if (scalarFirst)
        for (int64_t k = 0; k < n; ++k)
            y[k] = arith<Op>(s, x[k]);
    else
        for (int64_t k = 0; k < n; ++k)
            y[k] = arith<Op>(x[k], s);
}

// y = a op b over the innermost run: each operand either walks (stride 1) or repeats one
// element (stride 0).
template <char Op>
void innerLoop(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n)
{
    if (sa && sb) {
        for (int64_t k = 0; k < n; ++k)
            y[k] = arith<Op>(a[k], b[k]);
    } else if (sa) {
        scalarLoop<Op>(a, *b, false, y, n);
    } else if (sb) {
        scalarLoop<Op>(b, *a, true, y, n);
    } else {
        std::fill_n(y, n, arith<Op>(*a, *b));
    }
}

// Broadcast loop by precomputed strides: dimensions whose stride patterns agree are merged,
// the innermost merged dimension runs as one contiguous loop, the outer ones by an odometer.
template <char Op>
void broadcastLoop(const float* a, const float* b, float* y, const std::vector<int64_t>& outShape,
                   std::vector<int64_t> ast, std::vector<int64_t> bst)
{
    std::vector<int64_t> dims;
    std::vector<int64_t> as, bs;
    for (size_t k = 0; k < outShape.size(); ++k) {
        if (outShape[k] == 1)
            continue;
        if (!dims.empty() && as.back() == ast[k] * outShape[k] && bs.back() == bst[k] * outShape[k]) {
            dims.back() *= outShape[k];
            as.back() = ast[k];
            bs.back() = bst[k];
            continue;
        }
        dims.push_back(outShape[k]);
        as.push_back(ast[k]);
        bs.push_back(bst[k]);
    }
    if (dims.empty()) {
        y[0] = arith<Op>(a[0], b[0]);
        return;
    }
    const size_t r = dims.size();
    const int64_t inner = dims[r - 1];
    const int64_t ia = as[r - 1], ib = bs[r - 1];
    int64_t outer = 1;
    for (size_t k = 0; k + 1 < r; ++k)
        outer *= dims[k];
    std::vector<int64_t> idx(r, 0);
    int64_t offA = 0, offB = 0;
    for (int64_t o = 0; o < outer; ++o) {
        innerLoop<Op>(a + offA, ia, b + offB, ib, y + o * inner, inner);
        for (size_t k = r - 1; k-- > 0;) {
            offA += as[k];
            offB += bs[k];
            if (++idx[k] < dims[k])
                break;
            offA -= as[k] * dims[k];
            offB -= bs[k] * dims[k];
            idx[k] = 0;
        }
    }
}

template <char Op>
void compute(const float* a, const Shape& sa, const float* b, const Shape& sb, float* y, const std::vector<int64_t>& out)
{
    const int rank = static_cast<int>(out.size());
    if (sa == sb) {
        // The residual add: memory bound, so split over the threads only when large.
        const int64_t n = sa.numel().value_or(0);
        constexpr int64_t kBlock = 1 << 14;
        const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks >= 8)
        for (int64_t blk = 0; blk < blocks; ++blk) {
            const int64_t end = std::min(n, (blk + 1) * kBlock);
            for (int64_t k = blk * kBlock; k < end; ++k)
                y[k] = arith<Op>(a[k], b[k]);
        }
        return;
    }
    std::vector<int64_t> ast(static_cast<size_t>(rank), 0), bst(static_cast<size_t>(rank), 0);
    const std::vector<int64_t> as = stridesOf(sa), bs = stridesOf(sb);
    for (int k = 0; k < rank; ++k) {
        const int da = sa.rank() - rank + k, db = sb.rank() - rank + k;
        if (da >= 0 && sa[da] != 1)
            ast[static_cast<size_t>(k)] = as[static_cast<size_t>(da)];
        if (db >= 0 && sb[db] != 1)
            bst[static_cast<size_t>(k)] = bs[static_cast<size_t>(db)];
    }
    broadcastLoop<Op>(a, b, y, out, std::move(ast), std::move(bst));
}

template <char Op>
std::shared_ptr<Tensor> withScalar(const Value& t, float s, bool scalarFirst)
{
    auto y = std::make_shared<Tensor>(t.shape);
    scalarLoop<Op>(t.data->data(), s, scalarFirst, y->data(), y->numel());
    return y;
}

std::shared_ptr<Tensor> scalarOp(char op, const Value& t, float s, bool scalarFirst)
{
    switch (op) {
    case '+': return withScalar<'+'>(t, s, scalarFirst);
    case '-': return withScalar<'-'>(t, s, scalarFirst);
    case '/': return withScalar<'/'>(t, s, scalarFirst);
    default: return withScalar<'*'>(t, s, scalarFirst);
    }
}

} // namespace

std::vector<int64_t> broadcastIndex(const Shape& out, const Shape& operand)
{
    const int rank = out.rank();
    std::vector<int64_t> stride(static_cast<size_t>(rank), 0);
    int64_t s = 1;
    for (int k = rank; k-- > rank - operand.rank();) {
        const int64_t d = operand[k - (rank - operand.rank())];
        stride[static_cast<size_t>(k)] = d == 1 ? 0 : s;
        s *= d;
    }
    const int64_t total = out.numel().value_or(0);
    std::vector<int64_t> idx(static_cast<size_t>(total), 0);
    std::vector<int64_t> at(static_cast<size_t>(rank), 0);
    int64_t j = 0;
    for (int64_t e = 0; e < total; ++e) {
        idx[static_cast<size_t>(e)] = j;
        // Odometer step: the last dim moves fastest; a dim that wraps takes back what it added.
        for (int k = rank; k-- > 0;) {
            j += stride[static_cast<size_t>(k)];
            if (++at[static_cast<size_t>(k)] < out[k])
                break;
            j -= stride[static_cast<size_t>(k)] * out[k];
            at[static_cast<size_t>(k)] = 0;
        }
    }
    return idx;
}

std::optional<Shape> broadcastShapes(const Shape& a, const Shape& b, std::string& error)
{
    const int rank = std::max(a.rank(), b.rank());
    std::vector<int64_t> out(static_cast<size_t>(rank));
    for (int k = 0; k < rank; ++k) {
        const int da = a.rank() - rank + k, db = b.rank() - rank + k;
        const int64_t sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            error = "The size of tensor a (" + std::to_string(sa) + ") must match the size of tensor b (" + std::to_string(sb)
                + ") at non-singleton dimension " + std::to_string(k);
            return std::nullopt;
        }
        out[static_cast<size_t>(k)] = sa == 1 ? sb : sa;
    }
    return Shape(std::move(out));
}

OpResult binaryOp(char op, const Value& a, const Value& b)
{
    if (a.isTensor() && b.isNumber()) {
        Value v = a;
        if (a.data)
            v.data = scalarOp(op, a, static_cast<float>(b.number()), false);
        return {std::move(v), {}};
    }
    if (a.isNumber() && b.isTensor()) {
        Value v = b;
        if (b.data)
            v.data = scalarOp(op, b, static_cast<float>(a.number()), true);
        return {std::move(v), {}};
    }
    std::string error;
    const std::optional<Shape> broadcast = broadcastShapes(a.shape, b.shape, error);
    if (!broadcast)
        return fail(error);
    const std::vector<int64_t>& out = broadcast->dims();
    Value v = Value::ofTensor(Shape(out), nullptr);
    if (a.data && b.data) {
        auto t = std::make_shared<Tensor>(v.shape);
        if (t->numel() > 0) {
            const float *pa = a.data->data(), *pb = b.data->data();
            float* y = t->data();
            if (op == '+')
                compute<'+'>(pa, a.shape, pb, b.shape, y, out);
            else if (op == '-')
                compute<'-'>(pa, a.shape, pb, b.shape, y, out);
            else if (op == '/')
                compute<'/'>(pa, a.shape, pb, b.shape, y, out);
            else
                compute<'*'>(pa, a.shape, pb, b.shape, y, out);
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

namespace {

// The reduced dims of x as flags (every dim for an empty list), or PyTorch's error.
std::optional<std::string> reducedDims(const Shape& s, const std::vector<int64_t>& dims, std::vector<bool>& reduce)
{
    const int rank = s.rank();
    reduce.assign(static_cast<size_t>(rank), dims.empty());
    for (int64_t dim : dims) {
        const auto d = wrapDim(dim, rank);
        if (!d)
            return dimOutOfRange(dim, rank);
        if (reduce[static_cast<size_t>(*d)])
            return "dim " + std::to_string(*d) + " appears multiple times in the list of dims";
        reduce[static_cast<size_t>(*d)] = true;
    }
    return std::nullopt;
}

Shape reducedShape(const Shape& s, const std::vector<bool>& reduce, bool keepdim)
{
    std::vector<int64_t> out;
    for (int k = 0; k < s.rank(); ++k) {
        if (!reduce[static_cast<size_t>(k)])
            out.push_back(s[k]);
        else if (keepdim)
            out.push_back(1);
    }
    return Shape(out);
}

// For every input element, the output element it reduces into.
std::vector<int64_t> reducedIndex(const Shape& s, const std::vector<bool>& reduce)
{
    const int rank = s.rank();
    const std::vector<int64_t> st = stridesOf(s);
    const int64_t n = s.numel().value_or(0);
    std::vector<int64_t> out(static_cast<size_t>(n));
    for (int64_t idx = 0; idx < n; ++idx) {
        int64_t rem = idx, o = 0;
        for (int k = 0; k < rank; ++k) {
            const int64_t c = rem / st[static_cast<size_t>(k)];
            rem %= st[static_cast<size_t>(k)];
            if (!reduce[static_cast<size_t>(k)])
                o = o * s[k] + c;
        }
        out[static_cast<size_t>(idx)] = o;
    }
    return out;
}

OpResult reduceOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim, bool average)
{
    std::vector<bool> reduce;
    if (auto err = reducedDims(x.shape, dims, reduce))
        return fail(*err);
    Value v = Value::ofTensor(reducedShape(x.shape, reduce, keepdim), nullptr);
    if (x.data) {
        // Accumulate in double (then divide): PyTorch's result agrees to float rounding.
        std::vector<double> acc(static_cast<size_t>(v.shape.numel().value_or(1)), 0.0);
        int64_t count = 1;
        for (int k = 0; k < x.shape.rank(); ++k)
            if (reduce[static_cast<size_t>(k)])
                count *= x.shape[k];
        const std::vector<int64_t> to = reducedIndex(x.shape, reduce);
        for (int64_t idx = 0; idx < x.data->numel(); ++idx)
            acc[static_cast<size_t>(to[static_cast<size_t>(idx)])] += (*x.data)[idx];
        auto t = std::make_shared<Tensor>(v.shape);
        for (size_t k = 0; k < acc.size(); ++k)
            (*t)[static_cast<int64_t>(k)] = static_cast<float>(average ? acc[k] / static_cast<double>(count) : acc[k]);
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

} // namespace

OpResult meanOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim)
{
    return reduceOp(x, dims, keepdim, true);
}

OpResult sumOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim)
{
    return reduceOp(x, dims, keepdim, false);
}

OpResult extremumOp(const Value& x, const std::vector<int64_t>& dims, bool keepdim, bool smallest, bool firstOnly,
                    std::vector<std::vector<int64_t>>* picked, Value* indices)
{
    std::vector<bool> reduce;
    if (auto err = reducedDims(x.shape, dims, reduce))
        return fail(*err);
    Value v = Value::ofTensor(reducedShape(x.shape, reduce, keepdim), nullptr);
    if (indices)
        *indices = v;
    if (!x.data)
        return {std::move(v), {}};
    const int64_t outN = v.shape.numel().value_or(1);
    if (x.data->numel() == 0)
        return fail(std::string(smallest ? "min" : "max")
                    + "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
    std::vector<std::vector<int64_t>> from(static_cast<size_t>(outN));
    const std::vector<int64_t> to = reducedIndex(x.shape, reduce);
    // Position of each input element along the reduced dims (max(dim)'s index).
    std::vector<int64_t> position(static_cast<size_t>(outN), 0);
    auto t = std::make_shared<Tensor>(v.shape);
    auto idx = std::make_shared<Tensor>(v.shape);
    for (int64_t i = 0; i < x.data->numel(); ++i) {
        const auto o = static_cast<size_t>(to[static_cast<size_t>(i)]);
        const float value = (*x.data)[i];
        const int64_t at = position[o]++;
        std::vector<int64_t>& f = from[o];
        const float best = f.empty() ? value : (*t)[static_cast<int64_t>(o)];
        const bool nan = value != value;
        const bool better = !f.empty() && !(best != best) && (nan || (smallest ? value < best : value > best));
        if (f.empty() || better) {
            f.assign(1, i);
            (*t)[static_cast<int64_t>(o)] = value;
            (*idx)[static_cast<int64_t>(o)] = static_cast<float>(at);
        } else if (!firstOnly && (value == best)) {
            f.push_back(i);
        }
    }
    v.data = std::move(t);
    if (indices)
        indices->data = std::move(idx);
    if (picked)
        *picked = std::move(from);
    return {std::move(v), {}};
}

OpResult padOp(const Value& x, const std::vector<int64_t>& pad, const std::string& mode, double value, std::vector<int64_t>* source)
{
    const Shape& in = x.shape;
    const int rank = in.rank();
    if (pad.size() % 2)
        return fail("Padding length must be divisible by 2");
    const int padded = static_cast<int>(pad.size() / 2);
    if (padded > rank)
        return fail("Padding length too large");
    PaddingMode pm = PaddingMode::Zeros;
    if (mode == "reflect")
        pm = PaddingMode::Reflect;
    else if (mode == "replicate")
        pm = PaddingMode::Replicate;
    else if (mode == "circular")
        pm = PaddingMode::Circular;
    else if (mode != "constant")
        return fail("NotImplementedError: Unrecognised padding mode " + mode);
    if (pm != PaddingMode::Zeros) {
        // reflection_pad1d/2d/3d and friends: 2, 4 or 6 values for a batched or unbatched input
        if (value != 0.0)
            return fail("Padding mode \"" + mode + "\" doesn't take in value argument");
        if (!(padded >= 1 && padded <= 3 && (rank == padded + 1 || rank == padded + 2)))
            return fail("NotImplementedError: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
    }
    Shape out = in;
    for (int k = padded - 1; k >= 0; --k) { // constant_pad_nd's order: the first padded dimension first
        const int d = rank - 1 - k;
        const int64_t before = pad[2 * static_cast<size_t>(k)], after = pad[2 * static_cast<size_t>(k) + 1];
        if (pm == PaddingMode::Reflect && (before >= in[d] || after >= in[d]))
            return fail("Argument #4: Padding size should be less than the corresponding input dimension, but got: padding ("
                        + std::to_string(before) + ", " + std::to_string(after) + ") at dimension " + std::to_string(d) + " of input "
                        + std::to_string(rank));
        if (pm == PaddingMode::Circular && (before > in[d] || after > in[d]))
            return fail("Padding value causes wrapping around more than once.");
        if (pm != PaddingMode::Zeros && (before < 0 || after < 0))
            return fail("not supported by ModuleLab yet: negative padding in mode '" + mode + "'");
        // negative padding narrows the dimension, first at its start, then at its end
        int64_t size = in[d];
        auto narrow = [&](int64_t start, int64_t length) {
            return "start (" + std::to_string(start) + ") + length (" + std::to_string(length) + ") exceeds dimension size ("
                + std::to_string(size) + ").";
        };
        if (before < 0) {
            if (size + before < 0)
                return fail(narrow(-before, size + before));
            size += before;
        }
        if (after < 0) {
            if (size + after < 0)
                return fail(narrow(0, size + after));
            size += after;
        }
        out[d] = size + std::max<int64_t>(before, 0) + std::max<int64_t>(after, 0);
    }
    if (!out.numel())
        return fail("the padded size " + out.toString() + " has more elements than fit in a 64-bit integer");
    Value v = Value::ofTensor(out, nullptr);
    if (x.data) {
        auto t = std::make_shared<Tensor>(out);
        const int64_t n = *out.numel();
        std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
        const float* src = x.data->data();
        float* dst = t->data();
        if (source)
            source->assign(static_cast<size_t>(n), -1);
        for (int64_t o = 0; o < n; ++o) {
            // the output position o as coordinates, then its source coordinates
            int64_t rest = o, offset = 0, stride = 1;
            bool inside = true;
            for (int d = rank - 1; d >= 0; --d) {
                const int64_t c = rest % out[d];
                rest /= out[d];
                const int k = rank - 1 - d;
                int64_t i = k < padded ? c - pad[2 * static_cast<size_t>(k)] : c;
                if (k < padded && pm != PaddingMode::Zeros)
                    i = padSourceIndex(i, in[d], pm);
                if (i < 0 || i >= in[d])
                    inside = false;
                offset += i * stride;
                stride *= in[d];
            }
            dst[o] = inside ? src[offset] : static_cast<float>(value);
            if (source && inside)
                (*source)[static_cast<size_t>(o)] = offset;
        }
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

} // namespace ml::detail
