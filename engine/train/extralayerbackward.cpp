#include "engine/train/extralayerbackward.h"

#include "engine/layers/activation2.h"
#include "engine/layers/adaptivemaxpool2d.h"
#include "engine/layers/adaptivewindow.h"
#include "engine/layers/conv1d.h"
#include "engine/layers/convtranspose.h"
#include "engine/layers/groupnorm.h"
#include "engine/layers/pool1d.h"
#include "engine/layers/upsample.h"
#include "engine/layers/pad2d.h"
#include "engine/layers/zeropad2d.h"
#include "engine/parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace ml {

namespace {

Tensor& paramGrad(const Layer& layer, size_t index, ParamGrads& grads)
{
    const Tensor* p = &layer.tensors()[index];
    auto it = grads.find(p);
    if (it == grads.end())
        it = grads.emplace(p, Tensor::zeros(p->shape())).first;
    return it->second;
}

template <typename F>
void elementwise(const Tensor& in, const Tensor& gOut, Tensor& gIn, F f)
{
    const int64_t n = in.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
        gIn[i] = f(in[i], gOut[i]);
}

// ---- convolutions -----------------------------------------------------------------------------

void convTransposeBackward(const ConvTranspose2d& l, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor* gIn,
                           ParamGrads& grads)
{
    const ConvTranspose2dOptions& o = l.options();
    const bool batched = in.shape().rank() == 4;
    const int64_t n = batched ? in.shape()[0] : 1, d0 = batched ? 1 : 0;
    const int64_t cin = in.shape()[d0], h = in.shape()[d0 + 1], w = in.shape()[d0 + 2];
    const int64_t cout = out.shape()[d0], oh = out.shape()[d0 + 1], ow = out.shape()[d0 + 2];
    const int64_t g = o.groups, cinG = cin / g, coutG = cout / g;
    const int64_t kh = o.kernelSize.h, kw = o.kernelSize.w;
    const float* wt = l.tensors()[0].data();
    float* gw = paramGrad(l, 0, grads).data();
    if (gIn)
        std::fill_n(gIn->data(), gIn->numel(), 0.0f);
    const long long multAdds = static_cast<long long>(n) * cin * h * w * coutG * kh * kw;
#pragma omp parallel for schedule(static) if (multAdds >= 64 * kParallelGrain)
    for (int64_t ci = 0; ci < cin; ++ci) {
        const int64_t grp = ci / cinG;
        for (int64_t b = 0; b < n; ++b)
            for (int64_t iy = 0; iy < h; ++iy)
                for (int64_t ix = 0; ix < w; ++ix) {
                    const float xv = in[((b * cin + ci) * h + iy) * w + ix];
                    double gx = 0.0;
                    for (int64_t col = 0; col < coutG; ++col) {
                        const int64_t co = grp * coutG + col;
                        const float* gy = gOut.data() + (b * cout + co) * oh * ow;
                        const int64_t wbase = (ci * coutG + col) * kh * kw;
                        for (int64_t ki = 0; ki < kh; ++ki) {
                            const int64_t oy = iy * o.stride.h - o.padding.h + ki * o.dilation.h;
                            if (oy < 0 || oy >= oh)
                                continue;
                            for (int64_t kj = 0; kj < kw; ++kj) {
                                const int64_t ox = ix * o.stride.w - o.padding.w + kj * o.dilation.w;
                                if (ox < 0 || ox >= ow)
                                    continue;
                                const float gv = gy[oy * ow + ox];
                                gx += static_cast<double>(wt[wbase + ki * kw + kj]) * gv;
                                gw[wbase + ki * kw + kj] += xv * gv;
                            }
                        }
                    }
                    if (gIn)
                        (*gIn)[((b * cin + ci) * h + iy) * w + ix] = static_cast<float>(gx);
                }
    }
    if (o.bias) {
        float* gb = paramGrad(l, 1, grads).data();
        for (int64_t b = 0; b < n; ++b)
            for (int64_t co = 0; co < cout; ++co) {
                double s = 0.0;
                for (int64_t i = 0; i < oh * ow; ++i)
                    s += gOut[(b * cout + co) * oh * ow + i];
                gb[co] += static_cast<float>(s);
            }
    }
}

void conv1dBackward(const Conv1d& l, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const Conv1dOptions& o = l.options();
    const bool batched = in.shape().rank() == 3;
    const int64_t n = batched ? in.shape()[0] : 1, d0 = batched ? 1 : 0;
    const int64_t cin = in.shape()[d0], len = in.shape()[d0 + 1];
    const int64_t cout = out.shape()[d0], olen = out.shape()[d0 + 1];
    const int64_t g = o.groups, cinG = cin / g, coutG = cout / g, k = o.kernelSize;
    const int64_t pad = o.samePadding ? o.dilation * (o.kernelSize - 1) / 2 : o.padding;
    const float* wt = l.tensors()[0].data();
    float* gw = paramGrad(l, 0, grads).data();
    // The multiply-adds of each of the two passes below: tiny convolutions run on one thread.
    const long long multAdds = static_cast<long long>(n) * cout * cinG * k * olen;
#pragma omp parallel for schedule(static) if (multAdds >= 64 * kParallelGrain)
    for (int64_t co = 0; co < cout; ++co) {
        const int64_t grp = co / coutG;
        for (int64_t b = 0; b < n; ++b) {
            const float* gy = gOut.data() + (b * cout + co) * olen;
            for (int64_t cil = 0; cil < cinG; ++cil) {
                const float* x = in.data() + (b * cin + grp * cinG + cil) * len;
                for (int64_t kk = 0; kk < k; ++kk) {
                    double s = 0.0;
                    for (int64_t ol = 0; ol < olen; ++ol) {
                        const int64_t il = ol * o.stride - pad + kk * o.dilation;
                        if (il >= 0 && il < len)
                            s += static_cast<double>(x[il]) * gy[ol];
                    }
                    gw[(co * cinG + cil) * k + kk] += static_cast<float>(s);
                }
            }
        }
    }
    if (o.bias) {
        float* gb = paramGrad(l, 1, grads).data();
        for (int64_t b = 0; b < n; ++b)
            for (int64_t co = 0; co < cout; ++co) {
                double s = 0.0;
                for (int64_t i = 0; i < olen; ++i)
                    s += gOut[(b * cout + co) * olen + i];
                gb[co] += static_cast<float>(s);
            }
    }
    if (!gIn)
        return;
    std::fill_n(gIn->data(), gIn->numel(), 0.0f);
#pragma omp parallel for schedule(static) if (multAdds >= 64 * kParallelGrain)
    for (int64_t ci = 0; ci < cin; ++ci) {
        const int64_t grp = ci / cinG, cil = ci % cinG;
        for (int64_t b = 0; b < n; ++b) {
            float* gx = gIn->data() + (b * cin + ci) * len;
            for (int64_t col = 0; col < coutG; ++col) {
                const int64_t co = grp * coutG + col;
                const float* gy = gOut.data() + (b * cout + co) * olen;
                for (int64_t kk = 0; kk < k; ++kk) {
                    const float wv = wt[(co * cinG + cil) * k + kk];
                    for (int64_t ol = 0; ol < olen; ++ol) {
                        const int64_t il = ol * o.stride - pad + kk * o.dilation;
                        if (il >= 0 && il < len)
                            gx[il] += wv * gy[ol];
                    }
                }
            }
        }
    }
}

// ---- pooling ----------------------------------------------------------------------------------

// The first maximum (or NaN) of a window, as ATen's max pooling kernels pick it.
struct Best {
    float value = -std::numeric_limits<float>::infinity();
    int64_t index = -1;
    void offer(float v, int64_t i)
    {
        if (index < 0 || v > value || std::isnan(v)) {
            if (index >= 0 && std::isnan(value))
                return;
            value = v;
            index = i;
        }
    }
};

void maxPool1dBackward(const Pool1dOptions& o, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const int64_t len = in.shape().at(-1), olen = out.shape().at(-1), planes = in.numel() / std::max<int64_t>(len, 1);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t p = 0; p < planes; ++p) {
        const float* x = in.data() + p * len;
        for (int64_t ol = 0; ol < olen; ++ol) {
            Best best;
            const int64_t start = ol * o.stride - o.padding;
            for (int64_t kk = 0; kk < o.kernelSize; ++kk) {
                const int64_t il = start + kk * o.dilation;
                if (il >= 0 && il < len)
                    best.offer(x[il], il);
            }
            if (best.index >= 0)
                gIn[p * len + best.index] += gOut[p * olen + ol];
        }
    }
}

void avgPool1dBackward(const Pool1dOptions& o, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const int64_t len = in.shape().at(-1), olen = out.shape().at(-1), planes = in.numel() / std::max<int64_t>(len, 1);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t ol = 0; ol < olen; ++ol) {
            int64_t start = ol * o.stride - o.padding;
            int64_t end = std::min(start + o.kernelSize, len + o.padding);
            const int64_t poolSize = end - start;
            start = std::max<int64_t>(start, 0);
            end = std::min(end, len);
            if (start >= end)
                continue;
            const int64_t divisor = o.countIncludePad ? poolSize : end - start;
            const float v = gOut[p * olen + ol] / static_cast<float>(divisor);
            for (int64_t il = start; il < end; ++il)
                gIn[p * len + il] += v;
        }
}

void adaptiveMaxPoolBackward(const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const Shape& s = in.shape();
    const int rank = s.rank();
    const int64_t h = s[rank - 2], w = s[rank - 1], oh = out.shape()[rank - 2], ow = out.shape()[rank - 1];
    const int64_t planes = s.product(0, rank - 2);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    for (int64_t pl = 0; pl < planes; ++pl) {
        const float* x = in.data() + pl * h * w;
        for (int64_t oy = 0; oy < oh; ++oy) {
            const layers::AdaptiveWindow rows(oy, h, oh);
            for (int64_t ox = 0; ox < ow; ++ox) {
                const layers::AdaptiveWindow cols(ox, w, ow);
                Best best;
                for (int64_t iy = rows.begin; iy < rows.end; ++iy)
                    for (int64_t ix = cols.begin; ix < cols.end; ++ix)
                        best.offer(x[iy * w + ix], iy * w + ix);
                if (best.index >= 0)
                    gIn[pl * h * w + best.index] += gOut[(pl * oh + oy) * ow + ox];
            }
        }
    }
}

// ---- normalisation ----------------------------------------------------------------------------

// One group of `count` contiguous elements normalised with its own statistics; channel c of
// element i is channelOf(i). gx = rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)).
template <typename ChannelOf>
void normGroupBackward(const float* x, const float* gy, float* gx, int64_t count, double eps, const float* weight, float* gw,
                       float* gb, ChannelOf channelOf)
{
    double mean = 0.0;
    for (int64_t i = 0; i < count; ++i)
        mean += x[i];
    mean /= static_cast<double>(count);
    double var = 0.0;
    for (int64_t i = 0; i < count; ++i)
        var += (x[i] - mean) * (x[i] - mean);
    var /= static_cast<double>(count);
    const double rstd = 1.0 / std::sqrt(var + eps);
    double s1 = 0.0, s2 = 0.0;
    for (int64_t i = 0; i < count; ++i) {
        const double xhat = (x[i] - mean) * rstd;
        const int64_t c = channelOf(i);
        const double gxhat = static_cast<double>(gy[i]) * (weight ? weight[c] : 1.0f);
        s1 += gxhat;
        s2 += gxhat * xhat;
        if (gw)
            gw[c] += static_cast<float>(gy[i] * xhat);
        if (gb)
            gb[c] += gy[i];
    }
    if (!gx)
        return;
    for (int64_t i = 0; i < count; ++i) {
        const double xhat = (x[i] - mean) * rstd;
        const double gxhat = static_cast<double>(gy[i]) * (weight ? weight[channelOf(i)] : 1.0f);
        gx[i] = static_cast<float>(rstd * (gxhat - s1 / static_cast<double>(count) - xhat * s2 / static_cast<double>(count)));
    }
}

void groupNormBackward(const GroupNorm& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const GroupNormOptions& o = l.options();
    const Shape& s = in.shape();
    const int64_t n = s[0], c = s[1], inner = s.product(2, s.rank()), cg = c / o.numGroups;
    const float* w = o.affine ? l.tensors()[0].data() : nullptr;
    float* gw = o.affine ? paramGrad(l, 0, grads).data() : nullptr;
    float* gb = o.affine ? paramGrad(l, 1, grads).data() : nullptr;
    for (int64_t b = 0; b < n; ++b)
        for (int64_t grp = 0; grp < o.numGroups; ++grp) {
            const int64_t base = (b * c + grp * cg) * inner;
            normGroupBackward(in.data() + base, gOut.data() + base, gIn ? gIn->data() + base : nullptr, cg * inner, o.eps, w, gw, gb,
                              [&](int64_t i) { return grp * cg + i / std::max<int64_t>(inner, 1); });
        }
}

int runningOffset(const InstanceNormOptions& o)
{
    return o.affine ? 2 : 0;
}

void instanceNormBackward(const InstanceNorm2d& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const InstanceNormOptions& o = l.options();
    const Shape& s = in.shape();
    const int64_t c = s.at(-3), inner = s.at(-2) * s.at(-1), planes = in.numel() / std::max<int64_t>(inner, 1);
    const float* w = o.affine ? l.tensors()[0].data() : nullptr;
    float* gw = o.affine ? paramGrad(l, 0, grads).data() : nullptr;
    float* gb = o.affine ? paramGrad(l, 1, grads).data() : nullptr;
    const bool useRunning = o.trackRunningStats && !l.training();
    for (int64_t p = 0; p < planes; ++p) {
        const int64_t ch = p % c;
        const float* x = in.data() + p * inner;
        const float* gy = gOut.data() + p * inner;
        float* gx = gIn ? gIn->data() + p * inner : nullptr;
        if (!useRunning) {
            normGroupBackward(x, gy, gx, inner, o.eps, w ? w + ch : nullptr, gw ? gw + ch : nullptr, gb ? gb + ch : nullptr,
                              [](int64_t) { return int64_t{0}; });
            continue;
        }
        const int r = runningOffset(o);
        const float mean = l.tensors()[static_cast<size_t>(r)][ch];
        const double inv = 1.0 / std::sqrt(static_cast<double>(l.tensors()[static_cast<size_t>(r + 1)][ch]) + o.eps);
        for (int64_t i = 0; i < inner; ++i) {
            if (gx)
                gx[i] = static_cast<float>(gy[i] * (w ? w[ch] : 1.0f) * inv);
            if (gw)
                gw[ch] += static_cast<float>(gy[i] * (x[i] - mean) * inv);
            if (gb)
                gb[ch] += gy[i];
        }
    }
}

// ---- shape-changing layers --------------------------------------------------------------------

void upsampleBackward(const Upsample& l, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const Shape& s = in.shape();
    const bool twoD = s.rank() == 4;
    const int64_t planes = s[0] * s[1];
    const int64_t ih = twoD ? s[2] : 1, iw = s.at(-1);
    const int64_t oh = twoD ? out.shape()[2] : 1, ow = out.shape().at(-1);
    const size_t dims = twoD ? 2 : 1;
    const bool align = l.options().alignCorners.value_or(false);
    const float scaleH = twoD ? upsample::sourceScale(ih, oh, l.givenScale(0, dims), align) : 1.0f;
    const float scaleW = upsample::sourceScale(iw, ow, l.givenScale(dims - 1, dims), align);
    std::fill_n(gIn.data(), gIn.numel(), 0.0f);
    if (l.options().mode == UpsampleMode::Nearest) {
        for (int64_t p = 0; p < planes; ++p)
            for (int64_t oy = 0; oy < oh; ++oy) {
                const int64_t iy = twoD ? upsample::nearestIndex(oy, ih, oh, scaleH) : 0;
                for (int64_t ox = 0; ox < ow; ++ox)
                    gIn[(p * ih + iy) * iw + upsample::nearestIndex(ox, iw, ow, scaleW)] += gOut[(p * oh + oy) * ow + ox];
            }
        return;
    }
    const std::vector<upsample::LinearTap> rows = upsample::linearTaps(ih, oh, scaleH, align);
    const std::vector<upsample::LinearTap> cols = upsample::linearTaps(iw, ow, scaleW, align);
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t oy = 0; oy < oh; ++oy) {
            const upsample::LinearTap& ry = rows[static_cast<size_t>(oy)];
            float* g0 = gIn.data() + (p * ih + ry.i0) * iw;
            float* g1 = gIn.data() + (p * ih + ry.i1) * iw;
            for (int64_t ox = 0; ox < ow; ++ox) {
                const upsample::LinearTap& cx = cols[static_cast<size_t>(ox)];
                const float g = gOut[(p * oh + oy) * ow + ox];
                g0[cx.i0] += ry.w0 * cx.w0 * g;
                g0[cx.i1] += ry.w0 * cx.w1 * g;
                g1[cx.i0] += ry.w1 * cx.w0 * g;
                g1[cx.i1] += ry.w1 * cx.w1 * g;
            }
        }
}

void pixelShuffleBackward(int64_t r, const Tensor& in, const Tensor& gOut, Tensor& gIn)
{
    const Shape& s = in.shape();
    const int64_t c = s.at(-3), h = s.at(-2), w = s.at(-1), oc = c / (r * r);
    const int64_t batches = in.numel() / std::max<int64_t>(c * h * w, 1);
    for (int64_t b = 0; b < batches; ++b)
        for (int64_t ch = 0; ch < c; ++ch) {
            const int64_t co = ch / (r * r), i = (ch / r) % r, j = ch % r;
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x)
                    gIn[((b * c + ch) * h + y) * w + x] = gOut[((b * oc + co) * h * r + y * r + i) * w * r + x * r + j];
        }
}

void zeroPadBackward(const ZeroPad2dOptions& o, const Tensor& in, const Tensor& out, const Tensor& gOut, Tensor& gIn)
{
    const int64_t h = in.shape().at(-2), w = in.shape().at(-1), oh = out.shape().at(-2), ow = out.shape().at(-1);
    const int64_t planes = in.numel() / std::max<int64_t>(h * w, 1);
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
                const int64_t oy = y + o.top, ox = x + o.left;
                gIn[(p * h + y) * w + x] = oy >= 0 && oy < oh && ox >= 0 && ox < ow ? gOut[(p * oh + oy) * ow + ox] : 0.0f;
            }
}

// ---- PReLU ------------------------------------------------------------------------------------

void preluBackward(const PReLU& l, const Tensor& in, const Tensor& gOut, Tensor* gIn, ParamGrads& grads)
{
    const Tensor& wt = l.tensors()[0];
    float* gw = paramGrad(l, 0, grads).data();
    const int64_t channels = wt.numel();
    const Shape& s = in.shape();
    const int64_t inner = channels == 1 ? 1 : (s.rank() >= 2 ? s.product(2, s.rank()) : 1);
    for (int64_t i = 0; i < in.numel(); ++i) {
        const int64_t c = channels == 1 ? 0 : (i / inner) % channels;
        const float x = in[i];
        if (gIn)
            (*gIn)[i] = x > 0.0f ? gOut[i] : wt[c] * gOut[i];
        if (x <= 0.0f)
            gw[c] += x * gOut[i];
    }
}

} // namespace

// ---- the entries of the backward table (layerbackward.cpp) --------------------------------------

namespace backward {

void convTranspose2d(const Layer& l, const BackwardPass& p)
{
    convTransposeBackward(static_cast<const ConvTranspose2d&>(l), p.in, p.out, p.gOut, p.gIn, p.grads);
}

void conv1d(const Layer& l, const BackwardPass& p)
{
    conv1dBackward(static_cast<const Conv1d&>(l), p.in, p.out, p.gOut, p.gIn, p.grads);
}

void groupNorm(const Layer& l, const BackwardPass& p)
{
    groupNormBackward(static_cast<const GroupNorm&>(l), p.in, p.gOut, p.gIn, p.grads);
}

void instanceNorm2d(const Layer& l, const BackwardPass& p)
{
    instanceNormBackward(static_cast<const InstanceNorm2d&>(l), p.in, p.gOut, p.gIn, p.grads);
}

void prelu(const Layer& l, const BackwardPass& p)
{
    preluBackward(static_cast<const PReLU&>(l), p.in, p.gOut, p.gIn, p.grads);
}

void copyPad2d(const Layer& l, const BackwardPass& p)
{
    if (!p.gIn)
        return;
    // Every output element came from one input element: the gradient flows back there, summed
    // where the border repeats an element.
    *p.gIn = Tensor::zeros(p.in.shape());
    float* g = p.gIn->data();
    const float* go = p.gOut.data();
    static_cast<const CopyPad2d&>(l).forEachSource(p.in.shape(), [&](int64_t o, int64_t i) { g[i] += go[o]; });
}

void maxPool1d(const Layer& l, const BackwardPass& p)
{
    if (p.gIn)
        maxPool1dBackward(static_cast<const MaxPool1d&>(l).options(), p.in, p.out, p.gOut, *p.gIn);
}

void avgPool1d(const Layer& l, const BackwardPass& p)
{
    if (p.gIn)
        avgPool1dBackward(static_cast<const AvgPool1d&>(l).options(), p.in, p.out, p.gOut, *p.gIn);
}

void adaptiveMaxPool2d(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        adaptiveMaxPoolBackward(p.in, p.out, p.gOut, *p.gIn);
}

void upsample(const Layer& l, const BackwardPass& p)
{
    if (p.gIn)
        upsampleBackward(static_cast<const Upsample&>(l), p.in, p.out, p.gOut, *p.gIn);
}

void pixelShuffle(const Layer& l, const BackwardPass& p)
{
    if (p.gIn)
        pixelShuffleBackward(static_cast<const PixelShuffle&>(l).options().upscaleFactor, p.in, p.gOut, *p.gIn);
}

void zeroPad2d(const Layer& l, const BackwardPass& p)
{
    if (p.gIn)
        zeroPadBackward(static_cast<const ZeroPad2d&>(l).options(), p.in, p.out, p.gOut, *p.gIn);
}

void relu6(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [](float x, float d) { return x > 0.0f && x < 6.0f ? d : 0.0f; });
}

void elu(const Layer& l, const BackwardPass& p)
{
    const float alpha = static_cast<float>(static_cast<const ELU&>(l).options().alpha);
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [alpha](float x, float d) { return x > 0.0f ? d : d * alpha * std::exp(x); });
}

void selu(const Layer&, const BackwardPass& p)
{
    constexpr float kAlpha = 1.6732632423543772848170429916717f, kScale = 1.0507009873554804934193349852946f;
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [](float x, float d) { return x > 0.0f ? d * kScale : d * kScale * kAlpha * std::exp(x); });
}

void hardswish(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [](float x, float d) { return x < -3.0f ? 0.0f : x <= 3.0f ? d * (x / 3.0f + 0.5f) : d; });
}

void hardsigmoid(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [](float x, float d) { return x > -3.0f && x < 3.0f ? d / 6.0f : 0.0f; });
}

void softplus(const Layer& l, const BackwardPass& p)
{
    const auto& o = static_cast<const Softplus&>(l).options();
    const float beta = static_cast<float>(o.beta), threshold = static_cast<float>(o.threshold);
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [beta, threshold](float x, float d) {
            const float z = std::exp(x * beta);
            return x * beta > threshold ? d : d * z / (z + 1.0f);
        });
}

void mish(const Layer&, const BackwardPass& p)
{
    if (p.gIn)
        elementwise(p.in, p.gOut, *p.gIn, [](float x, float d) {
            const float sig = 1.0f / (1.0f + std::exp(-x));
            const float tsp = std::tanh(std::log1p(std::exp(x)));
            return d * (tsp + x * sig * (1.0f - tsp * tsp));
        });
}

} // namespace backward

bool extraLayerForward(Layer& layer, const Tensor& in, Tensor& out)
{
    if (layer.typeName() != "InstanceNorm2d" || !layer.training())
        return false;
    auto& l = static_cast<InstanceNorm2d&>(layer);
    const InstanceNormOptions& o = l.options();
    if (!o.trackRunningStats)
        return false; // always instance statistics: the forward pass as it is
    const ShapeResult r = l.outputShape(in.shape());
    if (!r.ok())
        return false;
    out = Tensor(r.shape);
    const Shape& s = in.shape();
    const int64_t c = s.at(-3), inner = s.at(-2) * s.at(-1), planes = in.numel() / std::max<int64_t>(inner, 1);
    const int64_t n = planes / std::max<int64_t>(c, 1);
    auto& ts = const_cast<std::vector<Tensor>&>(std::as_const(l).tensors()); // in place, as BatchNorm's
    const float* w = o.affine ? ts[0].data() : nullptr;
    const float* b = o.affine ? ts[1].data() : nullptr;
    std::vector<double> meanSum(static_cast<size_t>(c)), varSum(static_cast<size_t>(c));
    for (int64_t p = 0; p < planes; ++p) {
        const int64_t ch = p % c;
        const float* x = in.data() + p * inner;
        float* y = out.data() + p * inner;
        double mean = 0.0, var = 0.0;
        for (int64_t i = 0; i < inner; ++i)
            mean += x[i];
        mean /= static_cast<double>(inner);
        for (int64_t i = 0; i < inner; ++i)
            var += (x[i] - mean) * (x[i] - mean);
        const double rstd = 1.0 / std::sqrt(var / static_cast<double>(inner) + o.eps);
        for (int64_t i = 0; i < inner; ++i)
            y[i] = static_cast<float>((x[i] - mean) * rstd * (w ? w[ch] : 1.0f) + (b ? b[ch] : 0.0f));
        meanSum[static_cast<size_t>(ch)] += mean;
        varSum[static_cast<size_t>(ch)] += inner > 1 ? var / static_cast<double>(inner - 1) : var;
    }
    // F.instance_norm runs batch_norm over [1, N*C, H, W] and averages the N updated copies.
    const double m = o.momentum.value_or(0.1);
    const int ro = runningOffset(o);
    for (int64_t ch = 0; ch < c; ++ch) {
        float& rm = ts[static_cast<size_t>(ro)][ch];
        float& rv = ts[static_cast<size_t>(ro + 1)][ch];
        rm = static_cast<float>((1.0 - m) * rm + m * meanSum[static_cast<size_t>(ch)] / static_cast<double>(n));
        rv = static_cast<float>((1.0 - m) * rv + m * varSum[static_cast<size_t>(ch)] / static_cast<double>(n));
    }
    return true;
}

} // namespace ml
