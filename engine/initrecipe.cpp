#include "engine/initrecipe.h"

#include "engine/layer.h"
#include "engine/module.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace ml {

namespace {

struct Fnv {
    uint64_t h = 1469598103934665603ull;
    void add(std::string_view s)
    {
        for (unsigned char ch : s) {
            h ^= ch;
            h *= 1099511628211ull;
        }
        h ^= 0xff; // separator
        h *= 1099511628211ull;
    }
    void add(int64_t v) { add(std::to_string(v)); }
};

// PyTorch's calc_erfinv (aten/src/ATen/native/Math.h) for float: a rational first guess and two
// Newton steps.
float erfinv(float y)
{
    const float a[4] = {0.886226899f, -1.645349621f, 0.914624893f, -0.140543331f};
    const float b[4] = {-2.118377725f, 1.442710462f, -0.329097515f, 0.012229801f};
    const float c[4] = {-1.970840454f, -1.624906493f, 3.429567803f, 1.641345311f};
    const float d[2] = {3.543889200f, 1.637067800f};
    const float yAbs = std::fabs(y);
    if (yAbs > 1.0f)
        return std::numeric_limits<float>::quiet_NaN();
    if (yAbs == 1.0f)
        return std::copysign(std::numeric_limits<float>::infinity(), y);
    float x = 0.0f;
    if (yAbs <= 0.7f) {
        const float z = y * y;
        const float num = std::fma(std::fma(std::fma(a[3], z, a[2]), z, a[1]), z, a[0]);
        const float dem = std::fma(std::fma(std::fma(std::fma(b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.0f);
        x = y * num / dem;
    } else {
        const float z = std::sqrt(-std::log((1.0f - yAbs) / 2.0f));
        const float num = std::fma(std::fma(std::fma(c[3], z, c[2]), z, c[1]), z, c[0]);
        const float dem = std::fma(std::fma(d[1], z, d[0]), z, 1.0f);
        x = std::copysign(num, y) / dem;
    }
    const float twoOverSqrtPi = 2.0f / static_cast<float>(std::sqrt(3.14159265358979323846));
    x = x - (std::erf(x) - y) / (twoOverSqrtPi * std::exp(-x * x));
    x = x - (std::erf(x) - y) / (twoOverSqrtPi * std::exp(-x * x));
    return x;
}

class Replay {
public:
    Replay(Module& root, uint64_t seed) : m_gen(seed)
    {
        for (const NamedModule& nm : namedModules(root, true)) {
            Module* m = const_cast<Module*>(nm.module); // modules of the non-const root
            auto [it, isNew] = m_canonical.emplace(m->identity(), m);
            m_byPath.emplace(nm.path, it->second);
            m_nodes.push_back(m);
        }
    }

    void run(const InitRecipe& recipe)
    {
        // the values the code gave its own tensors (torch.zeros, torch.tensor) before any step
        for (Module* m : m_nodes)
            if (isCanonical(*m) && m->kind() == ModuleKind::Custom)
                static_cast<CustomModule&>(*m).resetOwnTensors();
        for (const InitStep& s : recipe.steps)
            apply(s);
        for (Module* m : m_nodes) {
            if (!isCanonical(*m))
                m->shareTensors(*m_canonical.at(m->identity()));
            else if (m->kind() == ModuleKind::Layer && !m->hasTensors())
                static_cast<Layer&>(*m).initTensors(m_gen); // not reached by the recipe: PyTorch's default
        }
    }

private:
    bool isCanonical(const Module& m) const { return m_canonical.at(m.identity()) == &m; }

    Tensor* resolve(const InitTarget& t)
    {
        if (t.slot > 0) {
            auto it = m_slots.find(t.slot);
            if (it == m_slots.end())
                it = m_slots.emplace(t.slot, Tensor::zeros(t.shape)).first;
            return &it->second;
        }
        if (t.inTree) {
            auto it = m_byPath.find(t.path);
            if (it != m_byPath.end()) {
                Module& m = *it->second;
                const std::vector<TensorSpec> specs = m.tensorSpecs();
                for (size_t k = 0; k < specs.size(); ++k)
                    if (specs[k].name == t.name) {
                        if (!m.hasTensors()) { // not constructed yet in the recipe: zeros, no draws
                            std::vector<Tensor> zeros;
                            for (const TensorSpec& z : specs)
                                zeros.push_back(Tensor::zeros(z.shape));
                            m.tensors() = std::move(zeros);
                        }
                        if (k < m.tensors().size())
                            return &m.tensors()[k];
                    }
            }
        }
        m_scratch = Tensor::zeros(t.shape);
        return &m_scratch;
    }

    void apply(const InitStep& s)
    {
        using K = InitStep::Kind;
        if (s.kind == K::Reset) {
            if (s.scratch) {
                std::unique_ptr<Module> copy = s.scratch->clone();
                if (copy->kind() == ModuleKind::Layer)
                    static_cast<Layer&>(*copy).initTensors(m_gen);
                return;
            }
            auto it = m_byPath.find(s.target.path);
            if (it != m_byPath.end() && it->second->kind() == ModuleKind::Layer)
                static_cast<Layer&>(*it->second).initTensors(m_gen);
            return;
        }
        if (s.kind == K::NewTensor) {
            m_slots[s.target.slot] = Tensor::filled(s.target.shape, static_cast<float>(s.a));
            return;
        }
        if (s.kind == K::Bind) {
            const Tensor source = *resolve(s.from);
            Tensor& t = *resolve(s.target);
            if (source.numel() == t.numel())
                std::copy(source.data(), source.data() + source.numel(), t.data());
            return;
        }
        if (s.kind == K::Copy) {
            const Tensor source = s.values.empty() ? *resolve(s.from) : Tensor();
            Tensor& t = *resolve(s.target);
            float* out = t.data();
            const int64_t n = t.numel();
            for (int64_t i = 0; i < n; ++i) // values as long as the target, or one broadcast
                out[i] = !s.values.empty() ? s.values[static_cast<size_t>(i) % s.values.size()]
                                           : source.numel() ? source.data()[i % source.numel()] : 0.0f;
            return;
        }
        Tensor& t = *resolve(s.target);
        float* x = t.data();
        const int64_t n = t.numel();
        switch (s.kind) {
        case K::Uniform:
            for (int64_t i = 0; i < n; ++i)
                x[i] = m_gen.uniform(s.a, s.b);
            break;
        case K::Normal: m_gen.normal(x, n, s.a, s.b); break;
        case K::Fill: std::fill(x, x + n, static_cast<float>(s.a)); break;
        case K::Mul:
            for (int64_t i = 0; i < n; ++i)
                x[i] = x[i] * static_cast<float>(s.a);
            break;
        case K::Add:
            for (int64_t i = 0; i < n; ++i)
                x[i] = x[i] + static_cast<float>(s.a);
            break;
        case K::Eye: {
            std::fill(x, x + n, 0.0f);
            const auto& dims = t.shape().dims();
            for (int64_t i = 0; i < std::min(dims[0], dims[1]); ++i)
                x[i * dims[1] + i] = 1.0f;
            break;
        }
        case K::Dirac: {
            std::fill(x, x + n, 0.0f);
            const auto& dims = t.shape().dims();
            const int64_t perGroup = dims[0] / s.n;
            const int64_t minDim = std::min(perGroup, dims[1]);
            int64_t spatial = 1;
            int64_t centre = 0;
            for (size_t k = 2; k < dims.size(); ++k) {
                centre = centre * dims[k] + dims[k] / 2;
                spatial *= dims[k];
            }
            for (int64_t g = 0; g < s.n; ++g)
                for (int64_t dd = 0; dd < minDim; ++dd)
                    x[((g * perGroup + dd) * dims[1] + dd) * spatial + centre] = 1.0f;
            break;
        }
        case K::TruncNormal: {
            // torch.nn.init._no_grad_trunc_normal_: uniform_, erfinv_, mul_, add_, clamp_
            auto cdf = [](double v) { return (1.0 + std::erf(v / std::sqrt(2.0))) / 2.0; };
            const double l = cdf((s.c - s.a) / s.b);
            const double u = cdf((s.d - s.a) / s.b);
            for (int64_t i = 0; i < n; ++i)
                x[i] = m_gen.uniform(2 * l - 1, 2 * u - 1);
            const float scale = static_cast<float>(s.b * std::sqrt(2.0));
            const float mean = static_cast<float>(s.a);
            const float lo = static_cast<float>(s.c);
            const float hi = static_cast<float>(s.d);
            for (int64_t i = 0; i < n; ++i)
                x[i] = std::min(std::max(erfinv(x[i]) * scale + mean, lo), hi);
            break;
        }
        default: break;
        }
    }

    TorchGenerator m_gen;
    std::unordered_map<const void*, Module*> m_canonical;
    std::unordered_map<std::string, Module*> m_byPath;
    std::vector<Module*> m_nodes;
    std::unordered_map<int64_t, Tensor> m_slots;
    Tensor m_scratch;
};

} // namespace

uint64_t treeFingerprint(const Module& root)
{
    Fnv f;
    for (const NamedModule& nm : namedModules(root, true)) {
        f.add(nm.path);
        f.add(nm.module->typeName());
        for (const TensorSpec& s : nm.module->tensorSpecs()) {
            f.add(s.name);
            f.add(s.isBuffer ? 1 : 0);
            for (int64_t d : s.shape.dims())
                f.add(d);
        }
    }
    return f.h;
}

bool initRecipeApplies(const Module& root)
{
    return root.initRecipe() && root.initRecipe()->fingerprint == treeFingerprint(root);
}

bool replayInitRecipe(Module& root, uint64_t seed)
{
    if (!initRecipeApplies(root))
        return false;
    const std::shared_ptr<const InitRecipe> recipe = root.initRecipe(); // kept alive while it runs
    Replay(root, seed).run(*recipe);
    return true;
}

std::optional<std::string> initRecipeNote(const Module& root)
{
    if (!root.initRecipe() || initRecipeApplies(root))
        return std::nullopt;
    return "the model was edited after its code built it: the code's own initialisation (nn.init calls, torch.randn "
           "parameters, in-place changes) no longer applies; the weights get PyTorch's default initialisation in tree "
           "order, as the exported code would";
}

} // namespace ml
