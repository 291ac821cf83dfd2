#include "engine/layers/gemm.h"

#include <Eigen/Core>

#include <algorithm>
#include <omp.h>

namespace ml::layers {

namespace {
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using Stride = Eigen::OuterStride<>;

// Eigen's products run on the calling thread: the kernels split the work over OpenMP threads
// themselves (see parallel.cpp).
void singleThreadedEigen()
{
    static const bool once = [] {
        Eigen::setNbThreads(1);
        return true;
    }();
    (void)once;
}
} // namespace

void gemm(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m, int64_t n, int64_t k)
{
    singleThreadedEigen();
    Eigen::Map<const RowMatrix, 0, Stride> am(a, m, k, Stride(lda));
    Eigen::Map<const RowMatrix, 0, Stride> bm(b, k, n, Stride(ldb));
    Eigen::Map<RowMatrix, 0, Stride> cm(c, m, n, Stride(ldc));
    cm.noalias() = am * bm;
}

void gemmTransB(const float* a, const float* w, float* c, int64_t m, int64_t n, int64_t k, bool parallel)
{
    singleThreadedEigen();
    Eigen::Map<const RowMatrix> am(a, m, k);
    const int threads = parallel && !omp_in_parallel() ? omp_get_max_threads() : 1;
    int64_t blocks = (m * n * k < (int64_t{1} << 20) || n < 32) ? 1 : threads;
    int64_t bs = (n + blocks - 1) / blocks;
    bs = (bs + 15) / 16 * 16;
    blocks = (n + bs - 1) / bs;
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(blocks)) if (blocks > 1)
    for (int64_t i = 0; i < blocks; ++i) {
        const int64_t j0 = i * bs, len = std::min(bs, n - j0);
        // W's rows j0.. are the columns of W^T in column-major order: multiplying into a
        // column-major block lets Eigen pack the large operand with plain copies instead of
        // transposing it (a third of a batch-64 pass of the seed networks otherwise).
        Eigen::Map<const ColMatrix> wt(w + j0 * k, k, len);
        Eigen::Map<RowMatrix, 0, Stride> cm(c + j0, m, len, Stride(n));
        ColMatrix block(m, len);
        block.noalias() = am * wt;
        cm = block;
    }
}

} // namespace ml::layers
