// Calls, attributes and imports for the Evaluator.
#include "engine/python/evaluator.h"

#include "engine/names.h"

#include <algorithm>
#include <cmath>

namespace ml::detail {

namespace {

bool isKnownNamespace(const std::string& q)
{
    static const std::vector<std::string> spaces = {
        "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.cuda", "torch.backends", "torch.backends.cudnn",
        "torch.nn.modules", "torch.optim", "torch.utils", "torch.utils.data", "torch.hub", "math", "collections", "functools",
        "typing", "numpy", "torchvision", "torchvision.models", "torchvision.transforms", "torchvision.datasets", "os", "sys",
        "argparse", "time", "copy", "itertools", "random", "torch.nn.parameter", "warnings", "logging", "torch.autograd",
        "torch.jit"};
    return std::find(spaces.begin(), spaces.end(), q) != spaces.end();
}

} // namespace

Value Evaluator::importValue(const std::string& qualified)
{
    if (qualified == "torch.nn.modules.module.Module")
        return Value::ofBuiltin("torch.nn.Module");
    if (isKnownNamespace(qualified))
        return Value::ofNamespace(qualified);
    const size_t dot = qualified.rfind('.');
    const std::string last = dot == std::string::npos ? qualified : qualified.substr(dot + 1);
    const std::string parent = dot == std::string::npos ? std::string() : qualified.substr(0, dot);
    if (!last.empty() && std::isupper(static_cast<unsigned char>(last[0])))
        return Value::ofBuiltin(qualified);
    if (parent == "torch.nn.functional" || parent == "torch.nn.init" || parent == "math" || parent == "torch"
        || parent == "functools" || parent == "collections" || parent == "torch.cuda" || qualified == "warnings.warn")
        return Value::ofBuiltin(qualified);
    return Value::ofNamespace(qualified); // a module ModuleLab does not know: fails where used
}

Value Evaluator::call(const Value& callee, Args args, Kwargs kwargs, SourceLoc loc, Frame& f)
{
    switch (callee.kind) {
    case Value::Kind::Builtin:
        if (callee.s.find('.') != std::string::npos)
            return callTorch(callee.s, std::move(args), std::move(kwargs), loc, f);
        return callBuiltin(callee.s, std::move(args), std::move(kwargs), loc, f);
    case Value::Kind::Function: return callFunction(*callee.fn, nullptr, std::move(args), std::move(kwargs), loc, callee.fn->owner);
    case Value::Kind::Method:
        if (callee.fn)
            return callFunction(*callee.fn, &callee.items[0], std::move(args), std::move(kwargs), loc, callee.fn->owner);
        return callMethod(callee.items[0], callee.s, std::move(args), std::move(kwargs), loc, f);
    case Value::Kind::Class: return instantiate(callee.cls, std::move(args), std::move(kwargs), loc);
    case Value::Kind::Module: return callModule(*callee.module, std::move(args), std::move(kwargs), loc);
    case Value::Kind::List:
        if (callee.s == kSequentialSlice) {
            if (args.size() != 1 || !kwargs.empty())
                fail(loc, "TypeError: Sequential.forward() takes 1 input but " + std::to_string(args.size() + kwargs.size()) + " were given");
            Value x = std::move(args[0]);
            for (const Value& m : callee.elements())
                x = callModule(*m.module, {x}, {}, loc);
            return x;
        }
        break;
    case Value::Kind::Partial: {
        Args all(callee.items.begin() + 1, callee.items.end());
        all.insert(all.end(), args.begin(), args.end());
        Kwargs kw;
        for (const auto& [k, v] : callee.dict->entries)
            kw.emplace_back(k.s, v);
        for (auto& [k, v] : kwargs) {
            auto it = std::find_if(kw.begin(), kw.end(), [&](const auto& p) { return p.first == k; });
            if (it != kw.end())
                it->second = std::move(v);
            else
                kw.emplace_back(k, std::move(v));
        }
        return call(callee.items[0], std::move(all), std::move(kw), loc, f);
    }
    case Value::Kind::Namespace: {
        // torchvision's usage logging (torchvision.utils._log_api_usage_once) builds nothing.
        const std::string_view logging = "_log_api_usage_once";
        if (callee.s.size() >= logging.size() && callee.s.compare(callee.s.size() - logging.size(), logging.size(), logging) == 0)
            return Value::none();
        if (callee.s == "typing.cast") // from typing import cast
            return callTorch(callee.s, std::move(args), std::move(kwargs), loc, f);
        if (callee.s == "torch.jit.is_scripting" || callee.s == "torch.jit.is_tracing")
            return Value::ofBool(false); // ModuleLab runs forward as eager PyTorch does
        notYet(loc, "calling '" + callee.s + "'");
    }
    default: break;
    }
    fail(loc, "TypeError: '" + typeNameOf(callee) + "' object is not callable");
}

Value Evaluator::callFunction(const FunctionDef& fn, const Value* self, Args args, Kwargs kwargs, SourceLoc loc,
                              std::shared_ptr<ClassDef> cls)
{
    if (m_depth >= m_limits.callDepth)
        fail(loc, "not supported by ModuleLab yet: calls nested more than " + std::to_string(m_limits.callDepth)
                      + " deep (ModuleLab stops there; Python's own limit is 1000)",
             ErrorKind::NotYet);
    const std::string qual = (fn.owner ? fn.owner->name + "." : std::string()) + fn.name + "()";
    Frame nf;
    nf.cls = std::move(cls);
    if (fn.nested) {
        nf.outer = fn.closure.lock();
        if (!nf.outer)
            notYet(loc, "calling the nested function " + qual + " after the code that made it was read");
    }
    if (self && !fn.isStatic)
        args.insert(args.begin(), *self);
    const std::vector<Param>& params = fn.params;
    std::vector<bool> bound(params.size(), false);
    size_t next = 0;
    std::vector<Value> extra;
    for (Value& a : args) {
        while (next < params.size() && params[next].star == 0 && bound[next])
            ++next;
        if (next < params.size() && params[next].star == 0) {
            nf.locals[params[next].name] = std::move(a);
            bound[next] = true;
            ++next;
        } else {
            extra.push_back(std::move(a));
        }
    }
    const auto starArgs = std::find_if(params.begin(), params.end(), [](const Param& p) { return p.star == 1 && !p.name.empty(); });
    const auto starKw = std::find_if(params.begin(), params.end(), [](const Param& p) { return p.star == 2; });
    if (!extra.empty()) {
        if (starArgs == params.end()) {
            size_t positional = 0;
            for (const Param& p : params)
                positional += p.star == 0 ? 1 : 0;
            const size_t given = positional + extra.size();
            fail(loc, "TypeError: " + qual + " takes " + std::to_string(positional) + " positional argument" + (positional == 1 ? "" : "s")
                          + " but " + std::to_string(given) + " were given");
        }
    }
    if (starArgs != params.end()) {
        nf.locals[starArgs->name] = Value::ofTuple(std::move(extra));
        bound[static_cast<size_t>(starArgs - params.begin())] = true;
    }
    Value kwDict;
    kwDict.kind = Value::Kind::Dict;
    kwDict.dict = std::make_shared<DictData>();
    for (auto& [name, v] : kwargs) {
        auto it = std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name && p.star == 0; });
        if (it == params.end()) {
            if (starKw != params.end()) {
                kwDict.dict->entries.emplace_back(Value::ofStr(name), std::move(v));
                continue;
            }
            std::vector<std::string> names;
            for (const Param& p : params)
                names.push_back(p.name);
            std::string msg = "TypeError: " + qual + " got an unexpected keyword argument '" + name + "'";
            if (auto hint = didYouMean(name, names))
                msg += ": did you mean '" + *hint + "'?";
            fail(loc, msg);
        }
        const size_t k = static_cast<size_t>(it - params.begin());
        if (bound[k])
            fail(loc, "TypeError: " + qual + " got multiple values for argument '" + name + "'");
        nf.locals[name] = std::move(v);
        bound[k] = true;
    }
    if (starKw != params.end()) {
        nf.locals[starKw->name] = kwDict;
        bound[static_cast<size_t>(starKw - params.begin())] = true;
    }
    std::vector<std::string> missing;
    for (size_t k = 0; k < params.size(); ++k) {
        if (bound[k] || params[k].star)
            continue;
        if (k < fn.hasDefault.size() && fn.hasDefault[k])
            nf.locals[params[k].name] = fn.defaults[k];
        else
            missing.push_back(params[k].name);
    }
    if (!missing.empty()) {
        std::string list;
        for (size_t k = 0; k < missing.size(); ++k)
            list += (k ? (k + 1 == missing.size() ? " and " : ", ") : "") + ("'" + missing[k] + "'");
        fail(loc, "TypeError: " + qual + " missing " + std::to_string(missing.size()) + " required positional argument"
                      + (missing.size() == 1 ? "" : "s") + ": " + list);
    }
    if (self && !fn.isStatic) {
        nf.self = *self;
        if (self->kind == Value::Kind::Module)
            nf.path = self->module->path();
    } else if (m_frame) {
        nf.path = m_frame->path;
    }
    Frame* saved = m_frame;
    m_frame = &nf;
    ++m_depth;
    struct Restore {
        Evaluator& e;
        Frame* saved;
        ~Restore()
        {
            e.m_frame = saved;
            --e.m_depth;
        }
    } restore{*this, saved};
    if (fn.body && execBlock(*fn.body, nf) == Flow::Return)
        return nf.returned;
    return Value::none();
}

// ---- attributes --------------------------------------------------------------------------

Value Evaluator::getAttr(const Value& obj, const std::string& name, SourceLoc loc, Frame& f)
{
    if (name == "__class__" && obj.kind != Value::Kind::Class) // x.__class__ is type(x)
        return callBuiltin("type", {obj}, {}, loc, f);
    if (obj.kind == Value::Kind::Tuple && obj.cls) { // a namedtuple: its fields by name
        const std::vector<Value>& fields = obj.cls->own("_fields")->items;
        for (size_t k = 0; k < fields.size() && k < obj.items.size(); ++k)
            if (fields[k].s == name)
                return obj.items[k];
        if (name == "_fields")
            return *obj.cls->own("_fields");
        fail(loc, "AttributeError: '" + obj.cls->name + "' object has no attribute '" + name + "'");
    }
    switch (obj.kind) {
    case Value::Kind::Namespace: {
        if (obj.s == kThisModule) {
            auto it = m_globals.find(name);
            if (it == m_globals.end())
                fail(loc, "AttributeError: module '__main__' has no attribute '" + name + "'"); // as `python3 FILE` says
            return it->second;
        }
        const std::string q = obj.s + "." + name;
        if (q == "math.pi")
            return Value::ofFloat(M_PI);
        if (q == "math.e")
            return Value::ofFloat(M_E);
        if (q == "math.inf")
            return Value::ofFloat(INFINITY);
        if (q == "math.tau")
            return Value::ofFloat(2 * M_PI);
        if (q == "torch.float32" || q == "torch.float" || q == "torch.long" || q == "torch.int64" || q == "torch.float16"
            || q == "torch.half" || q == "torch.bool")
            return Value::ofStr(q);
        if (q == "torch.backends.cudnn.benchmark" || q == "torch.backends.cudnn.deterministic")
            return Value::ofBool(false);
        if (obj.s == "torch.nn" && (name == "functional" || name == "init" || name == "modules" || name == "parameter"))
            return Value::ofNamespace(q);
        return importValue(q);
    }
    case Value::Kind::Module: {
        bool found = false;
        Value v = moduleAttr(obj, name, loc, f, found);
        if (found)
            return v;
        const std::string pytorch = "AttributeError: '" + obj.module->typeName() + "' object has no attribute '" + name + "'";
        std::string msg = pytorch;
        std::vector<std::string> names;
        for (const Module::Child& c : obj.module->children())
            names.push_back(c.name);
        if (auto it = m_instances.find(obj.module); it != m_instances.end())
            for (const auto& kv : it->second.attrs)
                names.push_back(kv.first);
        if (m_attrExpr && m_attrExpr->text == name) {
            msg = toSource(*m_attrExpr) + " does not exist";
            auto hint = didYouMean(name, names);
            if (!hint && !m_building && obj.module->ownForward())
                // forward keeps the attributes of __init__ that are literals; others are not read yet
                fail(loc, "not supported by ModuleLab yet: " + toSource(*m_attrExpr) + " in forward() when __init__ sets it to a value "
                              "ModuleLab keeps only while building (an object, a tensor, an OrderedDict); if __init__ never sets it, "
                              "PyTorch fails here too (" + pytorch + ")",
                     ErrorKind::NotYet);
            if (hint)
                msg += ": did you mean '" + *hint + "'?";
            fail(loc, msg + " (PyTorch: " + pytorch + ")");
        }
        if (auto hint = didYouMean(name, names))
            msg += ": did you mean '" + *hint + "'?";
        fail(loc, msg);
    }
    case Value::Kind::Class: {
        if (const Value* v = obj.cls->lookup(name))
            return *v;
        if (name == "__name__")
            return Value::ofStr(obj.cls->name);
        if (name == "__init__" || name == "forward")
            return Value::ofBuiltin("torch.nn.Module." + name);
        fail(loc, "AttributeError: type object '" + obj.cls->name + "' has no attribute '" + name + "'");
    }
    case Value::Kind::Method:
        if (obj.s == "super" && !obj.fn) {
            const Value& self = obj.items[0];
            const ClassDef* after = obj.cls.get();
            std::shared_ptr<ClassDef> selfCls;
            if (self.kind == Value::Kind::Module)
                if (auto it = m_instances.find(self.module); it != m_instances.end())
                    selfCls = it->second.cls;
            if (self.kind == Value::Kind::Class)
                selfCls = self.cls;
            if (selfCls && after)
                if (const Value* v = selfCls->lookup(name, after)) {
                    if (v->kind == Value::Kind::Function) {
                        Value m;
                        m.kind = Value::Kind::Method;
                        m.s = name;
                        m.items = {self};
                        m.fn = v->fn;
                        return m;
                    }
                    return *v;
                }
            if (!after && self.kind == Value::Kind::Module && self.module->kind() == ModuleKind::Custom && name != "__init__")
                notYet(loc, "super()." + name + " inside forward() of '" + self.module->typeName() + "'");
            Value m;
            m.kind = Value::Kind::Method;
            m.s = name;
            if (name == "forward" && self.kind == Value::Kind::Module && self.module->kind() != ModuleKind::Custom)
                m.s = kContainerForward; // PyTorch's Sequential.forward, not the class's own
            m.items = {self};
            return m;
        }
        if (name == "__name__")
            return Value::ofStr(obj.s);
        break;
    case Value::Kind::Function:
        if (name == "__name__")
            return Value::ofStr(obj.fn->name);
        break;
    case Value::Kind::Builtin:
        if (name == "__name__")
            return Value::ofStr(obj.s.substr(obj.s.rfind('.') + 1));
        if (obj.s.rfind("torch.nn.", 0) == 0 && (name == "__init__" || name == "forward"))
            return Value::ofBuiltin(obj.s + "." + name);
        break;
    case Value::Kind::Tensor:
        if (name == "requires_grad")
            if (const std::optional<bool> rg = parameterRequiresGrad(obj))
                return Value::ofBool(*rg);
        if (name == "shape" || name == "ndim" || name == "data" || name == "T" || name == "device" || name == "dtype"
            || name == "is_cuda" || name == "requires_grad" || name == "grad")
            return tensorMethod(obj, "@" + name, {}, {}, loc);
        break;
    case Value::Kind::Dict:
    case Value::Kind::List:
    case Value::Kind::Str:
    case Value::Kind::Tuple:
    case Value::Kind::Int:
    case Value::Kind::Float:
        if (name == "real" && obj.isNumber())
            return obj;
        break;
    default: break;
    }
    Value m;
    m.kind = Value::Kind::Method;
    m.s = name;
    m.items = {obj};
    return m;
}

namespace {

// Whether two values of the model being built are one tensor: the same parameter or buffer of
// one module, or the same tensor made by torch.* in the code.
bool sameBuildTensor(const Value& a, const Value& b)
{
    if (!a.isTensor() || !b.isTensor())
        return false;
    auto named = [](const Value& v) { return v.module && v.items.size() == 1 && v.items[0].kind == Value::Kind::Str; };
    if (named(a) || named(b))
        return named(a) && named(b) && a.module == b.module && a.s == b.s && a.items[0].s == b.items[0].s;
    return a.i > 0 && a.i == b.i;
}

} // namespace

void Evaluator::setAttr(const Value& obj, const std::string& name, Value v, SourceLoc loc, Frame& f)
{
    if (obj.kind == Value::Kind::Module) {
        (void)moduleMethod(obj, "__setattr__", {Value::ofStr(name), std::move(v)}, {}, loc, f);
        return;
    }
    if (obj.kind == Value::Kind::Class) {
        for (auto& kv : obj.cls->attrs)
            if (kv.first == name) {
                kv.second = std::move(v);
                return;
            }
        obj.cls->attrs.emplace_back(name, std::move(v));
        return;
    }
    if (obj.kind == Value::Kind::Namespace && obj.s == kThisModule) {
        setModuleGlobal(name, std::move(v));
        return;
    }
    if (obj.kind == Value::Kind::Namespace) {
        warn(loc, "setting " + obj.s + "." + name + " has no effect in ModuleLab", Severity::Info);
        return;
    }
    if (name == "requires_grad" && parameterRequiresGrad(obj)) {
        if (v.kind != Value::Kind::Bool)
            fail(loc, "RuntimeError: requires_grad must be a bool");
        if (!obj.module)
            notYet(loc, "setting .requires_grad of an nn.Parameter before a module holds it; give requires_grad=" + repr(v)
                            + " to nn.Parameter(...)");
        (void)setRequiresGrad(obj, v.b, loc);
        return;
    }
    if (obj.isTensor()) {
        if (name == "data" && sameBuildTensor(v, obj))
            return; // p.data = f(p.data) where f changed p in place and returned it: nothing more happens
        warn(loc, "setting a tensor's ." + name + " has no effect in ModuleLab", Severity::Info);
        return;
    }
    fail(loc, "AttributeError: '" + typeNameOf(obj) + "' object has no attribute '" + name + "'");
}

} // namespace ml::detail
