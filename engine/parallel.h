#pragma once

namespace ml {

// Threads used by the layer kernels: OpenMP loops over batch and channels, and the matrix
// products, which the kernels split into one Eigen GEMM per thread (Eigen's own thread count
// stays 1 so it never nests a second team). n <= 0 restores the default (OpenMP's choice,
// normally one per core).
void setThreadCount(int n);
int threadCount();

// Work below this many elements (or multiply-adds) runs on the calling thread alone: waking a
// second thread costs microseconds and, when another program keeps that core busy, waits for
// it for milliseconds. PyTorch's at::parallel_for uses the same grain size.
constexpr long long kParallelGrain = 32768;

// The calling thread's OpenMP team size (what threadCount() returns and what oneDNN reads when
// it compiles and runs a primitive) set to `threads` while the scope lives.
class ThreadCountScope {
public:
    explicit ThreadCountScope(int threads);
    ~ThreadCountScope();
    ThreadCountScope(const ThreadCountScope&) = delete;
    ThreadCountScope& operator=(const ThreadCountScope&) = delete;

private:
    int m_saved;
};

} // namespace ml
