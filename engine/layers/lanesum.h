#pragma once

// Sums over contiguous floats kept in independent lanes: one accumulator would chain every
// addition after the previous one and stay scalar, lanes let the compiler use vector adds.
// The lanes are added up in a fixed order, so results do not depend on the thread count.

#include <cstdint>

namespace ml::layers {

// Sum of x[0, n) accumulated in double (statistics of normalisation layers).
inline double laneSumDouble(const float* x, int64_t n)
{
    constexpr int kLanes = 8;
    double acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l)
            acc[l] += static_cast<double>(x[i + l]);
    double tail = 0.0;
    for (; i < n; ++i)
        tail += static_cast<double>(x[i]);
    double s = 0.0;
    for (double a : acc)
        s += a;
    return s + tail;
}

// Sum of (x - mean)^2 over x[0, n), in double.
inline double laneSquaredDeviation(const float* x, int64_t n, double mean)
{
    constexpr int kLanes = 8;
    double acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            const double d = static_cast<double>(x[i + l]) - mean;
            acc[l] += d * d;
        }
    double tail = 0.0;
    for (; i < n; ++i) {
        const double d = static_cast<double>(x[i]) - mean;
        tail += d * d;
    }
    double s = 0.0;
    for (double a : acc)
        s += a;
    return s + tail;
}

// Sum of x[0, n) in float (pooling windows, as PyTorch sums them in float).
inline float laneSumFloat(const float* x, int64_t n)
{
    constexpr int kLanes = 16;
    if (n < kLanes) {
        float s = 0.0f;
        for (int64_t i = 0; i < n; ++i)
            s += x[i];
        return s;
    }
    float acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l)
            acc[l] += x[i + l];
    float tail = 0.0f;
    for (; i < n; ++i)
        tail += x[i];
    float s = 0.0f;
    for (float a : acc)
        s += a;
    return s + tail;
}

} // namespace ml::layers
