#include "engine/layers/convkernel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <omp.h>

#include <array>
#include <map>
#include <optional>
#include <unordered_map>
#include <tuple>

namespace ml::layers {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

dnnl::engine& cpuEngine()
{
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

// One compiled convolution for one geometry and thread count, with its packed weights.
struct Plan {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    memory::desc plainSrc, plainDst, plainWeights, biasDesc;
    std::optional<dnnl::reorder> toSrc, fromDst;
    memory packedWeights;
    uint64_t weightStamp = 0;
    const float* weightData = nullptr;
};

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
    dnnl::primitive_attr attr;
    if (ep.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        attr.set_post_ops(ops);
    }
    p.pd = dnnl::convolution_forward::primitive_desc(d, attr, cpuEngine());
    p.conv = dnnl::convolution_forward(p.pd);
    if (p.pd.src_desc() != p.plainSrc)
        p.toSrc = dnnl::reorder(memory(p.plainSrc, cpuEngine(), DNNL_MEMORY_NONE), memory(p.pd.src_desc(), cpuEngine(), DNNL_MEMORY_NONE));
    if (p.pd.dst_desc() != p.plainDst)
        p.fromDst = dnnl::reorder(memory(p.pd.dst_desc(), cpuEngine(), DNNL_MEMORY_NONE), memory(p.plainDst, cpuEngine(), DNNL_MEMORY_NONE));
    return p;
}

using PlanKey = std::tuple<std::array<int64_t, 18>, bool, bool, int>;

PlanKey keyOf(const ConvGeometry& g, bool bias, const ConvEpilogue& ep, int threads)
{
    return {{g.n, g.c, g.h, g.w, g.oc, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padBottom, g.padLeft, g.padRight, g.groups},
            bias,
            ep.relu,
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

} // namespace

struct ConvKernel::Impl {
    std::map<PlanKey, Plan> plans;
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

void ConvKernel::forward(const ConvGeometry& g, const Tensor& weight, const float* bias, const float* in, float* out,
                         ConvEpilogue epilogue) const
{
    std::lock_guard lock(m_mutex);
    if (!m_impl)
        m_impl = std::make_unique<Impl>();
    const PlanKey key = keyOf(g, bias != nullptr, epilogue, omp_get_max_threads());
    auto it = m_impl->plans.find(key);
    if (it == m_impl->plans.end()) {
        if (m_impl->plans.size() >= 8) // a few input shapes are common; more are exploration
            m_impl->plans.clear();
        it = m_impl->plans.emplace(key, makePlan(g, bias != nullptr, epilogue)).first;
    }
    Plan& p = it->second;
    dnnl::stream stream(cpuEngine());
    const uint64_t stamp = weight.stamp();
    if (p.weightStamp != stamp || p.weightData != weight.data()) {
        memory user(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()));
        if (p.pd.weights_desc() == p.plainWeights) {
            p.packedWeights = user;
        } else {
            p.packedWeights = memory(p.pd.weights_desc(), cpuEngine());
            dnnl::reorder(user, p.packedWeights).execute(stream, user, p.packedWeights);
        }
        p.weightStamp = stamp;
        p.weightData = weight.data();
    }
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
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, convSrc}, {DNNL_ARG_WEIGHTS, p.packedWeights}, {DNNL_ARG_DST, convDst}};
    if (bias)
        args.emplace(DNNL_ARG_BIAS, memory(p.biasDesc, cpuEngine(), const_cast<float*>(bias)));
    p.conv.execute(stream, args);
    if (p.fromDst)
        p.fromDst->execute(stream, convDst, dst);
    stream.wait();
}

} // namespace ml::layers
