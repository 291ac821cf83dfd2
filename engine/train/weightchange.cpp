#include "engine/train/weightchange.h"

#include <cmath>

namespace ml {

bool isFrozen(const Module& m)
{
    for (const Module* p = &m; p; p = p->parent())
        if (p->frozen())
            return true;
    return false;
}

std::vector<std::string> frozenPaths(const Module& root)
{
    std::vector<std::string> out;
    for (const NamedModule& nm : namedModules(root)) {
        if (nm.module->frozen())
            out.push_back(nm.path);
        for (const std::string& p : nm.module->frozenParameters())
            out.push_back(joinName(nm.path, p));
    }
    return out;
}

std::string notLearningReason(const Module& m)
{
    if (!m.isRegistered())
        return "not registered: a plain Python list";
    if (isFrozen(m))
        return "frozen";
    return {};
}

namespace {

std::vector<const Tensor*> ownParameters(const Module& m)
{
    std::vector<const Tensor*> out;
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    const std::vector<Tensor>& values = m.tensors();
    for (size_t i = 0; i < specs.size() && i < values.size(); ++i)
        if (!specs[i].isBuffer)
            out.push_back(&values[i]);
    return out;
}

} // namespace

WeightSnapshot snapshotWeights(const Module& root)
{
    WeightSnapshot s;
    for (const NamedModule& nm : namedModules(root, true)) {
        std::vector<const Tensor*> params = ownParameters(*nm.module);
        if (params.empty())
            continue;
        WeightSnapshot::Entry e{nm.path, {}};
        for (const Tensor* t : params)
            e.params.push_back(*t); // an owning copy
        s.entries.push_back(std::move(e));
    }
    return s;
}

std::vector<LayerChange> weightChanges(const Module& root, const WeightSnapshot& initial)
{
    std::vector<LayerChange> out;
    for (const WeightSnapshot::Entry& e : initial.entries) {
        const Module* m = const_cast<Module&>(root).findPath(e.path);
        if (!m)
            continue;
        const std::vector<const Tensor*> now = ownParameters(*m);
        double diff = 0.0, base = 0.0;
        for (size_t i = 0; i < now.size() && i < e.params.size(); ++i) {
            const Tensor& a = *now[i];
            const Tensor& b = e.params[i];
            for (int64_t k = 0; k < a.numel() && k < b.numel(); ++k) {
                const double d = static_cast<double>(a[k]) - static_cast<double>(b[k]);
                diff += d * d;
                base += static_cast<double>(b[k]) * static_cast<double>(b[k]);
            }
        }
        LayerChange c{e.path, base > 0.0 ? std::sqrt(diff / base) : std::sqrt(diff), notLearningReason(*m)};
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace ml
