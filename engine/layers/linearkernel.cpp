#include "engine/layers/linearkernel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <omp.h>

#include <map>
#include <tuple>
#include <unordered_map>

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

struct Plan {
    dnnl::inner_product_forward::primitive_desc pd;
    dnnl::inner_product_forward ip;
    memory::desc plainWeights, biasDesc, src, dst;
};

using PlanKey = std::tuple<int64_t, int64_t, int64_t, bool, int>;

Plan makePlan(int64_t m, int64_t n, int64_t k, bool bias)
{
    Plan p;
    p.src = memory::desc({m, k}, kF32, Tag::nc);
    p.dst = memory::desc({m, n}, kF32, Tag::nc);
    p.plainWeights = memory::desc({n, k}, kF32, Tag::oi);
    p.biasDesc = bias ? memory::desc({n}, kF32, Tag::x) : memory::desc();
    // The weight stays in PyTorch's [out, in] layout: no second copy, no reorder per call.
    const dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_inference, p.src, p.plainWeights, p.biasDesc, p.dst);
    p.pd = dnnl::inner_product_forward::primitive_desc(d, cpuEngine());
    p.ip = dnnl::inner_product_forward(p.pd);
    return p;
}

} // namespace

struct LinearKernel::Impl {
    std::map<PlanKey, Plan> plans;
};

LinearKernel::LinearKernel() = default;
LinearKernel::~LinearKernel() = default;
LinearKernel::LinearKernel(const LinearKernel&) {}
LinearKernel& LinearKernel::operator=(const LinearKernel&)
{
    std::lock_guard lock(m_mutex);
    m_impl.reset();
    return *this;
}

void LinearKernel::forward(int64_t m, int64_t n, int64_t k, const Tensor& weight, const float* bias, const float* x, float* y) const
{
    std::lock_guard lock(m_mutex);
    if (!m_impl)
        m_impl = std::make_unique<Impl>();
    Impl& im = *m_impl;
    const PlanKey key{m, n, k, bias != nullptr, omp_get_max_threads()};
    auto it = im.plans.find(key);
    if (it == im.plans.end()) {
        if (im.plans.size() >= 8)
            im.plans.clear();
        it = im.plans.emplace(key, makePlan(m, n, k, bias != nullptr)).first;
    }
    const Plan& p = it->second;
    dnnl::stream stream(cpuEngine());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.src, cpuEngine(), const_cast<float*>(x))},
                                         {DNNL_ARG_WEIGHTS, memory(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()))},
                                         {DNNL_ARG_DST, memory(p.dst, cpuEngine(), y)}};
    if (bias)
        args.emplace(DNNL_ARG_BIAS, memory(p.biasDesc, cpuEngine(), const_cast<float*>(bias)));
    p.ip.execute(stream, args);
    stream.wait();
}

} // namespace ml::layers
