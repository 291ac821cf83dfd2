#include "engine/train/gradgemm.h"

#include <Eigen/Core>

namespace ml::train {

namespace {
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using ConstMap = Eigen::Map<const RowMatrix, 0, Stride>;
using Map = Eigen::Map<RowMatrix, 0, Stride>;
} // namespace

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float* c, int64_t ldc, float beta)
{
    Map cm(c, m, n, Stride(ldc));
    if (beta == 0.0f)
        cm.setZero();
    else if (beta != 1.0f)
        cm *= beta;
    const ConstMap am(a, transA ? k : m, transA ? m : k, Stride(lda));
    const ConstMap bm(b, transB ? n : k, transB ? k : n, Stride(ldb));
    if (transA && transB)
        cm.noalias() += am.transpose() * bm.transpose();
    else if (transA)
        cm.noalias() += am.transpose() * bm;
    else if (transB)
        cm.noalias() += am * bm.transpose();
    else
        cm.noalias() += am * bm;
}

} // namespace ml::train
