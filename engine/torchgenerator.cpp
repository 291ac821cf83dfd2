// PyTorch 1.13's CPU random numbers for float32 tensors: uniform_ and normal_ as
// aten/src/ATen/native/cpu/DistributionTemplates.h computes them. This file is compiled with
// -ffp-contract=off (engine/CMakeLists.txt): every rounding is written out, and std::fma stands
// exactly where PyTorch's AVX2 build fuses a multiplication and an addition.
#include "engine/layer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace ml {

namespace {

constexpr double kPi = 3.14159265358979323846;

float bitsToFloat(uint32_t u) { return std::bit_cast<float>(u); }
uint32_t floatToBits(float f) { return std::bit_cast<uint32_t>(f); }

// log256_ps of avx_mathfun.h (Cephes' logf) for one lane, with the fused multiply-adds GCC
// makes of it when PyTorch's AVX2 kernels are built (-mfma).
float cephesLog(float x)
{
    const bool invalid = !(x > 0.0f);
    x = std::max(x, bitsToFloat(0x00800000u)); // cut off denormals
    int32_t imm0 = static_cast<int32_t>(floatToBits(x) >> 23);
    x = bitsToFloat((floatToBits(x) & ~0x7f800000u) | floatToBits(0.5f));
    imm0 -= 0x7f;
    float e = static_cast<float>(imm0);
    e = e + 1.0f;
    const bool less = x < 0.707106781186547524f;
    const float tmp = less ? x : 0.0f;
    x = x - 1.0f;
    e = e - (less ? 1.0f : 0.0f);
    x = x + tmp;
    const float z = x * x;
    float y = 7.0376836292E-2f;
    y = std::fma(y, x, -1.1514610310E-1f);
    y = std::fma(y, x, 1.1676998740E-1f);
    y = std::fma(y, x, -1.2420140846E-1f);
    y = std::fma(y, x, +1.4249322787E-1f);
    y = std::fma(y, x, -1.6668057665E-1f);
    y = std::fma(y, x, +2.0000714765E-1f);
    y = std::fma(y, x, -2.4999993993E-1f);
    y = std::fma(y, x, +3.3333331174E-1f);
    y = y * x;
    y = std::fma(y, z, e * -2.12194440e-4f);
    y = std::fma(-z, 0.5f, y);
    x = std::fma(e, 0.693359375f, x + y);
    return invalid ? std::numeric_limits<float>::quiet_NaN() : x;
}

// sincos256_ps of avx_mathfun.h (Cephes' sinf and cosf) for one lane, fused as log above.
void cephesSinCos(float x, float& s, float& c)
{
    uint32_t signSin = floatToBits(x) & 0x80000000u;
    x = std::fabs(x);
    float y = x * 1.27323954473516f; // 4 / pi
    int32_t imm2 = static_cast<int32_t>(y);
    imm2 = (imm2 + 1) & ~1;
    y = static_cast<float>(imm2);
    int32_t imm4 = imm2;
    const uint32_t swapSignSin = static_cast<uint32_t>(imm2 & 4) << 29;
    const bool polyMask = (imm2 & 2) == 0;
    x = std::fma(y, -0.78515625f, x);
    x = std::fma(y, -2.4187564849853515625e-4f, x);
    x = std::fma(y, -3.77489497744594108e-8f, x);
    imm4 -= 2;
    const uint32_t signCos = static_cast<uint32_t>(~imm4 & 4) << 29;
    signSin ^= swapSignSin;
    const float z = x * x;
    float yc = 2.443315711809948E-005f;
    yc = std::fma(yc, z, -1.388731625493765E-003f);
    yc = std::fma(yc, z, 4.166664568298827E-002f);
    yc = yc * z;
    yc = std::fma(yc, z, -(z * 0.5f));
    yc = yc + 1.0f;
    float ys = -1.9515295891E-4f;
    ys = std::fma(ys, z, 8.3321608736E-3f);
    ys = std::fma(ys, z, -1.6666654611E-1f);
    ys = ys * z;
    ys = std::fma(ys, x, x);
    const float sinPart = polyMask ? ys : yc;
    const float cosPart = polyMask ? yc : ys;
    s = bitsToFloat(floatToBits(sinPart) ^ signSin);
    c = bitsToFloat(floatToBits(cosPart) ^ signCos);
}

// normal_fill_16_AVX2: eight Box-Muller pairs from 16 uniform values in place.
void normalFill16(float* data, float mean, float std)
{
    const float twoPi = static_cast<float>(2.0f * kPi);
    for (int j = 0; j < 8; ++j) {
        const float u1 = 1.0f - data[j];
        const float u2 = data[j + 8];
        const float radius = std::sqrt(-2.0f * cephesLog(u1));
        const float theta = twoPi * u2;
        float sinTheta = 0.0f;
        float cosTheta = 0.0f;
        cephesSinCos(theta, sinTheta, cosTheta);
        data[j] = std::fma(radius * cosTheta, std, mean);
        data[j + 8] = std::fma(radius * sinTheta, std, mean);
    }
}

} // namespace

uint64_t TorchGenerator::random64()
{
    const uint64_t hi = random();
    const uint64_t lo = random();
    return (hi << 32) | lo;
}

float TorchGenerator::uniform(double from, double to)
{
    // ATen's uniform_real_distribution<float>: 24 random bits scaled in double precision.
    const float f = static_cast<float>(from);
    const float t = static_cast<float>(to);
    const uint32_t v = random();
    const double x = static_cast<double>(v & ((1u << 24) - 1)) * std::ldexp(1.0, -24);
    return static_cast<float>(x * static_cast<double>(t - f) + static_cast<double>(f));
}

double TorchGenerator::normalDouble(double mean, double std)
{
    if (m_nextNormal) {
        const double r = *m_nextNormal;
        m_nextNormal.reset();
        return std::fma(r, std, mean);
    }
    auto uniform01 = [&] { return static_cast<double>(random64() & ((uint64_t{1} << 53) - 1)) * std::ldexp(1.0, -53); };
    const double u1 = uniform01();
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
    const double theta = 2.0 * kPi * u1;
    m_nextNormal = r * std::sin(theta);
    return std::fma(r * std::cos(theta), std, mean);
}

void TorchGenerator::normal(float* data, int64_t n, double mean, double std)
{
    if (n < 16) {
        for (int64_t i = 0; i < n; ++i)
            data[i] = static_cast<float>(normalDouble(mean, std));
        return;
    }
    const float m = static_cast<float>(mean);
    const float s = static_cast<float>(std);
    for (int64_t i = 0; i < n; ++i)
        data[i] = uniform(0.0, 1.0);
    for (int64_t i = 0; i + 16 <= n; i += 16)
        normalFill16(data + i, m, s);
    if (n % 16 != 0) { // the last 16 values again, from new uniform values
        float* last = data + n - 16;
        for (int i = 0; i < 16; ++i)
            last[i] = uniform(0.0, 1.0);
        normalFill16(last, m, s);
    }
}

} // namespace ml
