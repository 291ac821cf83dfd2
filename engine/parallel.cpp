#include "engine/parallel.h"

#include <Eigen/Core>
#include <omp.h>

namespace ml {

namespace {
// OpenMP's own choice, read at start-up before anyone changes it.
const int kDefaultThreads = omp_get_max_threads();
} // namespace

void setThreadCount(int n)
{
    const int threads = n > 0 ? n : kDefaultThreads;
    omp_set_num_threads(threads);
    // The layer kernels split their matrix products over the OpenMP threads themselves
    // (layers/gemm.cpp, layers/conv.cpp): Eigen's own splitter would open a nested team per
    // product, which costs more than it gains on the small products of a convolution.
    Eigen::setNbThreads(1);
}

int threadCount() { return omp_get_max_threads(); }

ThreadCountScope::ThreadCountScope(int threads)
    : m_saved(omp_get_max_threads())
{
    if (threads != m_saved)
        omp_set_num_threads(threads);
}

ThreadCountScope::~ThreadCountScope()
{
    if (omp_get_max_threads() != m_saved)
        omp_set_num_threads(m_saved);
}

} // namespace ml
