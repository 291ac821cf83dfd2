#include "engine/parallel.h"

#include <Eigen/Core>
#include <omp.h>

namespace ml {

namespace {
int defaultThreads()
{
    static const int n = omp_get_max_threads();
    return n;
}
} // namespace

void setThreadCount(int n)
{
    const int threads = n > 0 ? n : defaultThreads();
    omp_set_num_threads(threads);
    Eigen::setNbThreads(threads);
}

int threadCount() { return omp_get_max_threads(); }

} // namespace ml
