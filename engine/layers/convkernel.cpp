#include "engine/layers/convkernel.h"

#include "engine/cancel.h"
#include "engine/parallel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <omp.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <tuple>

namespace ml::layers {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;
// Output pixels per image up to which the blocked layout beats channels-last (see makePlan).
constexpr int64_t kSmallFeatureMap = 64;

dnnl::engine& cpuEngine()
{
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

// One compiled convolution for one geometry and thread count.
struct Plan {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    memory::desc plainSrc, plainDst, plainWeights, biasDesc;
    std::optional<dnnl::reorder> toSrc, fromDst, toDst; // toDst: a residual into the kernel's output layout
};

// Appends act to ops as a oneDNN eltwise post-op (nothing for Kind::None).
void appendActivation(dnnl::post_ops& ops, const ConvActivation& act)
{
    using A = dnnl::algorithm;
    switch (act.kind) {
    case ConvActivation::Kind::None: return;
    case ConvActivation::Kind::Relu: ops.append_eltwise(1.0f, A::eltwise_relu, act.alpha, 0.0f); return;
    case ConvActivation::Kind::Clip: ops.append_eltwise(1.0f, A::eltwise_clip_v2, act.alpha, act.beta); return;
    case ConvActivation::Kind::Swish: ops.append_eltwise(1.0f, A::eltwise_swish, 1.0f, 0.0f); return;
    case ConvActivation::Kind::Hardswish: ops.append_eltwise(1.0f, A::eltwise_hardswish, 0.0f, 0.0f); return;
    case ConvActivation::Kind::GeluErf: ops.append_eltwise(1.0f, A::eltwise_gelu_erf, 0.0f, 0.0f); return;
    case ConvActivation::Kind::GeluTanh: ops.append_eltwise(1.0f, A::eltwise_gelu_tanh, 0.0f, 0.0f); return;
    }
}

dnnl::primitive_attr attributesOf(const ConvEpilogue& ep)
{
    dnnl::post_ops ops;
    appendActivation(ops, ep.act);
    if (ep.residual) {
        ops.append_sum(1.0f);
        appendActivation(ops, ep.after);
    }
    dnnl::primitive_attr attr;
    if (ops.len() > 0)
        attr.set_post_ops(ops);
    return attr;
}

Plan makePlan(const ConvGeometry& g, bool bias, const ConvEpilogue& ep)
{
    const memory::dims src{g.n, g.c, g.h, g.w}, dst{g.n, g.oc, g.oh, g.ow};
    const memory::dims wdims = g.groups == 1 ? memory::dims{g.oc, g.c, g.kh, g.kw}
                                             : memory::dims{g.groups, g.oc / g.groups, g.c / g.groups, g.kh, g.kw};
    Plan p;
    p.plainSrc = memory::desc(src, kF32, Tag::nchw);
    p.plainDst = memory::desc(dst, kF32, Tag::nchw);
    p.plainWeights = memory::desc(wdims, kF32, g.groups == 1 ? Tag::oihw : Tag::goihw);
    p.biasDesc = bias ? memory::desc({g.oc}, kF32, Tag::x) : memory::desc();
    const memory::desc anySrc(src, kF32, Tag::any), anyDst(dst, kF32, Tag::any), anyW(wdims, kF32, Tag::any);
    // oneDNN counts dilation from 0 (PyTorch's dilation 1 is its 0).
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, anySrc, anyW,
                                            p.biasDesc, anyDst, {g.sh, g.sw}, {g.dh - 1, g.dw - 1}, {g.padTop, g.padLeft},
                                            {g.padBottom, g.padRight});
    const dnnl::primitive_attr attr = attributesOf(ep);
    p.pd = dnnl::convolution_forward::primitive_desc(d, attr, cpuEngine());
    // Left free, oneDNN picks channels-last (brgconv) for every size. On small feature maps
    // (ResNet's last stages, 4x4 to 8x8) that kernel runs at a fraction of the speed of the
    // 16-channel blocked one that PyTorch asks for: ask for the blocked layout there, and keep
    // it only when a JIT kernel serves it (machines without AVX-512 get oneDNN's own choice).
    if (g.groups == 1 && g.oh * g.ow <= kSmallFeatureMap && p.pd.src_desc() == memory::desc(src, kF32, Tag::acdb)) {
        try {
            const memory::desc blockedSrc(src, kF32, Tag::nChw16c), blockedDst(dst, kF32, Tag::nChw16c);
            const dnnl::convolution_forward::desc bd(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, blockedSrc,
                                                     anyW, p.biasDesc, blockedDst, {g.sh, g.sw}, {g.dh - 1, g.dw - 1},
                                                     {g.padTop, g.padLeft}, {g.padBottom, g.padRight});
            dnnl::convolution_forward::primitive_desc blocked(bd, attr, cpuEngine());
            if (std::string_view(blocked.impl_info_str()).starts_with("jit"))
                p.pd = blocked;
        } catch (const dnnl::error&) {
            // no blocked kernel for this geometry: keep the channels-last one
        }
    }
    p.conv = dnnl::convolution_forward(p.pd);
    if (p.pd.src_desc() != p.plainSrc)
        p.toSrc = dnnl::reorder(memory(p.plainSrc, cpuEngine(), DNNL_MEMORY_NONE), memory(p.pd.src_desc(), cpuEngine(), DNNL_MEMORY_NONE));
    if (p.pd.dst_desc() != p.plainDst) {
        p.fromDst = dnnl::reorder(memory(p.pd.dst_desc(), cpuEngine(), DNNL_MEMORY_NONE), memory(p.plainDst, cpuEngine(), DNNL_MEMORY_NONE));
        if (ep.residual)
            p.toDst = dnnl::reorder(memory(p.plainDst, cpuEngine(), DNNL_MEMORY_NONE), memory(p.pd.dst_desc(), cpuEngine(), DNNL_MEMORY_NONE));
    }
    return p;
}

using ActKey = std::tuple<int, float, float>;
using PlanKey = std::tuple<std::array<int64_t, 18>, bool, ActKey, bool, ActKey, int>;

ActKey actKey(const ConvActivation& a) { return {static_cast<int>(a.kind), a.alpha, a.beta}; }

PlanKey keyOf(const ConvGeometry& g, bool bias, const ConvEpilogue& ep, int threads)
{
    return {{g.n, g.c, g.h, g.w, g.oc, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padBottom, g.padLeft, g.padRight, g.groups},
            bias,
            actKey(ep.act),
            ep.residual != nullptr,
            actKey(ep.residual ? ep.after : ConvActivation{}),
            threads};
}

// A scratch buffer for a reordered activation, uninitialised.
memory scratch(const memory::desc& d, Tensor& holder)
{
    const int64_t floats = static_cast<int64_t>((d.get_size() + sizeof(float) - 1) / sizeof(float));
    if (holder.numel() < floats)
        holder = Tensor(Shape{floats});
    return memory(d, cpuEngine(), holder.data());
}

// Backward passes over plain NCHW/OIHW buffers (no packing: each is run once per step).
struct BackwardPlan {
    dnnl::convolution_backward_data dataPrim;
    dnnl::convolution_backward_weights weightsPrim;
    memory::desc src, dst, weights, bias;
};

dnnl::convolution_forward::desc forwardDesc(const ConvGeometry& g, const memory::desc& src, const memory::desc& w,
                                            const memory::desc& bias, const memory::desc& dst)
{
    return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, w, bias, dst,
                                           {g.sh, g.sw}, {g.dh - 1, g.dw - 1}, {g.padTop, g.padLeft}, {g.padBottom, g.padRight});
}

BackwardPlan makeBackwardPlan(const ConvGeometry& g, bool bias)
{
    BackwardPlan p;
    p.src = memory::desc({g.n, g.c, g.h, g.w}, kF32, Tag::nchw);
    p.dst = memory::desc({g.n, g.oc, g.oh, g.ow}, kF32, Tag::nchw);
    p.weights = g.groups == 1 ? memory::desc({g.oc, g.c, g.kh, g.kw}, kF32, Tag::oihw)
                              : memory::desc({g.groups, g.oc / g.groups, g.c / g.groups, g.kh, g.kw}, kF32, Tag::goihw);
    p.bias = bias ? memory::desc({g.oc}, kF32, Tag::x) : memory::desc();
    const dnnl::convolution_forward::primitive_desc hint(forwardDesc(g, p.src, p.weights, p.bias, p.dst), cpuEngine());
    const dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct, p.src, p.weights, p.dst, {g.sh, g.sw},
                                                   {g.dh - 1, g.dw - 1}, {g.padTop, g.padLeft}, {g.padBottom, g.padRight});
    p.dataPrim = dnnl::convolution_backward_data(dnnl::convolution_backward_data::primitive_desc(dd, cpuEngine(), hint));
    const auto wd = bias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, p.src, p.weights, p.bias, p.dst,
                                                                    {g.sh, g.sw}, {g.dh - 1, g.dw - 1}, {g.padTop, g.padLeft},
                                                                    {g.padBottom, g.padRight})
                         : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, p.src, p.weights, p.dst,
                                                                    {g.sh, g.sw}, {g.dh - 1, g.dw - 1}, {g.padTop, g.padLeft},
                                                                    {g.padBottom, g.padRight});
    p.weightsPrim = dnnl::convolution_backward_weights(dnnl::convolution_backward_weights::primitive_desc(wd, cpuEngine(), hint));
    return p;
}

} // namespace

struct ConvKernel::Impl {
    std::map<PlanKey, Plan> plans;
    std::map<PlanKey, BackwardPlan> backward;
    // The weight in the layout of the last plan's kernel, for the weight version it was packed
    // from (Tensor::version: unique per contents, so an edited, loaded or trained weight and a
    // new weight at the same address are packed again). One copy, shared by every plan that
    // wants the same layout.
    memory packed;
    memory::desc packedDesc;
    uint64_t packedVersion = 0;
    int64_t packings = 0;

    const memory& packedWeight(const Plan& p, const Tensor& weight, dnnl::stream& stream)
    {
        const uint64_t version = weight.version();
        if (packedVersion != version || packedDesc != p.pd.weights_desc()) {
            packed = memory(); // free the old copy before making the new one
            memory user(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()));
            memory fresh(p.pd.weights_desc(), cpuEngine());
            dnnl::reorder(user, fresh).execute(stream, user, fresh);
            packed = fresh;
            packedDesc = p.pd.weights_desc();
            packedVersion = version;
            ++packings;
        }
        return packed;
    }

    BackwardPlan& backwardPlan(const ConvGeometry& g, bool bias)
    {
        const PlanKey key = keyOf(g, bias, {}, omp_get_max_threads());
        auto it = backward.find(key);
        if (it == backward.end()) {
            if (backward.size() >= 8)
                backward.clear();
            it = backward.emplace(key, makeBackwardPlan(g, bias)).first;
        }
        return it->second;
    }
};

ConvKernel::ConvKernel() = default;
ConvKernel::~ConvKernel() = default;
ConvKernel::ConvKernel(const ConvKernel&) {}
ConvKernel& ConvKernel::operator=(const ConvKernel&)
{
    std::lock_guard lock(m_mutex);
    m_impl.reset();
    return *this;
}

bool dropsNaN(const ConvActivation& act)
{
    return (act.kind == ConvActivation::Kind::Relu && act.alpha == 0.0f) || act.kind == ConvActivation::Kind::Clip;
}

bool allFinite(const float* data, int64_t n)
{
    // Exponent bits all set: infinite or NaN. Integer operations, so the loop vectorises.
    const auto* bits = reinterpret_cast<const uint32_t*>(data);
    uint32_t bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (n > 16 * kParallelGrain)
    for (int64_t i = 0; i < n; ++i)
        bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
    return bad == 0;
}

void applyActivation(const ConvActivation& act, float* data, int64_t n)
{
    using K = ConvActivation::Kind;
    if (act.kind == K::None)
        return;
    if (act.kind == K::Relu) {
        for (int64_t i = 0; i < n; ++i)
            data[i] = data[i] > 0.0f || data[i] != data[i] ? data[i] : data[i] * act.alpha + 0.0f;
        return;
    }
    if (act.kind == K::Clip) {
        for (int64_t i = 0; i < n; ++i)
            data[i] = data[i] != data[i] ? data[i] : std::min(std::max(data[i], act.alpha), act.beta);
        return;
    }
    // The smooth activations keep NaN in oneDNN too.
    dnnl::post_ops ops;
    appendActivation(ops, act);
    float alpha = 0.0f, beta = 0.0f, scale = 0.0f;
    dnnl::algorithm alg;
    ops.get_params_eltwise(0, scale, alg, alpha, beta);
    const memory::desc d({n}, kF32, Tag::x);
    const dnnl::eltwise_forward::desc ed(dnnl::prop_kind::forward_inference, alg, d, alpha, beta);
    dnnl::eltwise_forward prim(dnnl::eltwise_forward::primitive_desc(ed, cpuEngine()));
    memory m(d, cpuEngine(), data);
    dnnl::stream stream(cpuEngine());
    prim.execute(stream, {{DNNL_ARG_SRC, m}, {DNNL_ARG_DST, m}});
    stream.wait();
}

bool ConvKernel::singleThreaded(const ConvGeometry& g)
{
    const int64_t multAdds = g.n * g.oc * g.oh * g.ow * (g.c / g.groups) * g.kh * g.kw;
    return multAdds < 64 * kParallelGrain;
}

int64_t ConvKernel::packings() const
{
    std::lock_guard lock(m_mutex);
    return m_impl ? m_impl->packings : 0;
}

void ConvKernel::forward(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                         ConvEpilogue epilogue) const
{
    const std::atomic<bool>* cancel = currentCancelFlag();
    const int64_t perImage = g.oc * g.oh * g.ow * (g.c / g.groups) * g.kh * g.kw;
    if (!cancel || g.n * perImage <= kBandMultAdds) {
        forwardWhole(g, weight, bias, in, out, epilogue);
        return;
    }
    ConvGeometry one = g;
    one.n = 1;
    for (int64_t i = 0; i < g.n; ++i) {
        if (cancelRequested(cancel))
            return;
        const float* x = in + i * g.c * g.h * g.w;
        float* y = out + i * g.oc * g.oh * g.ow;
        ConvEpilogue ep = epilogue;
        if (ep.residual)
            ep.residual += i * g.oc * g.oh * g.ow;
        if (perImage <= kBandMultAdds || !forwardBands(one, weight, bias, x, y, ep, cancel))
            forwardWhole(one, weight, bias, x, y, ep);
    }
}

bool ConvKernel::forwardBands(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                              const ConvEpilogue& epilogue, const std::atomic<bool>* cancel) const
{
    const int64_t perRow = g.oc * g.ow * (g.c / g.groups) * g.kh * g.kw;
    const int64_t rows = std::max<int64_t>(1, kBandMultAdds / std::max<int64_t>(perRow, 1));
    // The input rows a band of output rows [r0, r1) reads, -padTop-based: [first, last].
    auto reads = [&](int64_t r0, int64_t r1) {
        return std::pair(r0 * g.sh - g.padTop, (r1 - 1) * g.sh - g.padTop + (g.kh - 1) * g.dh);
    };
    for (int64_t r0 = 0; r0 < g.oh; r0 += rows) {
        const auto [first, last] = reads(r0, std::min(g.oh, r0 + rows));
        if (std::max<int64_t>(first, 0) > std::min(g.h - 1, last))
            return false;
    }
    Tensor bandIn, bandOut;
    for (int64_t r0 = 0; r0 < g.oh; r0 += rows) {
        if (cancelRequested(cancel))
            return true;
        const int64_t r1 = std::min(g.oh, r0 + rows);
        const auto [first, last] = reads(r0, r1);
        const int64_t lo = std::max<int64_t>(first, 0), hi = std::min(g.h - 1, last);
        ConvGeometry b = g;
        b.h = hi - lo + 1;
        b.oh = r1 - r0;
        b.padTop = lo - first;
        b.padBottom = last - hi;
        // The band's input and output as dense NCHW images of their own.
        if (bandIn.numel() < g.c * b.h * g.w)
            bandIn = Tensor(Shape{g.c * b.h * g.w});
        if (bandOut.numel() < g.oc * b.oh * g.ow)
            bandOut = Tensor(Shape{g.oc * b.oh * g.ow});
        for (int64_t c = 0; c < g.c; ++c)
            std::copy_n(in + (c * g.h + lo) * g.w, b.h * g.w, bandIn.data() + c * b.h * g.w);
        ConvEpilogue ep = epilogue;
        if (ep.residual) {
            for (int64_t o = 0; o < g.oc; ++o)
                std::copy_n(ep.residual + (o * g.oh + r0) * g.ow, b.oh * g.ow, bandOut.data() + o * b.oh * g.ow);
            ep.residual = bandOut.data();
        }
        forwardWhole(b, weight, bias, bandIn.data(), bandOut.data(), ep);
        for (int64_t o = 0; o < g.oc; ++o)
            std::copy_n(bandOut.data() + o * b.oh * g.ow, b.oh * g.ow, out + (o * g.oh + r0) * g.ow);
    }
    return true;
}

void ConvKernel::forwardWhole(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                              ConvEpilogue epilogue) const
{
    std::lock_guard lock(m_mutex);
    if (!m_impl)
        m_impl = std::make_unique<Impl>();
    // Small work is compiled for and run on the calling thread alone (the plan is keyed by the
    // thread count it was compiled for).
    const ThreadCountScope team(singleThreaded(g) ? 1 : omp_get_max_threads());
    const PlanKey key = keyOf(g, bias != nullptr, epilogue, omp_get_max_threads());
    auto it = m_impl->plans.find(key);
    if (it == m_impl->plans.end()) {
        if (m_impl->plans.size() >= 8) // a few input shapes are common; more are exploration
            m_impl->plans.clear();
        it = m_impl->plans.emplace(key, makePlan(g, bias != nullptr, epilogue)).first;
    }
    Plan& p = it->second;
    dnnl::stream stream(cpuEngine());
    // The weight is reordered into the kernel's layout once per weight version (PyTorch
    // reorders it on every call); a weight already in that layout is read in place.
    memory packed(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()));
    if (p.pd.weights_desc() != p.plainWeights)
        packed = m_impl->packedWeight(p, weight, stream);
    memory src(p.plainSrc, cpuEngine(), const_cast<float*>(in));
    memory dst(p.plainDst, cpuEngine(), out);
    Tensor srcHold, dstHold;
    memory convSrc = src, convDst = dst;
    if (p.toSrc) {
        convSrc = scratch(p.pd.src_desc(), srcHold);
        p.toSrc->execute(stream, src, convSrc);
    }
    if (p.fromDst)
        convDst = scratch(p.pd.dst_desc(), dstHold);
    // The residual is added by the sum post-op: it must be in the output buffer beforehand.
    if (epilogue.residual && p.toDst) {
        memory residual(p.plainDst, cpuEngine(), const_cast<float*>(epilogue.residual));
        p.toDst->execute(stream, residual, convDst);
    } else if (epilogue.residual && epilogue.residual != out) {
        std::copy_n(epilogue.residual, g.n * g.oc * g.oh * g.ow, out);
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, convSrc}, {DNNL_ARG_WEIGHTS, packed}, {DNNL_ARG_DST, convDst}};
    if (bias)
        args.emplace(DNNL_ARG_BIAS, memory(p.biasDesc, cpuEngine(), const_cast<float*>(bias)));
    p.conv.execute(stream, args);
    if (p.fromDst)
        p.fromDst->execute(stream, convDst, dst);
    stream.wait();
}

} // namespace ml::layers

namespace ml::layers {

void ConvKernel::backwardData(const ConvGeometry& g, const Tensor& weight, const float* gradOut, float* gradIn) const
{
    std::lock_guard lock(m_mutex);
    if (!m_impl)
        m_impl = std::make_unique<Impl>();
    const ThreadCountScope team(singleThreaded(g) ? 1 : omp_get_max_threads());
    BackwardPlan& p = m_impl->backwardPlan(g, false);
    dnnl::stream stream(cpuEngine());
    p.dataPrim.execute(stream, {{DNNL_ARG_DIFF_DST, memory(p.dst, cpuEngine(), const_cast<float*>(gradOut))},
                                {DNNL_ARG_WEIGHTS, memory(p.weights, cpuEngine(), const_cast<float*>(weight.data()))},
                                {DNNL_ARG_DIFF_SRC, memory(p.src, cpuEngine(), gradIn)}});
    stream.wait();
}

void ConvKernel::backwardWeights(const ConvGeometry& g, const float* in, const float* gradOut, float* gradWeight, float* gradBias) const
{
    std::lock_guard lock(m_mutex);
    if (!m_impl)
        m_impl = std::make_unique<Impl>();
    const ThreadCountScope team(singleThreaded(g) ? 1 : omp_get_max_threads());
    BackwardPlan& p = m_impl->backwardPlan(g, gradBias != nullptr);
    dnnl::stream stream(cpuEngine());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.src, cpuEngine(), const_cast<float*>(in))},
                                         {DNNL_ARG_DIFF_DST, memory(p.dst, cpuEngine(), const_cast<float*>(gradOut))},
                                         {DNNL_ARG_DIFF_WEIGHTS, memory(p.weights, cpuEngine(), gradWeight)}};
    if (gradBias)
        args.emplace(DNNL_ARG_DIFF_BIAS, memory(p.bias, cpuEngine(), gradBias));
    p.weightsPrim.execute(stream, args);
    stream.wait();
}

} // namespace ml::layers
