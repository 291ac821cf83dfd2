#include "engine/layers/linearkernel.h"

#include "engine/parallel.h"

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
    dnnl::inner_product_forward::primitive_desc inPlacePd, packedPd;
    dnnl::inner_product_forward inPlace, packed;
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
    // Reading the weight in PyTorch's [out, in] layout, and reading it in the layout oneDNN
    // prefers (packed once per weight version).
    const dnnl::inner_product_forward::desc plain(dnnl::prop_kind::forward_inference, p.src, p.plainWeights, p.biasDesc, p.dst);
    p.inPlacePd = dnnl::inner_product_forward::primitive_desc(plain, cpuEngine());
    p.inPlace = dnnl::inner_product_forward(p.inPlacePd);
    const dnnl::inner_product_forward::desc any(dnnl::prop_kind::forward_inference, p.src, memory::desc({n, k}, kF32, Tag::any),
                                                p.biasDesc, p.dst);
    p.packedPd = dnnl::inner_product_forward::primitive_desc(any, cpuEngine());
    p.packed = dnnl::inner_product_forward(p.packedPd);
    return p;
}

} // namespace

struct LinearKernel::Impl {
    std::map<PlanKey, Plan> plans;
    // The weight in the packed plan's layout, for the weight version it was packed from.
    memory packed;
    memory::desc packedDesc;
    uint64_t packedVersion = 0;
    uint64_t seenVersion = 0; // the weight version of the previous call
    int64_t packings = 0;
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
    // A small product is compiled for and run on the calling thread alone.
    const ThreadCountScope team(m * n * k < 64 * kParallelGrain ? 1 : omp_get_max_threads());
    const PlanKey key{m, n, k, bias != nullptr, omp_get_max_threads()};
    auto it = im.plans.find(key);
    if (it == im.plans.end()) {
        if (im.plans.size() >= 8)
            im.plans.clear();
        it = im.plans.emplace(key, makePlan(m, n, k, bias != nullptr)).first;
    }
    const Plan& p = it->second;
    dnnl::stream stream(cpuEngine());
    // A weight version that runs a second time (inference: the same weights pass after pass) is
    // packed into the layout oneDNN's kernel prefers and read from there until it changes; a
    // version seen once (a training step changes the weight after every pass) is read in place,
    // so training does not pay a reorder per step.
    const uint64_t version = weight.version();
    const bool samePacked = im.packedVersion == version && im.packedDesc == p.packedPd.weights_desc();
    const bool pack = !samePacked && im.seenVersion == version && p.packedPd.weights_desc() != p.plainWeights;
    im.seenVersion = version;
    if (pack) {
        im.packed = memory(); // free the old copy before making the new one
        memory user(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()));
        memory fresh(p.packedPd.weights_desc(), cpuEngine());
        dnnl::reorder(user, fresh).execute(stream, user, fresh);
        im.packed = fresh;
        im.packedDesc = p.packedPd.weights_desc();
        im.packedVersion = version;
        ++im.packings;
    }
    const bool usePacked = samePacked || pack;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.src, cpuEngine(), const_cast<float*>(x))},
                                         {DNNL_ARG_WEIGHTS, usePacked ? im.packed
                                                                      : memory(p.plainWeights, cpuEngine(), const_cast<float*>(weight.data()))},
                                         {DNNL_ARG_DST, memory(p.dst, cpuEngine(), y)}};
    if (bias)
        args.emplace(DNNL_ARG_BIAS, memory(p.biasDesc, cpuEngine(), const_cast<float*>(bias)));
    (usePacked ? p.packed : p.inPlace).execute(stream, args);
    stream.wait();
}

int64_t LinearKernel::packings() const
{
    std::lock_guard lock(m_mutex);
    return m_impl ? m_impl->packings : 0;
}

} // namespace ml::layers
