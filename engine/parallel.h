#pragma once

namespace ml {

// Threads used by the layer kernels: OpenMP loops over batch and channels, and the matrix
// products, which the kernels split into one Eigen GEMM per thread (Eigen's own thread count
// stays 1 so it never nests a second team). n <= 0 restores the default (OpenMP's choice,
// normally one per core).
void setThreadCount(int n);
int threadCount();

} // namespace ml
