#include "engine/analysis/matmul.h"

#include <Eigen/Core>

#include <algorithm>

namespace ml::detail {

namespace {

std::string x(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

std::string shapesCannotBeMultiplied(int64_t n, int64_t m1, int64_t m2, int64_t p)
{
    return "mat1 and mat2 shapes cannot be multiplied (" + x(n, m1) + " and " + x(m2, p) + ")";
}

std::string batch2Expected(int64_t b1, int64_t m1, int64_t b2, int64_t m2)
{
    return "Expected size for first two dimensions of batch2 tensor to be: [" + std::to_string(b1) + ", " + std::to_string(m1)
        + "] but got: [" + std::to_string(b2) + ", " + std::to_string(m2) + "].";
}

std::vector<int64_t> slice(const Shape& s, int from, int to)
{
    return {s.dims().begin() + from, s.dims().begin() + to};
}

int64_t product(const std::vector<int64_t>& v) { return Shape(v).product(0, static_cast<int>(v.size())); }

// Offsets of each element of the broadcast batch `out` in a batch `mine` of matrices of `size`.
std::vector<int64_t> batchOffsets(const std::vector<int64_t>& out, const std::vector<int64_t>& mine, int64_t size)
{
    std::vector<int64_t> offsets = broadcastIndex(Shape(out), Shape(mine));
    for (int64_t& o : offsets)
        o *= size;
    return offsets;
}

MatmulPlan plan(const std::vector<int64_t>& batchA, const std::vector<int64_t>& batchB, const std::vector<int64_t>& batch, int64_t n,
                int64_t m, int64_t p, bool rowsInOut, bool colsInOut)
{
    MatmulPlan pl;
    pl.n = n;
    pl.m = m;
    pl.p = p;
    std::vector<int64_t> out = batch;
    if (rowsInOut)
        out.push_back(n);
    if (colsInOut)
        out.push_back(p);
    pl.out = Shape(out);
    pl.offsetA = batchOffsets(batch, batchA, n * m);
    pl.offsetB = batchOffsets(batch, batchB, m * p);
    return pl;
}

} // namespace

std::optional<MatmulPlan> planMatmul(const Shape& a, const Shape& b, std::string& error)
{
    const int da = a.rank(), db = b.rank();
    if (da == 0 || db == 0) {
        error = "both arguments to matmul need to be at least 1D, but they are " + std::to_string(da) + "D and " + std::to_string(db) + "D";
        return std::nullopt;
    }
    const int64_t n = da > 1 ? a.at(-2) : 1, m1 = a.at(-1);
    const int64_t m2 = db > 1 ? b.at(-2) : b.at(-1), p = db > 1 ? b.at(-1) : 1;
    const std::vector<int64_t> batchA = slice(a, 0, std::max(da - 2, 0)), batchB = slice(b, 0, std::max(db - 2, 0));
    if (m1 != m2) {
        // The message of the kernel PyTorch 1.13's matmul calls for these ranks.
        if (da == 1 && db == 1)
            error = "inconsistent tensor size, expected tensor [" + std::to_string(m1) + "] and src [" + std::to_string(m2)
                + "] to have the same number of elements, but got " + std::to_string(m1) + " and " + std::to_string(m2) + " elements respectively";
        else if (db == 1 && da >= 2) // mv, a folded to rows
            error = "size mismatch, got " + std::to_string(product(slice(a, 0, da - 1))) + ", "
                + x(product(slice(a, 0, da - 1)), m1) + "," + std::to_string(m2);
        else if (da == 1 && db >= 3) // mv of b transposed and folded
            error = "size mismatch, got " + std::to_string(product(batchB) * p) + ", " + x(product(batchB) * p, m2) + "," + std::to_string(m1);
        else if (db == 2 && da <= 2)
            error = shapesCannotBeMultiplied(n, m1, m2, p);
        else if (db == 2) // a folded to rows
            error = shapesCannotBeMultiplied(product(slice(a, 0, da - 1)), m1, m2, p);
        else if (da == 2) // b transposed and folded, times a transposed
            error = shapesCannotBeMultiplied(product(batchB) * p, m2, m1, n);
        if (!error.empty())
            return std::nullopt;
    }
    // Both have batch dims: they broadcast, then bmm multiplies.
    const std::optional<Shape> broadcast = broadcastShapes(Shape(batchA), Shape(batchB), error);
    if (!broadcast)
        return std::nullopt;
    const std::vector<int64_t>& batch = broadcast->dims();
    if (m1 != m2) {
        const int64_t count = product(batch);
        error = batch2Expected(count, m1, count, m2);
        return std::nullopt;
    }
    return plan(batchA, batchB, batch, n, m1, p, da > 1, db > 1);
}

std::optional<MatmulPlan> planMm(const Shape& a, const Shape& b, std::string& error)
{
    if (a.rank() != 2)
        error = "self must be a matrix";
    else if (b.rank() != 2)
        error = "mat2 must be a matrix";
    else if (a[1] != b[0])
        error = shapesCannotBeMultiplied(a[0], a[1], b[0], b[1]);
    if (!error.empty())
        return std::nullopt;
    return plan({}, {}, {}, a[0], a[1], b[1], true, true);
}

std::optional<MatmulPlan> planBmm(const Shape& a, const Shape& b, std::string& error)
{
    if (a.rank() != 3)
        error = "batch1 must be a 3D tensor";
    else if (b.rank() != 3)
        error = "batch2 must be a 3D tensor";
    else if (a[0] != b[0] || a[2] != b[1])
        error = batch2Expected(a[0], a[2], b[0], b[1]);
    if (!error.empty())
        return std::nullopt;
    return plan({a[0]}, {b[0]}, {a[0]}, a[1], a[2], b[2], true, true);
}

void matrixProduct(const float* a, bool transA, const float* b, bool transB, float* c, int64_t n, int64_t m, int64_t p)
{
    using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Map = Eigen::Map<const Matrix>;
    Eigen::Map<Matrix> C(c, n, p);
    if (!transA && !transB)
        C.noalias() += Map(a, n, m) * Map(b, m, p);
    else if (transA && !transB)
        C.noalias() += Map(a, m, n).transpose() * Map(b, m, p);
    else if (!transA && transB)
        C.noalias() += Map(a, n, m) * Map(b, p, m).transpose();
    else
        C.noalias() += Map(a, m, n).transpose() * Map(b, p, m).transpose();
}

OpResult matmulOp(const MatmulPlan& plan, const Value& a, const Value& b)
{
    Value v = Value::ofTensor(plan.out, nullptr);
    if (a.data && b.data) {
        auto t = std::make_shared<Tensor>(Tensor::zeros(plan.out));
        for (size_t e = 0; e < plan.offsetA.size(); ++e)
            matrixProduct(a.data->data() + plan.offsetA[e], false, b.data->data() + plan.offsetB[e], false,
                          t->data() + static_cast<int64_t>(e) * plan.n * plan.p, plan.n, plan.m, plan.p);
        v.data = std::move(t);
    }
    return {std::move(v), {}};
}

} // namespace ml::detail
