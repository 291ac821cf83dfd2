// The forward ops that copy a strided walk over their input's data: permute, transpose,
// indexing and slicing, chunk and split. A training pass records each copy for backward.
#include "engine/analysis/opcall.h"

#include <algorithm>
#include <optional>
#include <string>

namespace ml::detail::ophandlers {

namespace {

// Row-major element strides of a contiguous tensor of shape s.
std::vector<int64_t> contiguousStrides(const Shape& s)
{
    std::vector<int64_t> st(static_cast<size_t>(s.rank()), 1);
    for (int d = s.rank() - 2; d >= 0; --d)
        st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * s[d + 1];
    return st;
}

// x with its dims in `order`.
Value reordered(OpCall& c, const std::vector<int>& order)
{
    const Shape& s = c.x.shape;
    std::vector<int64_t> dims, strides;
    const std::vector<int64_t> inStrides = contiguousStrides(s);
    for (int k : order) {
        dims.push_back(s[k]);
        strides.push_back(inStrides[static_cast<size_t>(k)]);
    }
    return c.copied(std::move(dims), strides, 0);
}

std::vector<int64_t> chunkSizes(OpCall& c, int64_t size)
{
    std::vector<int64_t> parts;
    const int64_t n = c.intArg(c.args[0], "chunks");
    if (n <= 0)
        c.fail("RuntimeError: chunk expects `chunks` to be greater than 0, got: " + std::to_string(n));
    const int64_t each = (size + n - 1) / n;
    for (int64_t at = 0; at < size; at += each)
        parts.push_back(std::min(each, size - at));
    return parts;
}

std::vector<int64_t> splitSizes(OpCall& c, int64_t size)
{
    std::vector<int64_t> parts;
    if (c.args[0].isSequence()) {
        int64_t total = 0;
        for (const Value& v : c.args[0].elements()) {
            parts.push_back(c.intArg(v, "split_size"));
            total += parts.back();
        }
        if (total != size)
            c.fail("RuntimeError: split_with_sizes expects split_sizes to sum exactly to " + std::to_string(size));
        return parts;
    }
    const int64_t each = c.intArg(c.args[0], "split_size");
    if (each <= 0)
        c.fail("RuntimeError: split expects split_size be non-negative");
    for (int64_t at = 0; at < size; at += each)
        parts.push_back(std::min(each, size - at));
    return parts;
}

} // namespace

Value permute(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    std::vector<int> order;
    for (int64_t d : c.intList(c.args)) {
        const auto w = wrapDim(d, s.rank());
        if (!w)
            c.fail("IndexError: " + dimOutOfRange(d, s.rank()));
        order.push_back(*w);
    }
    if (static_cast<int>(order.size()) != s.rank())
        c.fail("RuntimeError: permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
               "ordering of dimensions i.e. input.dim() = "
               + std::to_string(s.rank()) + " is not equal to len(dims) = " + std::to_string(order.size()));
    return reordered(c, order);
}

// x.transpose(a, b), x.t() (a matrix; a vector stays), x.T (every dim reversed).
Value transpose(OpCall& c)
{
    c.record();
    const int rank = c.x.shape.rank();
    std::vector<int> order;
    for (int k = 0; k < rank; ++k)
        order.push_back(k);
    if (c.name == "T") {
        std::reverse(order.begin(), order.end());
    } else if (c.name == "t") {
        if (rank > 2)
            c.fail("RuntimeError: t() expects a tensor with <= 2 dimensions, but self is " + std::to_string(rank) + "D");
        std::reverse(order.begin(), order.end());
    } else {
        const Value* a = c.arg(0, "dim0");
        const Value* b = c.arg(1, "dim1");
        if (!a || !b)
            c.fail("TypeError: transpose() takes 2 dimensions");
        std::swap(order[static_cast<size_t>(c.dimArg(*a, rank))], order[static_cast<size_t>(c.dimArg(*b, rank))]);
    }
    return reordered(c, order);
}

// x.chunk(n, dim), x.split(size or sizes, dim): a tuple of copies.
Value split(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    if (c.args.empty())
        c.fail("TypeError: " + c.name + "() missing required argument");
    const Value* dv = c.arg(1, "dim");
    const int d = dv ? c.dimArg(*dv, s.rank()) : 0;
    const std::vector<int64_t> parts = c.name == "chunk" ? chunkSizes(c, s[d]) : splitSizes(c, s[d]);
    std::vector<Value> out;
    const std::vector<int64_t> inStrides = contiguousStrides(s);
    int64_t at = 0;
    for (int64_t p : parts) {
        std::vector<int64_t> dims = s.dims();
        dims[static_cast<size_t>(d)] = p;
        out.push_back(c.copied(std::move(dims), inStrides, at * inStrides[static_cast<size_t>(d)]));
        at += p;
    }
    return Value::ofTuple(std::move(out));
}

// x[i], x[a:b], x[:, None, 1::2]: ints, slices and None.
Value index(OpCall& c)
{
    c.record();
    const Shape& s = c.x.shape;
    const Value& index = c.args.at(0);
    const std::vector<Value> idx = index.kind == Value::Kind::Tuple ? index.items : std::vector<Value>{index};
    std::vector<int64_t> dims, strides;
    const std::vector<int64_t> inStrides = contiguousStrides(s);
    int64_t base = 0;
    int k = 0;
    for (const Value& i : idx) {
        if (i.kind == Value::Kind::None) {
            dims.push_back(1);
            strides.push_back(0);
            continue;
        }
        if (k >= s.rank())
            c.fail("IndexError: too many indices for tensor of dimension " + std::to_string(s.rank()));
        const int64_t size = s[k], stride = inStrides[static_cast<size_t>(k)];
        if (i.isInt()) {
            const int64_t v = i.integer();
            if (v < -size || v >= size)
                c.fail("IndexError: index " + std::to_string(v) + " is out of bounds for dimension " + std::to_string(k) + " with size "
                       + std::to_string(size));
            base += (v < 0 ? v + size : v) * stride;
            ++k;
            continue;
        }
        if (i.kind != Value::Kind::Slice)
            c.notYet("indexing a tensor with " + typeNameOf(i));
        int64_t start = i.items[0].kind == Value::Kind::None ? 0 : i.items[0].integer();
        int64_t stop = i.items[1].kind == Value::Kind::None ? size : i.items[1].integer();
        const int64_t st = i.items[2].kind == Value::Kind::None ? 1 : i.items[2].integer();
        if (st <= 0)
            c.fail("ValueError: step must be greater than zero");
        start = std::min(start < 0 ? std::max<int64_t>(0, start + size) : start, size);
        stop = std::min(stop < 0 ? std::max<int64_t>(0, stop + size) : stop, size);
        dims.push_back(stop > start ? (stop - start + st - 1) / st : 0);
        strides.push_back(st * stride);
        base += start * stride;
        ++k;
    }
    for (; k < s.rank(); ++k) {
        dims.push_back(s[k]);
        strides.push_back(inStrides[static_cast<size_t>(k)]);
    }
    return c.copied(std::move(dims), strides, base);
}

namespace {

std::string sizesText(const std::vector<int64_t>& v)
{
    std::string out = "[";
    for (size_t k = 0; k < v.size(); ++k)
        out += (k ? ", " : "") + std::to_string(v[k]);
    return out + "]";
}

// The shape x.expand(sizes) gives, checked as PyTorch's infer_expand_geometry checks it.
std::vector<int64_t> expandedDims(OpCall& c, const std::vector<int64_t>& sizes)
{
    const Shape& s = c.x.shape;
    const int rank = s.rank(), n = static_cast<int>(sizes.size());
    if (n < rank)
        c.fail("RuntimeError: expand(torch.FloatTensor{" + s.toString() + "}, size=" + sizesText(sizes) + "): the number of sizes provided ("
                   + std::to_string(n) + ") must be greater or equal to the number of dimensions in the tensor (" + std::to_string(rank) + ")",
               ErrorKind::Shape);
    std::vector<int64_t> out(sizes);
    for (int k = 0; k < n; ++k) {
        const int d = k - (n - rank);
        const int64_t want = sizes[static_cast<size_t>(k)];
        if (d < 0) {
            if (want < 0)
                c.fail("RuntimeError: The expanded size of the tensor (" + std::to_string(want)
                           + ") isn't allowed in a leading, non-existing dimension " + std::to_string(k),
                       ErrorKind::Shape);
            continue;
        }
        if (want == -1 || want == s[d]) {
            out[static_cast<size_t>(k)] = s[d];
            continue;
        }
        if (s[d] != 1)
            c.fail("RuntimeError: The expanded size of the tensor (" + std::to_string(want) + ") must match the existing size ("
                       + std::to_string(s[d]) + ") at non-singleton dimension " + std::to_string(k) + ".  Target sizes: " + sizesText(sizes)
                       + ".  Tensor sizes: " + s.toString(),
                   ErrorKind::Shape);
        if (want < 0)
            c.notYet(c.what() + " with the size " + std::to_string(want));
    }
    return out;
}

} // namespace

// x.expand(*sizes), x.expand_as(y): PyTorch's broadcast view, materialised (an expanded dim
// steps 0 input elements); backward sums the gradient over the expanded dims.
Value expand(OpCall& c)
{
    c.record();
    std::vector<int64_t> sizes;
    if (c.name == "expand_as") {
        if (c.args.size() != 1 || !c.args[0].isTensor())
            c.fail("TypeError: expand_as(): argument 'other' (position 1) must be Tensor");
        sizes = c.args[0].shape.dims();
    } else {
        if (c.args.empty())
            c.fail("TypeError: expand() missing 1 required positional arguments: \"size\"");
        sizes = c.intList(c.args);
    }
    const std::vector<int64_t> dims = expandedDims(c, sizes);
    const std::optional<int64_t> total = Shape(dims).numel();
    constexpr int64_t kMaxElements = int64_t(1) << 28;
    if (!total || *total > kMaxElements)
        c.notYet(c.what() + ": a tensor of " + Shape(dims).toString() + " is too large to process");
    const Shape& s = c.x.shape;
    const std::vector<int64_t> inStrides = contiguousStrides(s);
    std::vector<int64_t> strides(dims.size(), 0);
    const size_t lead = dims.size() - static_cast<size_t>(s.rank());
    for (int d = 0; d < s.rank(); ++d)
        if (s[d] == dims[lead + static_cast<size_t>(d)])
            strides[lead + static_cast<size_t>(d)] = inStrides[static_cast<size_t>(d)];
    return c.copied(dims, strides, 0);
}

} // namespace ml::detail::ophandlers
