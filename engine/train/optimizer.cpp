#include "engine/train/optimizer.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace ml {

OptimizerOptions defaultOptimizerOptions(OptimizerKind kind)
{
    OptimizerOptions o;
    o.kind = kind;
    if (kind != OptimizerKind::Sgd)
        o.lr = 1e-3;
    if (kind == OptimizerKind::AdamW)
        o.weightDecay = 1e-2;
    return o;
}

std::optional<OptimizerKind> optimizerKindFromName(const std::string& name)
{
    if (name == "sgd")
        return OptimizerKind::Sgd;
    if (name == "adam")
        return OptimizerKind::Adam;
    if (name == "adamw")
        return OptimizerKind::AdamW;
    return std::nullopt;
}

namespace {
std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    if (s.find_first_of(".en") == std::string::npos)
        s += ".0";
    return s;
}
} // namespace

std::optional<std::string> validate(const OptimizerOptions& o)
{
    if (!(o.lr >= 0.0))
        return "Invalid learning rate: " + num(o.lr);
    if (!(o.weightDecay >= 0.0))
        return "Invalid weight_decay value: " + num(o.weightDecay);
    if (o.kind == OptimizerKind::Sgd) {
        if (!(o.momentum >= 0.0))
            return "Invalid momentum value: " + num(o.momentum);
        if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0))
            return std::string("Nesterov momentum requires a momentum and zero dampening");
        return std::nullopt;
    }
    if (!(o.eps >= 0.0))
        return "Invalid epsilon value: " + num(o.eps);
    if (!(o.beta1 >= 0.0 && o.beta1 < 1.0))
        return "Invalid beta parameter at index 0: " + num(o.beta1);
    if (!(o.beta2 >= 0.0 && o.beta2 < 1.0))
        return "Invalid beta parameter at index 1: " + num(o.beta2);
    return std::nullopt;
}

std::optional<std::string> emptyParameterListProblem(Module& root)
{
    for (const StateEntry& e : stateDict(root)) // the names only: the weights may not exist yet
        if (!e.spec.isBuffer)
            return std::nullopt;
    return "PyTorch would fail: ValueError: optimizer got an empty parameter list. model.parameters() yields "
           "nothing: the model registers no parameter (layers kept in a plain Python list are not registered; "
           "use nn.ModuleList)";
}

void ownTrainingTensors(Module& root)
{
    std::map<const void*, Module*> first; // a module stored in several places is one object
    for (const NamedModule& nm : namedModules(root, true)) {
        Module& m = const_cast<Module&>(*nm.module); // modules of the non-const root
        if (std::as_const(m).tensors().empty())
            continue;
        const auto [it, isNew] = first.emplace(m.identity(), &m);
        if (isNew)
            m.tensors(); // copies them if anything else still shares them
        else
            m.shareTensors(*it->second);
    }
}

std::vector<Tensor*> modelParameters(Module& root, const std::vector<std::string>& frozen)
{
    auto isFrozen = [&](const std::string& path) {
        for (const std::string& f : frozen)
            if (f.empty() || path == f || path.rfind(f + ".", 0) == 0)
                return true;
        return false;
    };
    ownTrainingTensors(root);
    std::vector<Tensor*> out;
    std::set<const Tensor*> seen;
    for (const StateEntry& e : stateDict(root)) {
        if (e.spec.isBuffer || isFrozen(e.key) || !e.module->requiresGrad(e.spec.name)) // frozen modules and parameters
            continue;
        const Tensor* p = &e.module->tensors()[static_cast<size_t>(e.specIndex)];
        if (seen.insert(p).second)
            out.push_back(const_cast<Tensor*>(p)); // the non-const root's: owned since ownTrainingTensors
    }
    return out;
}

Optimizer::Optimizer(std::vector<Tensor*> params, OptimizerOptions options)
    : m_params(std::move(params)), m_state(m_params.size()), m_opt(options)
{
}

void Optimizer::step(const ParamGrads& grads)
{
    for (size_t i = 0; i < m_params.size(); ++i) {
        const auto it = grads.find(m_params[i]);
        if (it == grads.end())
            continue;
        if (m_opt.kind == OptimizerKind::Sgd)
            sgd(*m_params[i], it->second, m_state[i]);
        else
            adam(*m_params[i], it->second, m_state[i]);
    }
}

void Optimizer::sgd(Tensor& p, const Tensor& g, State& s)
{
    const float wd = static_cast<float>(m_opt.weightDecay), mom = static_cast<float>(m_opt.momentum);
    const float damp = static_cast<float>(1.0 - m_opt.dampening), lr = static_cast<float>(m_opt.lr);
    const bool first = s.momentum.numel() != p.numel();
    if (mom != 0.0f && first)
        s.momentum = Tensor(p.shape());
    for (int64_t k = 0; k < p.numel(); ++k) {
        float d = g[k];
        if (wd != 0.0f)
            d += wd * p[k];
        if (mom != 0.0f) {
            float& buf = s.momentum[k];
            buf = first ? d : buf * mom + damp * d;
            d = m_opt.nesterov ? d + mom * buf : buf;
        }
        p[k] += -lr * d;
    }
}

void Optimizer::adam(Tensor& p, const Tensor& g, State& s)
{
    if (s.momentum.numel() != p.numel()) {
        s.momentum = Tensor::zeros(p.shape());
        s.sq = Tensor::zeros(p.shape());
        if (m_opt.amsgrad)
            s.maxSq = Tensor::zeros(p.shape());
    }
    ++s.step;
    const double lr = m_opt.lr;
    const float b1 = static_cast<float>(m_opt.beta1), b2 = static_cast<float>(m_opt.beta2);
    const float wd = static_cast<float>(m_opt.weightDecay), eps = static_cast<float>(m_opt.eps);
    const double bc1 = 1.0 - std::pow(m_opt.beta1, static_cast<double>(s.step));
    const double bc2 = 1.0 - std::pow(m_opt.beta2, static_cast<double>(s.step));
    const float stepSize = static_cast<float>(lr / bc1);
    const float bc2Sqrt = static_cast<float>(std::sqrt(bc2));
    const bool adamw = m_opt.kind == OptimizerKind::AdamW;
    const float decay = static_cast<float>(1.0 - lr * m_opt.weightDecay);
    for (int64_t k = 0; k < p.numel(); ++k) {
        float grad = g[k];
        if (adamw)
            p[k] *= decay;
        else if (wd != 0.0f)
            grad += wd * p[k];
        float& m = s.momentum[k];
        float& v = s.sq[k];
        m = m * b1 + (1.0f - b1) * grad;
        v = v * b2 + (1.0f - b2) * grad * grad;
        float sq = v;
        if (m_opt.amsgrad) {
            s.maxSq[k] = std::max(s.maxSq[k], v);
            sq = s.maxSq[k];
        }
        const float denom = std::sqrt(sq) / bc2Sqrt + eps;
        p[k] += -stepSize * (m / denom);
    }
}

double LrSchedule::lrAt(double baseLr, int64_t epoch) const
{
    switch (kind) {
    case Kind::Constant: return baseLr;
    case Kind::Step: return baseLr * std::pow(gamma, static_cast<double>(epoch / std::max<int64_t>(stepSize, 1)));
    case Kind::Cosine:
        return etaMin + (baseLr - etaMin) * (1.0 + std::cos(M_PI * static_cast<double>(epoch) / static_cast<double>(tMax))) / 2.0;
    }
    return baseLr;
}

} // namespace ml
