#pragma once

namespace ml {

// Threads used by the layer kernels: OpenMP loops over batch and channels, and Eigen's GEMM.
// n <= 0 restores the default (OpenMP's choice, normally one per core).
void setThreadCount(int n);
int threadCount();

} // namespace ml
