// The initialisation a model's code makes, recorded while the code builds the model: each
// layer's construction (its reset_parameters draws), the tensors the code creates with torch.*,
// torch.nn.init calls and in-place changes of parameters and buffers, in PyTorch's order.
// initWeights replays them (engine/initrecipe.h).
#include "engine/python/evaluator.h"

#include "engine/layer.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace ml::detail {

namespace {

// Where an in-place change of x writes, or false when x is no tensor ModuleLab follows.
bool targetOf(const Value& x, InitTarget& t, const Module*& module)
{
    if (!x.isTensor())
        return false;
    t.shape = x.shape;
    if (x.module && x.items.size() == 1 && x.items[0].kind == Value::Kind::Str && (x.s == "parameter" || x.s == "buffer")) {
        module = x.module;
        t.name = x.items[0].s;
        return true;
    }
    if (x.i > 0) {
        t.slot = x.i;
        return true;
    }
    return false;
}

// A function's arguments bound to its parameters as Python binds them (positional, then by keyword).
struct Bound {
    std::vector<std::optional<Value>> values;
    const Value& operator[](size_t k) const { return *values[k]; }
};

Bound bindArgs(Evaluator& e, const std::string& fn, const std::vector<std::pair<std::string, std::optional<Value>>>& params,
               Evaluator::Args args, Evaluator::Kwargs kwargs, SourceLoc loc)
{
    Bound b;
    b.values.resize(params.size());
    if (args.size() > params.size())
        e.fail(loc, "TypeError: " + fn + "() takes from 1 to " + std::to_string(params.size()) + " positional arguments but "
                        + std::to_string(args.size()) + " were given");
    for (size_t k = 0; k < args.size(); ++k)
        b.values[k] = std::move(args[k]);
    for (auto& [name, v] : kwargs) {
        auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
        if (it == params.end())
            e.fail(loc, "TypeError: " + fn + "() got an unexpected keyword argument '" + name + "'");
        const size_t k = static_cast<size_t>(it - params.begin());
        if (b.values[k])
            e.fail(loc, "TypeError: " + fn + "() got multiple values for argument '" + name + "'");
        b.values[k] = std::move(v);
    }
    for (size_t k = 0; k < params.size(); ++k)
        if (!b.values[k]) {
            if (!params[k].second)
                e.fail(loc, "TypeError: " + fn + "() missing 1 required positional argument: '" + params[k].first + "'");
            b.values[k] = params[k].second;
        }
    return b;
}

double numberArg(Evaluator& e, const Value& v, const std::string& fn, const std::string& name, SourceLoc loc)
{
    if (!v.isNumber())
        e.notYet(loc, fn + "() with " + name + " = a " + typeNameOf(v) + " (a number is expected)");
    return v.number();
}

// torch.nn.init.calculate_gain
double calculateGain(Evaluator& e, const Value& nonlinearity, const Value& param, SourceLoc loc, bool& isInt)
{
    isInt = false;
    const std::string n = nonlinearity.kind == Value::Kind::Str ? nonlinearity.s : e.repr(nonlinearity);
    static const std::vector<std::string> linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                                    "conv_transpose3d", "sigmoid"};
    if (nonlinearity.kind == Value::Kind::Str && std::find(linear.begin(), linear.end(), n) != linear.end()) {
        isInt = true;
        return 1.0;
    }
    if (n == "tanh")
        return 5.0 / 3;
    if (n == "relu")
        return std::sqrt(2.0);
    if (n == "leaky_relu") {
        double slope = 0.01;
        if (param.kind == Value::Kind::Int || param.kind == Value::Kind::Float)
            slope = param.number();
        else if (param.kind != Value::Kind::None)
            e.fail(loc, "ValueError: negative_slope " + e.str(param) + " not a valid number");
        return std::sqrt(2.0 / (1 + slope * slope));
    }
    if (n == "selu")
        return 3.0 / 4;
    e.fail(loc, "ValueError: Unsupported nonlinearity " + e.str(nonlinearity));
}

// torch.nn.init._calculate_fan_in_and_fan_out
std::pair<int64_t, int64_t> fans(Evaluator& e, const Shape& s, SourceLoc loc)
{
    if (s.rank() < 2)
        e.fail(loc, "ValueError: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
    int64_t receptive = 1;
    for (int k = 2; k < s.rank(); ++k)
        receptive *= s.dims()[static_cast<size_t>(k)];
    return {s.dims()[1] * receptive, s.dims()[0] * receptive};
}

// The attribute PyTorch's nn.init function reads first from its tensor (the error for None).
// xavier_* and kaiming_* draw with a standard deviation: uniformly within +-sqrt(3) * std (the same
// spread), or from a normal distribution.
void setScaledDraw(InitStep& step, bool uniform, double std)
{
    if (uniform) {
        const double bound = std::sqrt(3.0) * std;
        step.kind = InitStep::Kind::Uniform;
        step.a = -bound;
        step.b = bound;
    } else {
        step.kind = InitStep::Kind::Normal;
        step.a = 0.0;
        step.b = std;
    }
}

std::string firstUse(const std::string& fn)
{
    if (fn == "constant_" || fn == "ones_")
        return "fill_";
    if (fn == "zeros_")
        return "zero_";
    if (fn == "trunc_normal_")
        return "uniform_";
    if (fn == "eye_" || fn == "dirac_")
        return "ndimension";
    if (fn == "xavier_uniform_" || fn == "xavier_normal_")
        return "dim";
    if (fn == "kaiming_uniform_" || fn == "kaiming_normal_")
        return "shape";
    return fn;
}

} // namespace

void Evaluator::recordReset(const Module& layer)
{
    InitEvent ev;
    ev.step.kind = InitStep::Kind::Reset;
    ev.module = &layer;
    m_initEvents.push_back(std::move(ev));
}

Value Evaluator::newInitTensor(Value t, double fill, std::optional<InitStep> op)
{
    t.i = ++m_nextSlot;
    InitEvent ev;
    ev.step.kind = InitStep::Kind::NewTensor;
    ev.step.target.slot = t.i;
    ev.step.target.shape = t.shape;
    ev.step.a = fill;
    m_initEvents.push_back(ev);
    if (op) {
        InitEvent opEv;
        opEv.step = std::move(*op);
        opEv.step.target = ev.step.target;
        m_initEvents.push_back(std::move(opEv));
    }
    return t;
}

void Evaluator::recordBind(const Value& t, const Module& m, const std::string& name, SourceLoc loc)
{
    if (t.i <= 0)
        return;
    if (m_unsetSlots.count(t.i))
        warn(loc, "torch.empty leaves the values of '" + name + "' as whatever memory held (PyTorch gives no initial values); "
                      "ModuleLab starts it at zeros",
             Severity::Info);
    InitEvent ev;
    ev.step.kind = InitStep::Kind::Bind;
    ev.step.from.slot = t.i;
    ev.step.from.shape = t.shape;
    ev.step.target.name = name;
    ev.step.target.shape = t.shape;
    ev.module = &m;
    m_initEvents.push_back(std::move(ev));
}

Value Evaluator::initFunction(const std::string& called, Args args, Kwargs kwargs, SourceLoc loc)
{
    std::string fn = called;
    static const std::vector<std::string> deprecated = {"uniform", "normal", "constant", "xavier_uniform", "xavier_normal",
                                                        "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"};
    if (std::find(deprecated.begin(), deprecated.end(), fn) != deprecated.end()) {
        warn(loc, "UserWarning: nn.init." + fn + " is now deprecated in favor of nn.init." + fn + "_.", Severity::Info);
        fn += "_";
    }
    using P = std::vector<std::pair<std::string, std::optional<Value>>>;
    const std::optional<Value> none = Value::none();
    if (fn == "calculate_gain") {
        const Bound b = bindArgs(*this, fn, P{{"nonlinearity", std::nullopt}, {"param", none}}, std::move(args), std::move(kwargs), loc);
        bool isInt = false;
        const double g = calculateGain(*this, b[0], b[1], loc, isInt);
        return isInt ? Value::ofInt(1) : Value::ofFloat(g);
    }
    if (fn == "sparse_")
        notYet(loc, "nn.init.sparse_() (the rows it zeroes come from torch.randperm, which ModuleLab does not draw yet)");
    if (fn == "orthogonal_") {
        // PyTorch draws normal_(0, 1) values of the tensor's size, then orthogonalises them with a
        // QR decomposition ModuleLab does not compute: the draws are replayed (so every later
        // weight is PyTorch's), the tensor keeps them as they were drawn.
        const Bound b = bindArgs(*this, fn, P{{"tensor", std::nullopt}, {"gain", Value::ofInt(1)}}, std::move(args), std::move(kwargs), loc);
        const Value& tensor = b[0];
        if (!tensor.isTensor())
            fail(loc, "AttributeError: '" + typeNameOf(tensor) + "' object has no attribute 'ndimension'");
        if (tensor.shape.rank() < 2)
            fail(loc, "ValueError: Only tensors with 2 or more dimensions are supported");
        InitEvent ev;
        if (!targetOf(tensor, ev.step.target, ev.module))
            notYet(loc, "nn.init.orthogonal_() on a tensor that is neither a parameter, a buffer nor a tensor made by torch.* "
                        "while the model is built");
        warn(loc, "not supported by ModuleLab yet: nn.init.orthogonal_() (a QR decomposition): the tensor keeps the normal "
                  "values PyTorch draws before orthogonalising them; the draws after it are PyTorch's",
             Severity::Info);
        if (tensor.shape.numel().value_or(0) == 0)
            return tensor;
        ev.step.kind = InitStep::Kind::Normal;
        ev.step.a = 0.0;
        ev.step.b = 1.0;
        m_initEvents.push_back(std::move(ev));
        return tensor;
    }
    static const std::map<std::string, P> params = {
        {"uniform_", {{"tensor", std::nullopt}, {"a", Value::ofFloat(0.0)}, {"b", Value::ofFloat(1.0)}}},
        {"normal_", {{"tensor", std::nullopt}, {"mean", Value::ofFloat(0.0)}, {"std", Value::ofFloat(1.0)}}},
        {"trunc_normal_",
         {{"tensor", std::nullopt}, {"mean", Value::ofFloat(0.0)}, {"std", Value::ofFloat(1.0)}, {"a", Value::ofFloat(-2.0)}, {"b", Value::ofFloat(2.0)}}},
        {"constant_", {{"tensor", std::nullopt}, {"val", std::nullopt}}},
        {"ones_", {{"tensor", std::nullopt}}},
        {"zeros_", {{"tensor", std::nullopt}}},
        {"eye_", {{"tensor", std::nullopt}}},
        {"dirac_", {{"tensor", std::nullopt}, {"groups", Value::ofInt(1)}}},
        {"xavier_uniform_", {{"tensor", std::nullopt}, {"gain", Value::ofFloat(1.0)}}},
        {"xavier_normal_", {{"tensor", std::nullopt}, {"gain", Value::ofFloat(1.0)}}},
        {"kaiming_uniform_",
         {{"tensor", std::nullopt}, {"a", Value::ofInt(0)}, {"mode", Value::ofStr("fan_in")}, {"nonlinearity", Value::ofStr("leaky_relu")}}},
        {"kaiming_normal_",
         {{"tensor", std::nullopt}, {"a", Value::ofInt(0)}, {"mode", Value::ofStr("fan_in")}, {"nonlinearity", Value::ofStr("leaky_relu")}}},
    };
    auto spec = params.find(fn);
    if (spec == params.end()) {
        if (fn == "calculate_gain" || fn.rfind("_", 0) == 0)
            notYet(loc, "nn.init." + fn + "()");
        fail(loc, "AttributeError: module 'torch.nn.init' has no attribute '" + fn + "'");
    }
    const Bound b = bindArgs(*this, fn, spec->second, std::move(args), std::move(kwargs), loc);
    const Value& tensor = b[0];
    if (!tensor.isTensor())
        fail(loc, "AttributeError: '" + typeNameOf(tensor) + "' object has no attribute '" + firstUse(fn) + "'");
    InitEvent ev;
    if (!targetOf(tensor, ev.step.target, ev.module))
        notYet(loc, "nn.init." + fn + "() on a tensor that is neither a parameter, a buffer nor a tensor made by torch.* "
                                      "while the model is built");
    const Shape& shape = tensor.shape;
    auto num = [&](size_t k, const char* name) { return numberArg(*this, b[k], "nn.init." + fn, name, loc); };
    using K = InitStep::Kind;
    if (fn == "uniform_") {
        ev.step.kind = K::Uniform;
        ev.step.a = num(1, "a");
        ev.step.b = num(2, "b");
    } else if (fn == "normal_") {
        ev.step.kind = K::Normal;
        ev.step.a = num(1, "mean");
        ev.step.b = num(2, "std");
    } else if (fn == "trunc_normal_") {
        ev.step.kind = K::TruncNormal;
        ev.step.a = num(1, "mean");
        ev.step.b = num(2, "std");
        ev.step.c = num(3, "a");
        ev.step.d = num(4, "b");
        if (ev.step.a < ev.step.c - 2 * ev.step.b || ev.step.a > ev.step.d + 2 * ev.step.b)
            warn(loc, "UserWarning: mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.",
                 Severity::Warning);
    } else if (fn == "constant_" || fn == "ones_" || fn == "zeros_") {
        ev.step.kind = K::Fill;
        ev.step.a = fn == "constant_" ? num(1, "val") : fn == "ones_" ? 1.0 : 0.0;
    } else if (fn == "eye_") {
        if (shape.rank() != 2)
            fail(loc, "ValueError: Only tensors with 2 dimensions are supported");
        ev.step.kind = K::Eye;
    } else if (fn == "dirac_") {
        if (shape.rank() < 3 || shape.rank() > 5)
            fail(loc, "ValueError: Only tensors with 3, 4, or 5 dimensions are supported");
        if (!b[1].isInt() || b[1].integer() <= 0)
            notYet(loc, "nn.init.dirac_() with groups = " + repr(b[1]));
        if (shape.dims()[0] % b[1].integer() != 0)
            fail(loc, "ValueError: dim 0 must be divisible by groups");
        ev.step.kind = K::Dirac;
        ev.step.n = b[1].integer();
    } else if (fn == "xavier_uniform_" || fn == "xavier_normal_") {
        const auto [fanIn, fanOut] = fans(*this, shape, loc);
        const double std = num(1, "gain") * std::sqrt(2.0 / static_cast<double>(fanIn + fanOut));
        setScaledDraw(ev.step, fn == "xavier_uniform_", std);
    } else { // kaiming_uniform_, kaiming_normal_
        if (shape.numel().value_or(1) == 0) {
            warn(loc, "UserWarning: Initializing zero-element tensors is a no-op", Severity::Warning);
            return tensor;
        }
        if (b[2].kind != Value::Kind::Str)
            fail(loc, "AttributeError: '" + typeNameOf(b[2]) + "' object has no attribute 'lower'");
        std::string mode = b[2].s;
        std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (mode != "fan_in" && mode != "fan_out")
            fail(loc, "ValueError: Mode " + mode + " not supported, please use one of ['fan_in', 'fan_out']");
        const auto [fanIn, fanOut] = fans(*this, shape, loc);
        const int64_t fan = mode == "fan_in" ? fanIn : fanOut;
        bool isInt = false;
        const double gain = calculateGain(*this, b[3], b[1], loc, isInt);
        setScaledDraw(ev.step, fn == "kaiming_uniform_", gain / std::sqrt(static_cast<double>(fan)));
    }
    if (ev.step.target.slot)
        m_unsetSlots.erase(ev.step.target.slot);
    m_initEvents.push_back(std::move(ev));
    return tensor;
}

Value Evaluator::initMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc)
{
    using P = std::vector<std::pair<std::string, std::optional<Value>>>;
    using K = InitStep::Kind;
    static const std::map<std::string, P> params = {
        {"normal_", {{"mean", Value::ofFloat(0.0)}, {"std", Value::ofFloat(1.0)}}},
        {"uniform_", {{"from", Value::ofFloat(0.0)}, {"to", Value::ofFloat(1.0)}}},
        {"zero_", {}},
        {"fill_", {{"value", std::nullopt}}},
        {"copy_", {{"src", std::nullopt}}},
        {"mul_", {{"other", std::nullopt}}},
        {"add_", {{"other", std::nullopt}}},
    };
    InitEvent ev;
    auto spec = params.find(name);
    if (spec == params.end() || !targetOf(x, ev.step.target, ev.module)) {
        warn(loc, "not supported by ModuleLab yet: changing weights in code with ." + name + "(); the initial weights do not include this change",
             Severity::Info);
        return x;
    }
    const Bound b = bindArgs(*this, name, spec->second, std::move(args), std::move(kwargs), loc);
    auto num = [&](size_t k) { return numberArg(*this, b[k], "Tensor." + name, spec->second[k].first, loc); };
    if (name == "normal_") {
        ev.step.kind = K::Normal;
        ev.step.a = num(0);
        ev.step.b = num(1);
        if (ev.step.b < 0)
            fail(loc, "RuntimeError: normal expects std >= 0.0, but found std " + repr(b[1]));
    } else if (name == "uniform_") {
        ev.step.kind = K::Uniform;
        ev.step.a = num(0);
        ev.step.b = num(1);
        if (ev.step.a > ev.step.b)
            fail(loc, "RuntimeError: uniform_ expects to return a [from, to) range, but found from=" + repr(b[0]) + " > to=" + repr(b[1]));
    } else if (name == "zero_" || name == "fill_") {
        ev.step.kind = K::Fill;
        ev.step.a = name == "zero_" ? 0.0 : num(0);
    } else if (name == "mul_" || name == "add_") {
        if (!b[0].isNumber())
            notYet(loc, "." + name + "() with a tensor while the model is built");
        ev.step.kind = name == "mul_" ? K::Mul : K::Add;
        ev.step.a = num(0);
    } else { // copy_
        const Value& src = b[0];
        if (!src.isTensor())
            fail(loc, "TypeError: copy_(): argument 'src' (position 1) must be Tensor, not " + typeNameOf(src));
        ev.step.kind = K::Copy;
        const int64_t n = x.shape.numel().value_or(-1);
        const int64_t m = src.shape.numel().value_or(-2);
        if (!(src.shape == x.shape || m == 1))
            notYet(loc, ".copy_() from a tensor of shape " + src.shape.toString() + " into one of shape " + x.shape.toString());
        (void)n;
        if (!targetOf(src, ev.step.from, ev.fromModule)) {
            if (!src.data && !src.b)
                notYet(loc, ".copy_() from a tensor whose values ModuleLab does not know while the model is built");
            if (src.data)
                ev.step.values.assign(src.data->data(), src.data->data() + src.data->numel());
            else
                ev.step.values = {static_cast<float>(src.f)};
        }
    }
    if (ev.step.target.slot)
        m_unsetSlots.erase(ev.step.target.slot);
    m_initEvents.push_back(std::move(ev));
    return x;
}

std::optional<Value> Evaluator::initArithmetic(const std::string& op, const Value& a, const Value& b)
{
    const bool tensorFirst = a.isTensor();
    const Value& t = tensorFirst ? a : b;
    const Value& n = tensorFirst ? b : a;
    if (!t.isTensor() || !n.isNumber() || t.i <= 0)
        return std::nullopt;
    if (!(op == "*" || op == "+" || (op == "-" && tensorFirst)))
        return std::nullopt;
    Value out = t;
    out.s.clear();
    out.module = nullptr;
    out.items.clear();
    out.b = false;
    InitStep copy;
    copy.kind = InitStep::Kind::Copy;
    copy.from.slot = t.i;
    copy.from.shape = t.shape;
    out = newInitTensor(std::move(out), 0.0, copy);
    InitEvent ev;
    ev.step.kind = op == "*" ? InitStep::Kind::Mul : InitStep::Kind::Add;
    ev.step.target.slot = out.i;
    ev.step.target.shape = out.shape;
    ev.step.a = op == "-" ? -n.number() : n.number();
    m_initEvents.push_back(std::move(ev));
    return out;
}

std::shared_ptr<const InitRecipe> Evaluator::initRecipeFor(const Module& root) const
{
    const std::vector<NamedModule> nodes = namedModules(root, true);
    std::unordered_map<const Module*, std::string> pathOf;
    for (const NamedModule& nm : nodes)
        pathOf.emplace(nm.module, nm.path);
    size_t start = m_initEvents.size();
    for (const NamedModule& nm : nodes)
        if (auto it = m_builtSpan.find(nm.module); it != m_builtSpan.end())
            start = std::min(start, it->second.first);
    auto rootSpan = m_builtSpan.find(&root);
    const size_t end = rootSpan == m_builtSpan.end() ? start : rootSpan->second.second;
    // tensors of the code that become parameters or buffers of this model
    std::unordered_set<int64_t> treeSlots;
    for (size_t i = start; i < m_initEvents.size(); ++i)
        if (m_initEvents[i].step.kind == InitStep::Kind::Bind && pathOf.count(m_initEvents[i].module))
            treeSlots.insert(m_initEvents[i].step.from.slot);
    auto recipe = std::make_shared<InitRecipe>();
    for (size_t i = start; i < m_initEvents.size(); ++i) {
        const InitEvent& ev = m_initEvents[i];
        InitStep s = ev.step;
        auto place = [&](InitTarget& t, const Module* m) {
            if (!m)
                return;
            auto it = pathOf.find(m);
            t.inTree = it != pathOf.end();
            if (t.inTree)
                t.path = it->second;
        };
        place(s.target, ev.module);
        place(s.from, ev.fromModule);
        const bool ours = s.target.inTree || (s.target.slot > 0 && treeSlots.count(s.target.slot));
        if (i >= end && !ours)
            continue; // after the model was built: what the code did to other models and tensors
        if (s.kind == InitStep::Kind::Reset && !s.target.inTree)
            s.scratch = std::shared_ptr<const Module>(ev.module->clone()); // built and dropped: its draws still count
        recipe->steps.push_back(std::move(s));
    }
    // PyTorch's default initialisation in tree order needs no recipe
    std::vector<std::string> defaultOrder;
    std::unordered_set<const void*> seen;
    for (const NamedModule& nm : nodes)
        if (nm.module->kind() == ModuleKind::Layer && seen.insert(nm.module->identity()).second)
            defaultOrder.push_back(nm.path);
    bool isDefault = recipe->steps.size() == defaultOrder.size();
    for (size_t k = 0; isDefault && k < defaultOrder.size(); ++k)
        isDefault = recipe->steps[k].kind == InitStep::Kind::Reset && !recipe->steps[k].scratch
            && recipe->steps[k].target.path == defaultOrder[k];
    if (isDefault)
        return nullptr;
    recipe->fingerprint = treeFingerprint(root);
    return recipe;
}

} // namespace ml::detail
