#include "engine/analysis/fusion.h"

#include "engine/layers/activation.h"
#include "engine/layers/conv.h"
#include "engine/layers/norm.h"
#include "engine/module.h"

namespace ml::detail {

// A convolution call whose output a BatchNorm call takes at once (and a ReLU after that):
// `self.<bn>(self.<conv>(x))`, optionally inside F.relu / torch.relu / self.<relu>.
struct Fusion::Site {
    std::string conv, bn;
    std::string reluModule;      // self.<reluModule>(...): an activation module
    std::string reluNamespace;   // "F" or "torch" for F.relu(...) / torch.relu(...)
    // A residual added to the BatchNorm's output (no activation between): `name` or
    // `self.<residualModule>(name)`, then optionally an activation as above.
    std::string residualName, residualModule;
    std::string afterModule, afterNamespace;
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

// An activation call on one argument: self.<m>(arg) or F.relu / torch.relu (inplace= only).
// Sets module or ns and returns the argument, or null.
const Expr* activationCall(const Expr& e, std::string& module, std::string& ns)
{
    if (e.kind != Expr::Kind::Call || e.items.size() != 2 || e.items[1].kind == Expr::Kind::Starred)
        return nullptr;
    for (const auto& [name, value] : e.keywords)
        if (name != "inplace")
            return nullptr;
    const Expr& callee = e.items[0];
    if (selfAttr(callee) && e.keywords.empty()) {
        module = callee.text;
        return &e.items[1];
    }
    if (callee.kind == Expr::Kind::Attr && callee.text == "relu" && callee.items[0].kind == Expr::Kind::Name
        && (callee.items[0].text == "F" || callee.items[0].text == "torch")) {
        ns = callee.items[0].text;
        return &e.items[1];
    }
    return nullptr;
}

bool isName(const Expr& e, const std::string& name) { return e.kind == Expr::Kind::Name && e.text == name; }

// The residual r of `t + r` / `r + t`: a name other than t, or self.<m>(name): sets name and
// module; false when e is no such sum.
bool residualOf(const Expr& e, const std::string& t, Fusion::Site& s)
{
    if (e.kind != Expr::Kind::BinOp || e.text != "+" || e.items.size() != 2)
        return false;
    const Expr* r = isName(e.items[0], t) ? &e.items[1] : isName(e.items[1], t) ? &e.items[0] : nullptr;
    if (!r)
        return false;
    const Expr* name = r;
    std::string module;
    if (const std::string* m = selfCall(*r)) {
        module = *m;
        name = &r->items[1];
    }
    if (name->kind != Expr::Kind::Name || name->text == t || name->text == "self")
        return false;
    s.residualName = name->text;
    s.residualModule = module;
    return true;
}

// After `t = self.bn(self.conv(y))` at body[i]: `t = t + r`, `t += r` or `return t + r`
// (optionally followed by `t = act(t)` / `return act(t)`), or `t = act(t + r)` /
// `return act(t + r)`. Every later reader of t sees the sum (and the activation).
bool scanResidualTail(const std::vector<Stmt>& body, size_t i, const std::string& t, Fusion::Site& s)
{
    if (i + 1 >= body.size())
        return false;
    const Stmt& next = body[i + 1];
    const bool assignsT = next.kind == Stmt::Kind::Assign && next.targets.size() == 1 && next.targets[0] == t;
    const bool returns = next.kind == Stmt::Kind::Return;
    if (next.kind == Stmt::Kind::AugAssign) {
        if (next.op != "+" || !isName(next.target, t))
            return false;
        Expr sum;
        sum.kind = Expr::Kind::BinOp;
        sum.text = "+";
        sum.items = {Expr::name(t), next.value};
        if (!residualOf(sum, t, s))
            return false;
    } else if (!assignsT && !returns) {
        return false;
    } else if (!residualOf(next.value, t, s)) {
        std::string module, ns;
        const Expr* arg = activationCall(next.value, module, ns);
        if (!arg || !residualOf(*arg, t, s))
            return false;
        s.afterModule = module;
        s.afterNamespace = ns;
        return true;
    }
    if (returns || i + 2 >= body.size())
        return true;
    const Stmt& act = body[i + 2];
    const bool actAssignsT = act.kind == Stmt::Kind::Assign && act.targets.size() == 1 && act.targets[0] == t;
    if (!actAssignsT && act.kind != Stmt::Kind::Return)
        return true;
    std::string module, ns;
    const Expr* arg = activationCall(act.value, module, ns);
    if (arg && isName(*arg, t)) {
        s.afterModule = module;
        s.afterNamespace = ns;
    }
    return true;
}

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
            Fusion::Site s;
            s.conv = *selfAttr(conv->items[0]);
            s.bn = *selfAttr(e.items[1].items[0]);
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

// One layer per statement, as torchvision writes it: `t = self.conv(y)`, `t = self.bn(t)`, then
// optionally `t = self.relu(t)` / `t = F.relu(t)` and a residual tail as above. Each statement
// replaces t, so nothing else sees the convolution's or the BatchNorm's output.
void scanStatementSteps(const std::vector<Stmt>& body, size_t i, Sites& sites)
{
    const Stmt& s = body[i];
    const std::string& t = s.targets[0];
    const std::string* conv = selfCall(s.value);
    if (!conv || i + 1 >= body.size())
        return;
    auto assignsT = [&](const Stmt& x) { return x.kind == Stmt::Kind::Assign && x.targets.size() == 1 && x.targets[0] == t; };
    const Stmt& bn = body[i + 1];
    const std::string* bnName = assignsT(bn) ? selfCall(bn.value) : nullptr;
    if (!bnName || !isName(bn.value.items[1], t))
        return;
    Fusion::Site site;
    site.conv = *conv;
    site.bn = *bnName;
    if (i + 2 < body.size() && (assignsT(body[i + 2]) || body[i + 2].kind == Stmt::Kind::Return)) {
        const Expr* arg = activationCall(body[i + 2].value, site.reluModule, site.reluNamespace);
        if (arg && isName(*arg, t)) {
            sites[&s.value] = std::move(site);
            return;
        }
        site.reluModule.clear();
        site.reluNamespace.clear();
    }
    scanResidualTail(body, i + 1, t, site);
    sites[&s.value] = std::move(site);
}

void scanBody(const std::vector<Stmt>& body, Sites& sites)
{
    for (size_t i = 0; i < body.size(); ++i) {
        const Stmt& s = body[i];
        scanExpr(s.value, sites);
        scanExpr(s.target, sites);
        scanBody(s.body, sites);
        scanBody(s.orelse, sites);
        const Expr* conv = s.kind == Stmt::Kind::Assign && s.targets.size() == 1 ? convInsideBn(s.value) : nullptr;
        if (conv) {
            Fusion::Site tail = sites[conv];
            if (scanResidualTail(body, i, s.targets[0], tail))
                sites[conv] = std::move(tail);
        } else if (s.kind == Stmt::Kind::Assign && s.targets.size() == 1) {
            scanStatementSteps(body, i, sites);
        }
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

bool isActivation(const Module* m) { return m && m->kind() == ModuleKind::Layer && Fusion::fusedActivation(static_cast<const Layer&>(*m)); }

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

std::optional<layers::ConvActivation> Fusion::fusedActivation(const Layer& layer)
{
    using K = layers::ConvActivation::Kind;
    const std::string type = layer.typeName();
    if (type == "ReLU")
        return layers::ConvActivation{K::Relu, 0.0f, 0.0f};
    if (type == "LeakyReLU")
        return layers::ConvActivation{K::Relu, static_cast<float>(static_cast<const LeakyReLU&>(layer).options().negativeSlope), 0.0f};
    if (type == "ReLU6")
        return layers::ConvActivation{K::Clip, 0.0f, 6.0f};
    if (type == "SiLU")
        return layers::ConvActivation{K::Swish, 1.0f, 0.0f};
    if (type == "Hardswish")
        return layers::ConvActivation{K::Hardswish, 0.0f, 0.0f};
    if (type == "GELU")
        return layers::ConvActivation{static_cast<const GELU&>(layer).options().tanhApproximation ? K::GeluTanh : K::GeluErf, 0.0f, 0.0f};
    return std::nullopt;
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
    m_plan.conv = conv;
    m_plan.bn = bn;
    if (index + 2 < children.size() && isActivation(children[index + 2].module.get()))
        m_plan.act = static_cast<const Layer*>(children[index + 2].module.get());
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
    m_plan.conv = conv;
    m_plan.bn = bn;
    if (!s.reluModule.empty() && isActivation(childNamed(*self, s.reluModule)))
        m_plan.act = static_cast<const Layer*>(childNamed(*self, s.reluModule));
    else if (s.reluNamespace == "F")
        m_plan.functionalRelu = isNamespace("F", "torch.nn.functional", locals, globals);
    else if (s.reluNamespace == "torch")
        m_plan.functionalRelu = isNamespace("torch", "torch", locals, globals);
    if (!s.residualName.empty() && !planResidual(s, *self, locals, globals, training)) {
        m_plan.residual.reset();
        m_plan.after = nullptr;
        m_plan.functionalReluAfter = false;
    }
}

bool Fusion::planResidual(const Site& s, const Module& self, const Evaluator::Scope& locals, const Evaluator::Scope& globals,
                          const Training& training)
{
    auto it = locals.find(s.residualName);
    if (it == locals.end() || !it->second.isTensor() || !it->second.data)
        return false;
    if (!s.residualModule.empty()) {
        // Only a shortcut that hands its input on as it is: its value exists already.
        const Module* m = childNamed(self, s.residualModule);
        const bool emptySequential = m && m->kind() == ModuleKind::Sequential && m->children().empty() && !m->ownForward();
        const bool identity = m && layerOfType(m, "Identity") && !training(*m);
        if (!emptySequential && !identity)
            return false;
    }
    m_plan.residual = it->second.data;
    m_plan.residualShape = it->second.shape;
    if (!s.afterModule.empty()) {
        const Module* act = childNamed(self, s.afterModule);
        if (!isActivation(act))
            return true; // the sum is fused, the activation runs on its own
        m_plan.after = static_cast<const Layer*>(act);
    } else if (s.afterNamespace == "F") {
        m_plan.functionalReluAfter = isNamespace("F", "torch.nn.functional", locals, globals);
    } else if (s.afterNamespace == "torch") {
        m_plan.functionalReluAfter = isNamespace("torch", "torch", locals, globals);
    }
    return true;
}

bool Fusion::compute(const Layer& layer, const Tensor& in, Tensor& out)
{
    Plan plan = m_plan;
    m_plan = {};
    if (plan.conv != &layer || in.shape().rank() != 4)
        return false;
    const layers::ConvActivation relu{layers::ConvActivation::Kind::Relu, 0.0f, 0.0f};
    layers::ConvEpilogue epilogue;
    if (plan.act)
        epilogue.act = *fusedActivation(*plan.act);
    else if (plan.functionalRelu)
        epilogue.act = relu;
    // The residual only where it has the output's shape (else the + broadcasts or fails on its own).
    const ShapeResult r = plan.conv->outputShape(in.shape());
    if (plan.residual && (!r.ok() || !(plan.residualShape == r.shape) || plan.residual->numel() != r.shape.numel().value_or(-1)))
        plan.residual.reset();
    if (plan.residual) {
        epilogue.residual = plan.residual->data();
        if (plan.after)
            epilogue.after = *fusedActivation(*plan.after);
        else if (plan.functionalReluAfter)
            epilogue.after = relu;
    } else {
        plan.after = nullptr;
        plan.functionalReluAfter = false;
    }
    plan.conv->forwardFused(in, out, *plan.bn, epilogue);
    m_steps = {Step::Bn};
    if (plan.act || plan.functionalRelu)
        m_steps.push_back(Step::Act);
    if (plan.residual)
        m_steps.push_back(Step::Add);
    if (plan.after || plan.functionalReluAfter)
        m_steps.push_back(Step::After);
    m_next = 0;
    m_applied = std::move(plan);
    m_fused = &out;
    return true;
}

bool Fusion::passThrough(const Layer& layer, const Tensor* in)
{
    if (m_next >= m_steps.size() || !in || in != m_fused)
        return false;
    bool matches = false;
    switch (m_steps[m_next]) {
    case Step::Bn: matches = &layer == m_applied.bn; break;
    case Step::Act: matches = m_applied.act ? &layer == m_applied.act : layer.typeName() == "ReLU"; break;
    case Step::After: matches = m_applied.after ? &layer == m_applied.after : layer.typeName() == "ReLU"; break;
    case Step::Add: break;
    }
    if (!matches) {
        m_steps.clear();
        return false;
    }
    ++m_next;
    return true;
}

const Value* Fusion::passThroughAdd(const Value& a, const Value& b)
{
    if (m_next >= m_steps.size() || m_steps[m_next] != Step::Add)
        return nullptr;
    const Tensor* residual = m_applied.residual.get();
    const Value* fused = a.data.get() == m_fused && b.data.get() == residual ? &a
                         : b.data.get() == m_fused && a.data.get() == residual ? &b
                                                                               : nullptr;
    if (!fused)
        return nullptr;
    ++m_next;
    if (m_next == m_steps.size())
        m_applied.residual.reset();
    return fused;
}

} // namespace ml::detail
