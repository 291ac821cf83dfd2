#include "engine/train/layerbackward.h"

#include "engine/layers/activation.h"
#include "engine/layers/adaptivewindow.h"
#include "engine/layers/conv.h"
#include "engine/layers/dropout.h"
#include "engine/layers/linear.h"
#include "engine/layers/norm.h"
#include "engine/layers/pooling.h"
#include "engine/layers/reshape.h"
#include "engine/train/extralayerbackward.h"
#include "engine/train/gradgemm.h"
#include "engine/layers/conv1d.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <omp.h>
#include <utility>

namespace ml {

namespace {

// The gradient of one of a layer's parameters, created at zero on first use.
Tensor& paramGrad(const Layer& layer, size_t index, ParamGrads& grads)
{
    const Tensor* p = &layer.tensors()[index];
    auto it = grads.find(p);
    if (it == grads.end())
        it = grads.emplace(p, Tensor::zeros(p->shape())).first;
    return it->second;
}

// ---- Linear ---------------------------------------------------------------------------------

void linearBackward(const Linear& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const int64_t k = l.options().inFeatures, n = l.options().outFeatures;
    const int64_t m = k ? in.numel() / k : 0;
    const float* w = l.tensors()[0].data();
    if (gIn)
        train::gemm(false, false, m, k, n, gOut.data(), n, w, k, gIn->data(), k, 0.0f); // gX = gY W
    train::gemm(true, false, n, k, m, gOut.data(), n, in.data(), k, paramGrad(l, 0, grads).data(), k, 1.0f); // gW += gY^T X
    if (l.options().bias) {
        float* gb = paramGrad(l, 1, grads).data();
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
                gb[j] += gOut[i * n + j];
    }
}

// ---- Conv2d ---------------------------------------------------------------------------------

struct ConvGeometry {
    int64_t c, h, w, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow;
};

// The output columns ox whose input column ox * sw + off (off = kj * dw - padLeft) lies in [0, w).
struct Span {
    int64_t off, lo, hi;
};
Span spanOf(const ConvGeometry& g, int64_t kj)
{
    const int64_t off = kj * g.dw - g.padLeft;
    int64_t lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
    int64_t hi = g.w - off <= 0 ? 0 : (g.w - off - 1) / g.sw + 1;
    lo = std::min(lo, g.ow);
    hi = std::clamp(hi, lo, g.ow);
    return {off, lo, hi};
}

void im2col(const float* img, int64_t c0, int64_t cn, const ConvGeometry& g, float* col)
{
    const int64_t ohw = g.oh * g.ow;
    for (int64_t c = 0; c < cn; ++c)
        for (int64_t ki = 0; ki < g.kh; ++ki)
            for (int64_t kj = 0; kj < g.kw; ++kj) {
                float* row = col + ((c * g.kh + ki) * g.kw + kj) * ohw;
                const float* plane = img + (c0 + c) * g.h * g.w;
                const Span sp = spanOf(g, kj);
                for (int64_t oy = 0; oy < g.oh; ++oy) {
                    const int64_t iy = oy * g.sh - g.padTop + ki * g.dh;
                    float* dst = row + oy * g.ow;
                    if (iy < 0 || iy >= g.h) {
                        std::fill_n(dst, g.ow, 0.0f);
                        continue;
                    }
                    const float* src = plane + iy * g.w + sp.off;
                    std::fill_n(dst, sp.lo, 0.0f);
                    for (int64_t ox = sp.lo; ox < sp.hi; ++ox)
                        dst[ox] = src[ox * g.sw];
                    std::fill(dst + sp.hi, dst + g.ow, 0.0f);
                }
            }
}

void col2imAdd(const float* col, int64_t c0, int64_t cn, const ConvGeometry& g, float* img)
{
    const int64_t ohw = g.oh * g.ow;
    for (int64_t c = 0; c < cn; ++c)
        for (int64_t ki = 0; ki < g.kh; ++ki)
            for (int64_t kj = 0; kj < g.kw; ++kj) {
                const float* row = col + ((c * g.kh + ki) * g.kw + kj) * ohw;
                float* plane = img + (c0 + c) * g.h * g.w;
                const Span sp = spanOf(g, kj);
                for (int64_t oy = 0; oy < g.oh; ++oy) {
                    const int64_t iy = oy * g.sh - g.padTop + ki * g.dh;
                    if (iy < 0 || iy >= g.h)
                        continue;
                    const float* src = row + oy * g.ow;
                    float* dst = plane + iy * g.w + sp.off;
                    for (int64_t ox = sp.lo; ox < sp.hi; ++ox)
                        dst[ox * g.sw] += src[ox];
                }
            }
}

void convBackward(const Conv2d& l, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const Conv2dOptions& o = l.options();
    const bool batched = in.shape().rank() == 4;
    const int64_t n = batched ? in.shape()[0] : 1, off = batched ? 1 : 0;
    const Conv2d::Pads p = l.pads();
    ConvGeometry g{o.inChannels, in.shape()[off + 1], in.shape()[off + 2], o.kernelSize.h, o.kernelSize.w, o.stride.h,
                   o.stride.w, o.dilation.h, o.dilation.w, p.top, p.left, out.shape().at(-2), out.shape().at(-1)};
    const int64_t groups = o.groups, cinG = o.inChannels / groups, coutG = o.outChannels / groups;
    const int64_t k = cinG * g.kh * g.kw, ohw = g.oh * g.ow;
    const int64_t inImage = o.inChannels * g.h * g.w, outImage = o.outChannels * ohw;
    const float* w = l.tensors()[0].data();
    Tensor& gW = paramGrad(l, 0, grads);
    if (gIn)
        std::fill_n(gIn->data(), gIn->numel(), 0.0f);
    const int threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(n)));
    std::vector<std::vector<float>> partial(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        const int t = omp_get_thread_num();
        std::vector<float>& myW = partial[static_cast<size_t>(t)];
        myW.assign(static_cast<size_t>(gW.numel()), 0.0f);
        std::vector<float> col(static_cast<size_t>(k * ohw)), gcol(static_cast<size_t>(k * ohw));
#pragma omp for schedule(static)
        for (int64_t b = 0; b < n; ++b) {
            const float* img = in.data() + b * inImage;
            const float* gy = gOut.data() + b * outImage;
            for (int64_t gi = 0; gi < groups; ++gi) {
                const float* gyG = gy + gi * coutG * ohw;
                im2col(img, gi * cinG, cinG, g, col.data());
                // gW_g += gY_g col^T: [coutG x ohw] [ohw x k]
                train::gemm(false, true, coutG, k, ohw, gyG, ohw, col.data(), ohw, myW.data() + gi * coutG * k, k, 1.0f);
                if (gIn) {
                    // gcol = W_g^T gY_g: [k x coutG] [coutG x ohw]
                    train::gemm(true, false, k, ohw, coutG, w + gi * coutG * k, k, gyG, ohw, gcol.data(), ohw, 0.0f);
                    col2imAdd(gcol.data(), gi * cinG, cinG, g, gIn->data() + b * inImage);
                }
            }
        }
    }
    for (const std::vector<float>& pw : partial)
        for (size_t i = 0; i < pw.size(); ++i)
            gW[static_cast<int64_t>(i)] += pw[i];
    if (o.bias) {
        float* gb = paramGrad(l, 1, grads).data();
        for (int64_t b = 0; b < n; ++b)
            for (int64_t c = 0; c < o.outChannels; ++c) {
                const float* row = gOut.data() + b * outImage + c * ohw;
                double s = 0.0;
                for (int64_t j = 0; j < ohw; ++j)
                    s += row[j];
                gb[c] += static_cast<float>(s);
            }
    }
}

// ---- BatchNorm, LayerNorm ------------------------------------------------------------------

void batchNormBackward(const BatchNormBase& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads,
                       const LayerSaved& saved)
{
    const BatchNormOptions& o = l.options();
    const Shape& s = in.shape();
    const int64_t n = s[0], c = s[1], inner = s.product(2, s.rank());
    const int64_t count = n * inner;
    const float* w = o.affine ? l.tensors()[0].data() : nullptr;
    float* gW = o.affine ? paramGrad(l, 0, grads).data() : nullptr;
    float* gB = o.affine ? paramGrad(l, 1, grads).data() : nullptr;
    const size_t runIndex = o.affine ? 2 : 0;
#pragma omp parallel for schedule(static) if (count * c > 32768)
    for (int64_t ch = 0; ch < c; ++ch) {
        double mean, invStd;
        if (saved.batchStats) {
            mean = saved.mean[static_cast<size_t>(ch)];
            invStd = saved.invStd[static_cast<size_t>(ch)];
        } else {
            mean = l.tensors()[runIndex][ch];
            invStd = 1.0 / std::sqrt(static_cast<double>(l.tensors()[runIndex + 1][ch]) + o.eps);
        }
        // Double sums, as PyTorch's CPU kernel accumulates (float sums along a large plane lose
        // the digits a channel with a large mean against its spread needs).
        double sumG = 0.0, sumGX = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            const float* x = in.data() + (i * c + ch) * inner;
            const float* g = gOut.data() + (i * c + ch) * inner;
#pragma omp simd reduction(+ : sumG, sumGX)
            for (int64_t j = 0; j < inner; ++j) {
                sumG += g[j];
                sumGX += static_cast<double>(g[j]) * (x[j] - mean);
            }
        }
        const double weight = w ? w[ch] : 1.0;
        if (gW) {
            gW[ch] += static_cast<float>(sumGX * invStd);
            gB[ch] += static_cast<float>(sumG);
        }
        if (!gIn)
            continue;
        if (saved.batchStats) {
            // ATen's batch_norm_backward: dx = (dy - mean(dy) - xhat * mean(dy * xhat)) * invstd * w
            const float meanG = static_cast<float>(sumG / static_cast<double>(count));
            const float proj = static_cast<float>(sumGX * invStd * invStd / static_cast<double>(count));
            const float scale = static_cast<float>(invStd * weight), fm = static_cast<float>(mean);
            for (int64_t i = 0; i < n; ++i) {
                const float* x = in.data() + (i * c + ch) * inner;
                const float* g = gOut.data() + (i * c + ch) * inner;
                float* gx = gIn->data() + (i * c + ch) * inner;
#pragma omp simd
                for (int64_t j = 0; j < inner; ++j)
                    gx[j] = (g[j] - meanG - (x[j] - fm) * proj) * scale;
            }
        } else {
            const float f = static_cast<float>(invStd * weight);
            for (int64_t i = 0; i < n; ++i) {
                const float* g = gOut.data() + (i * c + ch) * inner;
                float* gx = gIn->data() + (i * c + ch) * inner;
                for (int64_t j = 0; j < inner; ++j)
                    gx[j] = g[j] * f;
            }
        }
    }
}

void layerNormBackward(const LayerNorm& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const LayerNormOptions& o = l.options();
    const int64_t inner = Shape(o.normalizedShape).numel().value_or(1);
    const int64_t rows = inner ? in.numel() / inner : 0;
    const float* w = o.elementwiseAffine ? l.tensors()[0].data() : nullptr;
    float* gW = o.elementwiseAffine ? paramGrad(l, 0, grads).data() : nullptr;
    float* gB = o.elementwiseAffine && o.bias ? paramGrad(l, 1, grads).data() : nullptr;
    std::vector<double> xhat(static_cast<size_t>(inner)), gh(static_cast<size_t>(inner));
    for (int64_t r = 0; r < rows; ++r) {
        const float* x = in.data() + r * inner;
        const float* g = gOut.data() + r * inner;
        double mean = 0.0, var = 0.0;
        for (int64_t j = 0; j < inner; ++j)
            mean += x[j];
        mean /= static_cast<double>(inner);
        for (int64_t j = 0; j < inner; ++j)
            var += (x[j] - mean) * (x[j] - mean);
        const double invStd = 1.0 / std::sqrt(var / static_cast<double>(inner) + o.eps);
        double sumGh = 0.0, sumGhX = 0.0;
        for (int64_t j = 0; j < inner; ++j) {
            const size_t js = static_cast<size_t>(j);
            xhat[js] = (x[j] - mean) * invStd;
            gh[js] = g[j] * (w ? w[j] : 1.0f);
            sumGh += gh[js];
            sumGhX += gh[js] * xhat[js];
            if (gW)
                gW[j] += static_cast<float>(g[j] * xhat[js]);
            if (gB)
                gB[j] += g[j];
        }
        if (gIn) {
            float* gx = gIn->data() + r * inner;
            const double d = static_cast<double>(inner);
            for (int64_t j = 0; j < inner; ++j) {
                const size_t js = static_cast<size_t>(j);
                gx[j] = static_cast<float>(invStd / d * (d * gh[js] - sumGh - xhat[js] * sumGhX));
            }
        }
    }
}

// ---- pooling ----------------------------------------------------------------------------------

// MaxPool2d's forward keeping the winning input element of each output, as ATen's
// max_pool2d_with_indices does (the first maximum; NaN wins).
void maxPoolForward(const MaxPool2d& l, const Tensor& in, Tensor& out, std::vector<int32_t>& argmax)
{
    const MaxPool2dOptions& o = l.options();
    const ShapeResult r = l.outputShape(in.shape());
    if (!r.ok())
        return;
    if (out.shape() != r.shape)
        out = Tensor(r.shape);
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = r.shape[rank - 2], ow = r.shape[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    argmax.resize(static_cast<size_t>(out.numel()));
    const bool simple = o.kernelSize == layers::Pair{2, 2} && o.stride == layers::Pair{2, 2} && o.padding == layers::Pair{0, 0}
        && o.dilation == layers::Pair{1, 1} && oh * 2 <= h && ow * 2 <= w;
#pragma omp parallel for schedule(static) if (planes * oh * ow > 16384)
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* x = in.data() + pl * h * w;
        float* y = out.data() + pl * oh * ow;
        int32_t* idx = argmax.data() + pl * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy)
            for (int64_t ox = 0; ox < ow; ++ox) {
                float m = -std::numeric_limits<float>::infinity();
                int64_t best = -1;
                if (simple) {
                    const int64_t base = oy * 2 * w + ox * 2;
                    m = x[base];
                    best = base;
                    const int64_t others[3] = {base + 1, base + w, base + w + 1};
                    for (const int64_t k : others) {
                        const float v = x[k];
                        const bool take = (v > m) | (v != v); // NaN wins, as in ATen
                        m = take ? v : m;
                        best = take ? k : best;
                    }
                } else {
                    const int64_t y0 = oy * o.stride.h - o.padding.h, x0 = ox * o.stride.w - o.padding.w;
                    for (int64_t ki = 0; ki < o.kernelSize.h; ++ki) {
                        const int64_t iy = y0 + ki * o.dilation.h;
                        if (iy < 0 || iy >= h)
                            continue;
                        for (int64_t kj = 0; kj < o.kernelSize.w; ++kj) {
                            const int64_t ix = x0 + kj * o.dilation.w;
                            if (ix < 0 || ix >= w)
                                continue;
                            const float v = x[iy * w + ix];
                            if (best < 0 || v > m || std::isnan(v)) {
                                m = v;
                                best = iy * w + ix;
                            }
                        }
                    }
                }
                y[oy * ow + ox] = m;
                idx[oy * ow + ox] = static_cast<int32_t>(best);
            }
    }
}

void maxPoolBackward(const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn, const std::vector<int32_t>& argmax)
{
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t hw = s[rank - 2] * s[rank - 1], ohw = out.shape()[rank - 2] * out.shape()[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* g = gOut.data() + pl * ohw;
        const int32_t* idx = argmax.data() + pl * ohw;
        float* gx = gIn.data() + pl * hw;
        for (int64_t k = 0; k < ohw; ++k)
            if (idx[k] >= 0)
                gx[idx[k]] += g[k];
    }
}

void avgPoolBackward(const AvgPool2d& l, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const AvgPool2dOptions& o = l.options();
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = out.shape()[rank - 2], ow = out.shape()[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* g = gOut.data() + pl * oh * ow;
        float* gx = gIn.data() + pl * h * w;
        for (int64_t oy = 0; oy < oh; ++oy)
            for (int64_t ox = 0; ox < ow; ++ox) {
                int64_t y0 = oy * o.stride.h - o.padding.h, x0 = ox * o.stride.w - o.padding.w;
                int64_t y1 = std::min(y0 + o.kernelSize.h, h + o.padding.h), x1 = std::min(x0 + o.kernelSize.w, w + o.padding.w);
                const int64_t poolSize = (y1 - y0) * (x1 - x0);
                y0 = std::max<int64_t>(y0, 0);
                x0 = std::max<int64_t>(x0, 0);
                y1 = std::min(y1, h);
                x1 = std::min(x1, w);
                if (y0 >= y1 || x0 >= x1)
                    continue;
                const int64_t divisor = o.divisorOverride ? *o.divisorOverride : o.countIncludePad ? poolSize : (y1 - y0) * (x1 - x0);
                const float v = g[oy * ow + ox] / static_cast<float>(divisor);
                for (int64_t iy = y0; iy < y1; ++iy)
                    for (int64_t ix = x0; ix < x1; ++ix)
                        gx[iy * w + ix] += v;
            }
    }
}

void adaptiveAvgPoolBackward(const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = out.shape()[rank - 2], ow = out.shape()[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* g = gOut.data() + pl * oh * ow;
        float* gx = gIn.data() + pl * h * w;
        for (int64_t oy = 0; oy < oh; ++oy) {
            const layers::AdaptiveWindow rows(oy, h, oh);
            for (int64_t ox = 0; ox < ow; ++ox) {
                const layers::AdaptiveWindow cols(ox, w, ow);
                const float v = g[oy * ow + ox] / static_cast<float>(rows.size() * cols.size());
                for (int64_t iy = rows.begin; iy < rows.end; ++iy)
                    for (int64_t ix = cols.begin; ix < cols.end; ++ix)
                        gx[iy * w + ix] += v;
            }
        }
    }
}

// ---- softmax ----------------------------------------------------------------------------------

void softmaxBackward(const SoftmaxBase& l, bool log, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const Shape& s = out.shape();
    const int d = l.resolvedDim(s.rank());
    const int64_t outer = s.product(0, d), len = s.rank() ? s[d] : 1, inner = s.product(d + 1, s.rank());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * len * inner + i;
            double acc = 0.0;
            for (int64_t j = 0; j < len; ++j)
                acc += log ? gOut[base + j * inner] : gOut[base + j * inner] * out[base + j * inner];
            for (int64_t j = 0; j < len; ++j) {
                const int64_t k = base + j * inner;
                gIn[k] = log ? static_cast<float>(gOut[k] - std::exp(out[k]) * acc)
                             : static_cast<float>(out[k] * (gOut[k] - acc));
            }
        }
}

// Element-wise derivative times the incoming gradient.
template <typename F>
void elementwise(const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn, F f)
{
    const int64_t n = in.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
        gIn[i] = f(in[i], out[i], gOut[i]);
}

template <typename L>
const L& as(const Layer& l)
{
    return static_cast<const L&>(l);
}

// An element-wise activation: d(in) from the input, the output and d(out).
template <typename F>
void activation(const BackwardPass& p, F f)
{
    if (p.gIn)
        elementwise(p.in, p.out, p.gOut, *p.gIn, f);
}

// Flatten, Identity, Dropout in eval mode: the gradient passes through.
void passThrough(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        std::copy_n(p.gOut.data(), p.gIn->numel(), p.gIn->data());
}

void dropoutBackward(const Layer& l, const BackwardPass& p)
{
    if (p.saved.factors.empty())
        return passThrough(l, p);
    if (p.gIn)
        for (int64_t i = 0; i < p.gIn->numel(); ++i)
            (*p.gIn)[i] = p.gOut[i] * p.saved.factors[static_cast<size_t>(i)];
}

float gelu(float x, float d)
{
    const float cdf = 0.5f * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2)));
    const float pdf = std::exp(-0.5f * x * x) * static_cast<float>(M_2_SQRTPI * M_SQRT1_2 * 0.5);
    return d * (cdf + x * pdf);
}

float geluTanh(float x, float d)
{
    const float kBeta = static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5), kKappa = 0.044715f;
    const float inner = kBeta * (x + kKappa * x * x * x);
    const float th = std::tanh(inner);
    const float left = 0.5f * x, right = 1.0f + th;
    const float dInner = kBeta * (1.0f + 3.0f * kKappa * x * x);
    return d * (0.5f * right + left * (1.0f - th * th) * dInner);
}

using Backward = void (*)(const Layer& layer, const BackwardPass& p);

// The one table of layers with a backward pass: every layer type training supports, with the
// function that computes its gradients (PyTorch's formulas).
const std::map<std::string, Backward, std::less<>>& backwardTable()
{
    static const std::map<std::string, Backward, std::less<>> table = {
        {"Linear", [](const Layer& l, const BackwardPass& p) { linearBackward(as<Linear>(l), p.in, p.gOut, p.gIn, p.grads); }},
        {"Conv2d", [](const Layer& l, const BackwardPass& p) { convBackward(as<Conv2d>(l), p.in, p.out, p.gOut, p.gIn, p.grads); }},
        {"BatchNorm1d",
         [](const Layer& l, const BackwardPass& p) { batchNormBackward(as<BatchNormBase>(l), p.in, p.gOut, p.gIn, p.grads, p.saved); }},
        {"BatchNorm2d",
         [](const Layer& l, const BackwardPass& p) { batchNormBackward(as<BatchNormBase>(l), p.in, p.gOut, p.gIn, p.grads, p.saved); }},
        {"LayerNorm", [](const Layer& l, const BackwardPass& p) { layerNormBackward(as<LayerNorm>(l), p.in, p.gOut, p.gIn, p.grads); }},
        {"MaxPool2d",
         [](const Layer&, const BackwardPass& p) {
             if (p.gIn)
                 maxPoolBackward(p.in, p.out, p.gOut, *p.gIn, p.saved.argmax);
         }},
        {"AvgPool2d",
         [](const Layer& l, const BackwardPass& p) {
             if (p.gIn)
                 avgPoolBackward(as<AvgPool2d>(l), p.in, p.out, p.gOut, *p.gIn);
         }},
        {"AdaptiveAvgPool2d",
         [](const Layer&, const BackwardPass& p) {
             if (p.gIn)
                 adaptiveAvgPoolBackward(p.in, p.out, p.gOut, *p.gIn);
         }},
        {"Softmax",
         [](const Layer& l, const BackwardPass& p) {
             if (p.gIn)
                 softmaxBackward(as<SoftmaxBase>(l), false, p.out, p.gOut, *p.gIn);
         }},
        {"LogSoftmax",
         [](const Layer& l, const BackwardPass& p) {
             if (p.gIn)
                 softmaxBackward(as<SoftmaxBase>(l), true, p.out, p.gOut, *p.gIn);
         }},
        {"ReLU", [](const Layer&, const BackwardPass& p) { activation(p, [](float, float y, float d) { return y > 0.0f ? d : 0.0f; }); }},
        {"LeakyReLU",
         [](const Layer& l, const BackwardPass& p) {
             const float slope = static_cast<float>(as<LeakyReLU>(l).options().negativeSlope);
             activation(p, [slope](float x, float, float d) { return x > 0.0f ? d : d * slope; });
         }},
        {"Sigmoid", [](const Layer&, const BackwardPass& p) { activation(p, [](float, float y, float d) { return d * (1.0f - y) * y; }); }},
        {"Tanh", [](const Layer&, const BackwardPass& p) { activation(p, [](float, float y, float d) { return d * (1.0f - y * y); }); }},
        {"SiLU",
         [](const Layer&, const BackwardPass& p) {
             activation(p, [](float x, float, float d) {
                 const float s = 1.0f / (1.0f + std::exp(-x));
                 return d * s * (1.0f + x * (1.0f - s));
             });
         }},
        {"GELU",
         [](const Layer& l, const BackwardPass& p) {
             if (as<GELU>(l).options().tanhApproximation)
                 activation(p, [](float x, float, float d) { return geluTanh(x, d); });
             else
                 activation(p, [](float x, float, float d) { return gelu(x, d); });
         }},
        {"Dropout", dropoutBackward},
        {"Dropout1d", dropoutBackward},
        {"Dropout2d", dropoutBackward},
        {"Flatten", passThrough},
        {"Identity", passThrough},
        {"ConvTranspose2d", backward::convTranspose2d},
        {"Conv1d", backward::conv1d},
        {"GroupNorm", backward::groupNorm},
        {"InstanceNorm2d", backward::instanceNorm2d},
        {"PReLU", backward::prelu},
        {"ReflectionPad2d", backward::copyPad2d},
        {"ReplicationPad2d", backward::copyPad2d},
        {"ZeroPad2d", backward::zeroPad2d},
        {"MaxPool1d", backward::maxPool1d},
        {"AvgPool1d", backward::avgPool1d},
        {"AdaptiveMaxPool2d", backward::adaptiveMaxPool2d},
        {"Upsample", backward::upsample},
        {"PixelShuffle", backward::pixelShuffle},
        {"ReLU6", backward::relu6},
        {"ELU", backward::elu},
        {"SELU", backward::selu},
        {"Hardswish", backward::hardswish},
        {"Hardsigmoid", backward::hardsigmoid},
        {"Softplus", backward::softplus},
        {"Mish", backward::mish},
    };
    return table;
}

} // namespace

std::optional<std::string> backwardSupport(const Layer& layer)
{
    const std::string t = layer.typeName();
    if (!backwardTable().count(t))
        return "not supported by ModuleLab yet: gradients of " + t;
    if (t == "Conv2d" && static_cast<const Conv2d&>(layer).options().paddingMode != PaddingMode::Zeros)
        return "not supported by ModuleLab yet: gradients of Conv2d with padding_mode other than 'zeros'";
    if (t == "Conv1d" && static_cast<const Conv1d&>(layer).options().paddingMode != PaddingMode::Zeros)
        return "not supported by ModuleLab yet: gradients of Conv1d with padding_mode other than 'zeros'";
    return std::nullopt;
}

std::optional<std::string> layerForward(Layer& layer, const Tensor& in, Tensor& out, LayerSaved& saved)
{
    const std::string t = layer.typeName();
    if (extraLayerForward(layer, in, out))
        return std::nullopt;
    if ((t == "BatchNorm1d" || t == "BatchNorm2d")) {
        auto& bn = static_cast<BatchNormBase&>(layer);
        const BatchNormOptions& o = bn.options();
        saved.batchStats = layer.training() || !o.trackRunningStats;
        if (!saved.batchStats) {
            bn.forward(in, out);
            return std::nullopt;
        }
        const Shape& s = in.shape();
        const int64_t c = s[1], count = s[0] * s.product(2, s.rank());
        if (count <= 1)
            return "BatchNorm needs more than one value per channel in training mode (PyTorch: Expected more than 1 value "
                   "per channel when training, got input size torch.Size("
                + s.toString() + "))";
        std::vector<double> mean(static_cast<size_t>(c)), var(static_cast<size_t>(c));
        bn.normalize(in, out, true, mean.data(), var.data());
        saved.mean.resize(static_cast<size_t>(c));
        saved.invStd.resize(static_cast<size_t>(c));
        for (size_t k = 0; k < mean.size(); ++k) {
            saved.mean[k] = static_cast<float>(mean[k]);
            saved.invStd[k] = static_cast<float>(1.0 / std::sqrt(var[k] + o.eps));
        }
        if (layer.training() && o.trackRunningStats) {
            // In place: the tree owns its tensors while it trains (ownTrainingTensors), and a
            // BatchNorm stored under several names updates its one set of statistics per call.
            auto& ts = const_cast<std::vector<Tensor>&>(std::as_const(layer).tensors());
            const size_t r = o.affine ? 2 : 0;
            Tensor& tracked = ts[r + 2];
            tracked[0] += 1.0f;
            const double m = o.momentum ? *o.momentum : 1.0 / static_cast<double>(tracked[0]);
            const double unbiased = static_cast<double>(count) / static_cast<double>(count - 1);
            for (int64_t k = 0; k < c; ++k) {
                ts[r][k] = static_cast<float>((1.0 - m) * ts[r][k] + m * mean[static_cast<size_t>(k)]);
                ts[r + 1][k] = static_cast<float>((1.0 - m) * ts[r + 1][k] + m * var[static_cast<size_t>(k)] * unbiased);
            }
        }
        return std::nullopt;
    }
    if (t == "MaxPool2d") {
        maxPoolForward(static_cast<const MaxPool2d&>(layer), in, out, saved.argmax);
        return std::nullopt;
    }
    if ((t == "Dropout" || t == "Dropout2d" || t == "Dropout1d") && layer.training()) {
        static_cast<DropoutBase&>(layer).drop(in, out, &saved.factors);
        return std::nullopt;
    }
    if (layer.training())
        layer.trainForward(in, out);
    else
        layer.forward(in, out);
    return std::nullopt;
}

void layerBackward(const Layer& layer, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor* gIn,
                   ParamGrads& grads, const LayerSaved& saved)
{
    const auto it = backwardTable().find(layer.typeName());
    if (it != backwardTable().end())
        it->second(layer, BackwardPass{in, out, gOut, gIn, grads, saved});
}

} // namespace ml
