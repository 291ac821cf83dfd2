#include "engine/analysis/fusion.h"

#include "engine/layers/conv.h"
#include "engine/layers/norm.h"
#include "engine/module.h"

namespace ml::detail {

// A convolution call whose output a BatchNorm call takes at once (and a ReLU after that):
// `self.<bn>(self.<conv>(x))`, optionally inside F.relu / torch.relu / self.<relu>.
struct Fusion::Site {
    std::string conv, bn;
    std::string reluModule;      // self.<reluModule>(...)
    std::string reluNamespace;   // "F" or "torch" for F.relu(...) / torch.relu(...)
};

namespace {

const std::string* selfAttr(const Expr& e)
{
    if (e.kind == Expr::Kind::Attr && e.items.size() == 1 && e.items[0].kind == Expr::Kind::Name && e.items[0].text == "self")
        return &e.text;
    return nullptr;
}

// self.<name>(one positional argument), without keywords.
const std::string* selfCall(const Expr& e)
{
    if (e.kind != Expr::Kind::Call || e.items.size() != 2 || !e.keywords.empty() || e.items[1].kind == Expr::Kind::Starred)
        return nullptr;
    return selfAttr(e.items[0]);
}

// The convolution call inside `self.bn(self.conv(x))`, or null.
const Expr* convInsideBn(const Expr& e)
{
    if (!selfCall(e) || !selfCall(e.items[1]))
        return nullptr;
    return &e.items[1];
}

using Sites = std::unordered_map<const Expr*, Fusion::Site>;

void scanExpr(const Expr& e, Sites& sites)
{
    if (const Expr* conv = convInsideBn(e)) {
        Fusion::Site& s = sites[conv];
        s.conv = *selfAttr(conv->items[0]);
        s.bn = *selfAttr(e.items[0]);
    }
    if (e.kind == Expr::Kind::Call && e.items.size() == 2) {
        const Expr* conv = convInsideBn(e.items[1]);
        const Expr& callee = e.items[0];
        bool onlyInplace = true;
        for (const auto& [name, value] : e.keywords)
            onlyInplace = onlyInplace && name == "inplace";
        if (conv && onlyInplace) {
            Fusion::Site s{*selfAttr(conv->items[0]), *selfAttr(e.items[1].items[0]), {}, {}};
            if (selfAttr(callee) && e.keywords.empty())
                s.reluModule = callee.text;
            else if (callee.kind == Expr::Kind::Attr && callee.text == "relu" && callee.items[0].kind == Expr::Kind::Name
                     && (callee.items[0].text == "F" || callee.items[0].text == "torch"))
                s.reluNamespace = callee.items[0].text;
            sites[conv] = std::move(s);
        }
    }
    for (const Expr& x : e.items)
        scanExpr(x, sites);
    for (const auto& kv : e.keywords)
        scanExpr(kv.second, sites);
}

void scanBody(const std::vector<Stmt>& body, Sites& sites)
{
    for (const Stmt& s : body) {
        scanExpr(s.value, sites);
        scanExpr(s.target, sites);
        scanBody(s.body, sites);
        scanBody(s.orelse, sites);
    }
}

const Module* childNamed(const Module& m, const std::string& name)
{
    for (const Module::Child& c : m.children())
        if (c.name == name)
            return c.module.get();
    return nullptr;
}

const Layer* layerOfType(const Module* m, std::string_view type)
{
    if (!m || m->kind() != ModuleKind::Layer || m->typeName() != type)
        return nullptr;
    return static_cast<const Layer*>(m);
}

bool isNamespace(const std::string& name, const char* qualified, const Evaluator::Scope& locals, const Evaluator::Scope& globals)
{
    if (locals.count(name))
        return false;
    auto it = globals.find(name);
    return it != globals.end() && it->second.kind == Value::Kind::Namespace && it->second.s == qualified;
}

} // namespace

Fusion::Fusion() = default;
Fusion::~Fusion() = default;

const std::unordered_map<const Expr*, Fusion::Site>& Fusion::sitesOf(const ForwardProgram& p)
{
    auto& slot = m_sites[&p];
    if (!slot) {
        slot = std::make_unique<Sites>();
        scanBody(p.body, *slot);
        for (const Method& meth : p.methods)
            scanBody(meth.body, *slot);
    }
    return *slot;
}

void Fusion::beforeSequentialChild(const Module& seq, size_t index, const Training& training)
{
    m_plan = {};
    const auto& children = seq.children();
    if (index + 1 >= children.size())
        return;
    const auto* conv = static_cast<const Conv2d*>(layerOfType(children[index].module.get(), "Conv2d"));
    const auto* bn = static_cast<const BatchNormBase*>(layerOfType(children[index + 1].module.get(), "BatchNorm2d"));
    if (!conv || !bn || training(*bn) || !layers::ConvBnFold::foldable(*bn, conv->options().outChannels))
        return;
    m_plan = {conv, bn, index + 2 < children.size() ? layerOfType(children[index + 2].module.get(), "ReLU") : nullptr, false};
}

void Fusion::beforeProgramCall(const Module& callee, const Module* self, const Expr* call, const Evaluator::Scope& locals,
                               const Evaluator::Scope& globals, const Training& training)
{
    m_plan = {};
    if (!self || !call || self->kind() != ModuleKind::Custom || !layerOfType(&callee, "Conv2d"))
        return;
    const Sites& sites = sitesOf(static_cast<const CustomModule*>(self)->program());
    auto it = sites.find(call);
    if (it == sites.end() || childNamed(*self, it->second.conv) != &callee)
        return;
    const Site& s = it->second;
    const auto* conv = static_cast<const Conv2d*>(&callee);
    const auto* bn = static_cast<const BatchNormBase*>(layerOfType(childNamed(*self, s.bn), "BatchNorm2d"));
    if (!bn || training(*bn) || !layers::ConvBnFold::foldable(*bn, conv->options().outChannels))
        return;
    m_plan = {conv, bn, nullptr, false};
    if (!s.reluModule.empty())
        m_plan.relu = layerOfType(childNamed(*self, s.reluModule), "ReLU");
    else if (s.reluNamespace == "F")
        m_plan.functionalRelu = isNamespace("F", "torch.nn.functional", locals, globals);
    else if (s.reluNamespace == "torch")
        m_plan.functionalRelu = isNamespace("torch", "torch", locals, globals);
}

bool Fusion::compute(const Layer& layer, const Tensor& in, Tensor& out)
{
    const Plan plan = m_plan;
    m_plan = {};
    if (plan.conv != &layer || in.shape().rank() != 4)
        return false;
    layers::ConvEpilogue epilogue;
    epilogue.relu = plan.relu || plan.functionalRelu;
    plan.conv->forwardFused(in, out, *plan.bn, epilogue);
    m_applied = plan;
    m_fused = &out;
    m_stepsLeft = epilogue.relu ? 2 : 1;
    return true;
}

bool Fusion::passThrough(const Layer& layer, const Tensor* in)
{
    if (m_stepsLeft == 0 || !in || in != m_fused)
        return false;
    const bool bnStep = m_stepsLeft == (m_applied.relu || m_applied.functionalRelu ? 2 : 1);
    const bool matches = bnStep ? &layer == m_applied.bn
                                : (m_applied.relu ? &layer == m_applied.relu : layer.typeName() == "ReLU");
    if (!matches) {
        m_stepsLeft = 0;
        return false;
    }
    --m_stepsLeft;
    return true;
}

} // namespace ml::detail
