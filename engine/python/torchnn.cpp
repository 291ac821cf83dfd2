// torch.nn for the Evaluator: layers, containers, the module tree a file's code builds, the
// attributes and methods of modules, and the namespaced functions (torch.*, math.*, ...).
#include "engine/python/evaluator.h"

#include "engine/analysis/forwardop.h"
#include "engine/layer.h"
#include "engine/names.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <numeric>
#include <set>

namespace ml::detail {

namespace {

bool isWordIn(const std::string& text, std::string_view word)
{
    size_t pos = 0;
    while ((pos = text.find(word, pos)) != std::string::npos) {
        const bool before = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) || text[pos - 1] == '_');
        const size_t end = pos + word.size();
        const bool after = end >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
        if (before && after)
            return true;
        pos = end;
    }
    return false;
}

// The module's class attributes and its instance's plain attributes as literals forward may read.
std::optional<Expr> literalOf(const Value& v, int depth = 0)
{
    if (depth > 8)
        return std::nullopt;
    Expr e;
    switch (v.kind) {
    case Value::Kind::None: e.kind = Expr::Kind::None; return e;
    case Value::Kind::Bool: e.kind = Expr::Kind::Bool; e.b = v.b; return e;
    case Value::Kind::Int: e.kind = Expr::Kind::Int; e.i = v.i; return e;
    case Value::Kind::Float: e.kind = Expr::Kind::Float; e.f = v.f; return e;
    case Value::Kind::Str: e.kind = Expr::Kind::Str; e.text = v.s; return e;
    case Value::Kind::Tuple:
    case Value::Kind::List: {
        e.kind = v.kind == Value::Kind::Tuple ? Expr::Kind::Tuple : Expr::Kind::List;
        if (v.elements().size() > 4096)
            return std::nullopt;
        for (const Value& x : v.elements()) {
            auto item = literalOf(x, depth + 1);
            if (!item)
                return std::nullopt;
            e.items.push_back(std::move(*item));
        }
        return e;
    }
    case Value::Kind::Dict: {
        // a configuration dict (self.cfg = {'dropout_rate': 0.2, ...}) forward reads
        e.kind = Expr::Kind::Dict;
        if (v.dict->entries.size() > 4096 || v.dict->ordered)
            return std::nullopt;
        for (const auto& [k, x] : v.dict->entries) {
            auto key = literalOf(k, depth + 1);
            auto item = literalOf(x, depth + 1);
            if (!key || !item)
                return std::nullopt;
            e.items.push_back(std::move(*key));
            e.items.push_back(std::move(*item));
        }
        return e;
    }
    case Value::Kind::Builtin: {
        // nn.BatchNorm2d, F.relu: written as the exporter's spelling
        std::string q = v.s;
        if (q.rfind("torch.nn.functional.", 0) == 0)
            q = "F." + q.substr(20);
        else if (q.rfind("torch.nn.", 0) == 0)
            q = "nn." + q.substr(9);
        Expr out;
        size_t start = 0;
        bool first = true;
        while (true) {
            const size_t dot = q.find('.', start);
            const std::string part = q.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            out = first ? Expr::name(part) : Expr::attr(std::move(out), part);
            first = false;
            if (dot == std::string::npos)
                break;
            start = dot + 1;
        }
        return out;
    }
    case Value::Kind::Class: {
        // a namedtuple class forward uses: written as the call that makes it
        if (v.cls->torchBase != kNamedTuple)
            return std::nullopt;
        auto fields = literalOf(*v.cls->own("_fields"), depth + 1);
        Expr name;
        name.kind = Expr::Kind::Str;
        name.text = v.cls->name;
        return Expr::call(Expr::attr(Expr::name("collections"), "namedtuple"), {std::move(name), std::move(*fields)});
    }
    default: return std::nullopt;
    }
}

} // namespace

void Evaluator::countModules(int64_t n, SourceLoc loc)
{
    if (n > m_limits.modules - m_moduleCount)
        fail(loc, "not supported by ModuleLab yet: models of more than " + withThousands(m_limits.modules) + " modules",
             ErrorKind::NotYet);
    m_moduleCount += n;
}

Value Evaluator::makeLayer(const std::string& type, Args args, Kwargs kwargs, SourceLoc loc, const std::vector<SourceLoc>& argLocs)
{
    const LayerSchema* schema = findLayerSchema(type);
    if (!schema) {
        for (const LayerSchema* known : layerRegistry()) {
            const std::string_view k = known->typeName;
            if (k.size() == type.size()
                && std::equal(k.begin(), k.end(), type.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
                fail(loc, "AttributeError: module 'torch.nn' has no attribute '" + type + "': did you mean '" + std::string(k) + "'?");
        }
        notYet(loc, "the layer nn." + type);
    }
    countModules(1, loc);
    std::vector<LayerArgument> largs;
    std::vector<std::pair<std::string, SourceLoc>> named;
    for (size_t k = 0; k < args.size(); ++k) {
        ArgValue a;
        if (!toArgValue(args[k], a))
            fail(k < argLocs.size() ? argLocs[k] : loc, "TypeError: nn." + type + "() argument " + std::to_string(k + 1) + " got "
                                                            + typeNameOf(args[k]) + ", which a layer argument cannot be");
        largs.push_back({{}, std::move(a)});
        if (k < schema->args.size())
            named.emplace_back(std::string(schema->args[k].name), k < argLocs.size() ? argLocs[k] : loc);
    }
    for (size_t k = 0; k < kwargs.size(); ++k) {
        ArgValue a;
        const size_t li = args.size() + k;
        if (!toArgValue(kwargs[k].second, a))
            fail(li < argLocs.size() ? argLocs[li] : loc, "TypeError: nn." + type + "() argument '" + kwargs[k].first + "' got "
                                                              + typeNameOf(kwargs[k].second) + ", which a layer argument cannot be");
        largs.push_back({kwargs[k].first, std::move(a)});
        named.emplace_back(kwargs[k].first, li < argLocs.size() ? argLocs[li] : loc);
    }
    auto made = createLayer(type, largs);
    if (auto* err = std::get_if<std::string>(&made)) {
        SourceLoc at = loc;
        size_t best = 0;
        for (const auto& [n, where] : named)
            if (n.size() > best && isWordIn(*err, n)) {
                best = n.size();
                at = where;
            }
        fail(at, *err);
    }
    std::unique_ptr<Module> layer = std::move(std::get<std::unique_ptr<Layer>>(made));
    layer->setSourceLoc(loc);
    const Module* raw = layer.get();
    m_pool.emplace(raw, std::move(layer));
    m_builtSpan[raw] = {m_initEvents.size(), m_initEvents.size() + 1};
    recordReset(*raw); // PyTorch draws its initial weights as it constructs it
    return Value::ofModule(raw);
}

namespace {

// How many levels of modules m holds below itself, counted up to `cap` + 1 (every module is
// placed through adoptModule, which keeps trees within the cap, so this recursion is shallow).
int nestingBelow(const Module& m, int cap)
{
    int h = 0;
    for (int k = 0; k < m.childCount() && h <= cap; ++k)
        h = std::max(h, 1 + nestingBelow(*m.child(k), cap));
    return h;
}

} // namespace

std::unique_ptr<Module> Evaluator::adoptModule(const Value& v, SourceLoc loc, int levelsAbove)
{
    if (v.kind != Value::Kind::Module)
        fail(loc, "TypeError: " + typeNameOf(v) + " is not a Module subclass");
    // Python builds deeper trees, but printing or running them fails near 500 levels; every part
    // of ModuleLab that walks the tree stays far within its stack below this.
    if (nestingBelow(*v.module, kMaxModuleNesting) + levelsAbove > kMaxModuleNesting)
        notYet(loc, "modules nested more than " + std::to_string(kMaxModuleNesting) + " levels deep");
    auto it = m_pool.find(v.module);
    if (it != m_pool.end()) {
        std::unique_ptr<Module> m = std::move(it->second);
        m_pool.erase(it);
        return m;
    }
    // already placed: the tree holds a copy that is the same PyTorch object (markShared)
    countModules(static_cast<int64_t>(namedModules(*v.module, true).size()), loc);
    std::unique_ptr<Module> copy = v.module->clone();
    markShared(const_cast<Module&>(*v.module), *copy); // a module this evaluator built
    return copy;
}

std::vector<Module*> Evaluator::placesOf(const Module& m)
{
    if (!m.isShared())
        return {const_cast<Module*>(&m)}; // a module this evaluator built
    std::set<const Module*> roots = {const_cast<Module&>(m).root()};
    for (const auto& [key, tree] : m_pool)
        roots.insert(tree.get());
    std::vector<Module*> out;
    for (const Module* r : roots)
        for (const NamedModule& nm : namedModules(*r, true))
            if (nm.module->identity() == m.identity())
                out.push_back(const_cast<Module*>(nm.module));
    return out;
}

namespace {
// The frozen flags of `from`'s subtree onto `to`'s, which is its copy.
void copyFrozen(const Module& from, Module& to)
{
    to.setFrozen(from.frozen());
    if (from.childCount() == to.childCount())
        for (int k = 0; k < from.childCount(); ++k)
            copyFrozen(*from.child(k), *to.child(k));
}
} // namespace

void Evaluator::syncShared(const Module& changed, SourceLoc loc)
{
    if (!changed.isShared())
        return;
    for (Module* other : placesOf(changed)) {
        if (other == &changed)
            continue;
        std::vector<std::unique_ptr<Module>> old;
        while (other->childCount() > 0)
            old.push_back(other->takeChild(other->childCount() - 1));
        for (int k = 0; k < changed.childCount(); ++k) {
            Module& want = *changed.child(k);
            auto same = std::find_if(old.begin(), old.end(), [&](const auto& o) { return o && o->identity() == want.identity(); });
            std::unique_ptr<Module> c;
            if (same != old.end()) {
                c = std::move(*same);
            } else {
                countModules(static_cast<int64_t>(namedModules(want, true).size()), loc);
                c = want.clone();
                markShared(want, *c);
            }
            other->appendChild(changed.childName(k), std::move(c));
        }
        for (auto& o : old)
            if (o)
                m_replaced.push_back(std::move(o));
        copyFrozen(changed, *other);
    }
}

void Evaluator::attachChild(Module& parent, const std::string& name, const Value& child, SourceLoc loc)
{
    if (child.module == &parent)
        fail(loc, "RuntimeError: a module cannot contain itself");
    for (const Module* p = &parent; p; p = p->parent())
        if (p == child.module)
            fail(loc, "RuntimeError: a module cannot contain its own parent");
    std::unique_ptr<Module> m = adoptModule(child, loc);
    if (!m->sourceLoc().valid())
        m->setSourceLoc(loc);
    for (int k = 0; k < parent.childCount(); ++k) {
        if (parent.childName(k) == name && !parent.namesArePositions()) {
            m_replaced.push_back(parent.takeChild(k)); // values may still name it
            parent.insertChild(k, name, std::move(m));
            return;
        }
    }
    parent.appendChild(name, std::move(m));
}

namespace {

ModuleKind containerKind(std::string_view type)
{
    return type == "Sequential" ? ModuleKind::Sequential : type == "ModuleList" ? ModuleKind::ModuleList : ModuleKind::ModuleDict;
}

std::string containerTypeName(ModuleKind kind)
{
    return kind == ModuleKind::Sequential ? "Sequential" : kind == ModuleKind::ModuleList ? "ModuleList" : "ModuleDict";
}

} // namespace

Value Evaluator::makeContainer(const std::string& type, Args args, Kwargs kwargs, SourceLoc loc)
{
    countModules(1, loc);
    std::unique_ptr<Module> c = ml::makeContainer(containerKind(type));
    c->setSourceLoc(loc);
    const Module* raw = c.get();
    Module& cont = *c;
    m_pool.emplace(raw, std::move(c));
    fillContainer(cont, type, std::move(args), std::move(kwargs), loc);
    m_builtSpan[raw] = {m_initEvents.size(), m_initEvents.size()};
    return Value::ofModule(raw);
}

// nn.Sequential(...), nn.ModuleList(...) and nn.ModuleDict(...)'s __init__ on cont.
void Evaluator::fillContainer(Module& cont, const std::string& type, Args args, Kwargs kwargs, SourceLoc loc)
{
    const ModuleKind kind = containerKind(type);
    if (!kwargs.empty())
        fail(loc, "TypeError: " + type + ".__init__() got an unexpected keyword argument '" + kwargs[0].first + "'");
    auto addNamed = [&](const Value& key, const Value& value) {
        if (key.kind != Value::Kind::Str)
            fail(loc, "TypeError: module name should be a string. Got " + typeNameOf(key));
        if (key.s.empty())
            fail(loc, "KeyError: module name can't be empty string \"\"");
        if (key.s.find('.') != std::string::npos)
            fail(loc, "KeyError: module name can't contain \".\", got: " + key.s);
        if (value.kind != Value::Kind::Module)
            fail(loc, "TypeError: " + typeNameOf(value) + " is not a Module subclass");
        attachChild(cont, key.s, value, loc);
    };
    if (kind == ModuleKind::Sequential) {
        if (args.size() == 1 && args[0].kind == Value::Kind::Dict) {
            for (const auto& [k, v] : args[0].dict->entries)
                addNamed(k, v);
            return;
        }
        for (const Value& a : args) {
            if (a.kind != Value::Kind::Module)
                fail(loc, "TypeError: " + typeNameOf(a) + " is not a Module subclass");
            attachChild(cont, std::to_string(cont.childCount()), a, loc);
        }
        return;
    }
    if (args.size() > 1)
        fail(loc, "TypeError: " + type + ".__init__() takes from 1 to 2 positional arguments but " + std::to_string(args.size() + 1) + " were given");
    if (args.empty() || args[0].kind == Value::Kind::None)
        return;
    if (kind == ModuleKind::ModuleList) {
        for (const Value& a : iterate(args[0], loc)) {
            if (a.kind != Value::Kind::Module)
                fail(loc, "TypeError: " + typeNameOf(a) + " is not a Module subclass");
            attachChild(cont, std::to_string(cont.childCount()), a, loc);
        }
        return;
    }
    if (args[0].kind == Value::Kind::Dict) {
        for (const auto& [k, v] : args[0].dict->entries)
            addNamed(k, v);
    } else {
        for (const Value& pair : iterate(args[0], loc)) {
            std::vector<Value> kv = iterate(pair, loc);
            if (kv.size() != 2)
                fail(loc, "ValueError: ModuleDict update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
            addNamed(kv[0], kv[1]);
        }
    }
    return;
}

Value Evaluator::namedTupleClass(Args args, Kwargs kwargs, SourceLoc loc)
{
    for (auto& [k, v] : kwargs) {
        if (k == "typename" && args.empty())
            args.push_back(std::move(v));
        else if (k == "field_names" && args.size() == 1)
            args.push_back(std::move(v));
        else if (k != "defaults" && k != "rename" && k != "module")
            fail(loc, "TypeError: namedtuple() got an unexpected keyword argument '" + k + "'");
        else if (k == "defaults" && v.kind != Value::Kind::None)
            notYet(loc, "namedtuple(..., defaults=...)");
    }
    if (args.size() != 2 || args[0].kind != Value::Kind::Str)
        fail(loc, "TypeError: namedtuple() takes a type name and its field names");
    std::vector<Value> fields;
    if (args[1].kind == Value::Kind::Str) { // "a b" or "a, b"
        std::string word;
        for (char c : args[1].s + " ") {
            if (c == ' ' || c == ',') {
                if (!word.empty())
                    fields.push_back(Value::ofStr(std::exchange(word, {})));
            } else {
                word += c;
            }
        }
    } else {
        for (const Value& v : iterate(args[1], loc)) {
            if (v.kind != Value::Kind::Str)
                fail(loc, "TypeError: Type names and field names must be strings");
            fields.push_back(v);
        }
    }
    auto cls = std::make_shared<ClassDef>();
    cls->name = args[0].s;
    cls->torchBase = kNamedTuple;
    cls->loc = loc;
    cls->attrs.emplace_back("_fields", Value::ofTuple(std::move(fields)));
    m_classDefs.push_back(cls);
    Value v;
    v.kind = Value::Kind::Class;
    v.cls = std::move(cls);
    return v;
}

Value Evaluator::makeNamedTuple(const std::shared_ptr<ClassDef>& cls, Args args, Kwargs kwargs, SourceLoc loc)
{
    const std::vector<Value>& fields = cls->own("_fields")->items;
    if (args.size() > fields.size())
        fail(loc, "TypeError: " + cls->name + ".__new__() takes " + std::to_string(fields.size() + 1) + " positional arguments but "
                      + std::to_string(args.size() + 1) + " were given");
    std::vector<std::optional<Value>> slots(fields.size());
    for (size_t k = 0; k < args.size(); ++k)
        slots[k] = std::move(args[k]);
    for (auto& [key, v] : kwargs) {
        auto it = std::find_if(fields.begin(), fields.end(), [&](const Value& x) { return x.s == key; });
        if (it == fields.end())
            fail(loc, "TypeError: " + cls->name + ".__new__() got an unexpected keyword argument '" + key + "'");
        slots[static_cast<size_t>(it - fields.begin())] = std::move(v);
    }
    Value t = Value::ofTuple({});
    for (size_t k = 0; k < slots.size(); ++k) {
        if (!slots[k])
            fail(loc, "TypeError: " + cls->name + ".__new__() missing 1 required positional argument: '" + fields[k].s + "'");
        t.items.push_back(std::move(*slots[k]));
    }
    t.cls = cls;
    return t;
}

Value Evaluator::instantiate(const std::shared_ptr<ClassDef>& cls, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (cls->torchBase == kNamedTuple)
        return makeNamedTuple(cls, std::move(args), std::move(kwargs), loc);
    if (cls->torchBase.empty())
        notYet(loc, "instances of classes that do not derive from nn.Module ('" + cls->name + "')");
    const std::string base = cls->torchBase.substr(cls->torchBase.rfind('.') + 1);
    const bool container = base == "Sequential" || base == "ModuleList" || base == "ModuleDict";
    if (cls->torchBase != "torch.nn.Module" && !container)
        notYet(loc, "classes derived from " + cls->torchBase + " ('" + cls->name + "'); derive from nn.Module");
    // a class may build smaller copies of itself (DLA's Tree); one that does so endlessly stops here
    if (std::count(m_building_stack.begin(), m_building_stack.end(), cls->name) >= 16) {
        std::string chain;
        const auto last = std::find(m_building_stack.rbegin(), m_building_stack.rend(), cls->name).base() - 1;
        for (auto it = last; it != m_building_stack.end(); ++it)
            chain += *it + " -> ";
        fail(loc, "RecursionError: class '" + cls->name + "' contains itself (" + chain + cls->name
                      + "): building it would never end; remove the self-reference");
    }
    countModules(1, loc);
    m_building_stack.push_back(cls->name);
    struct Pop {
        std::vector<std::string>& s;
        ~Pop() { s.pop_back(); }
    } pop{m_building_stack};
    std::unique_ptr<Module> m;
    if (container) {
        auto c = std::make_unique<Container>(containerKind(base));
        c->setClassName(cls->name);
        m = std::move(c);
    } else {
        m = std::make_unique<CustomModule>(cls->name);
    }
    m->setSourceLoc(cls->loc);
    Module* raw = m.get();
    m_pool.emplace(raw, std::move(m));
    const size_t firstEvent = m_initEvents.size();
    Instance& inst = m_instances[raw];
    inst.cls = cls;
    const Value self = Value::ofModule(raw);
    const Value* init = cls->lookup("__init__");
    if (init && init->kind == Value::Kind::Function) {
        (void)callFunction(*init->fn, &self, std::move(args), std::move(kwargs), loc, init->fn->owner);
        if (!m_instances[raw].superCalled)
            fail(init->fn->loc, "AttributeError: __init__ of '" + cls->name + "' does not call super().__init__(): PyTorch fails "
                                    "when the model is used ('" + cls->name + "' object has no attribute '_modules')");
    } else if (container) {
        fillContainer(*raw, base, std::move(args), std::move(kwargs), loc); // the container's own __init__
        m_instances[raw].superCalled = true;
    } else {
        if (!args.empty() || !kwargs.empty())
            fail(loc, "TypeError: " + cls->name + ".__init__() takes 1 positional argument but " + std::to_string(args.size() + 1) + " were given");
        m_instances[raw].superCalled = true;
    }
    finishInstance(*raw, m_instances[raw]);
    m_builtSpan[raw] = {firstEvent, m_initEvents.size()};
    return self;
}


namespace {

// The exporter's spelling of a qualified name: torch.nn.functional.relu -> F.relu, torch.nn.X -> nn.X.
std::string canonicalName(const std::string& q)
{
    if (q == "torch.nn.functional")
        return "F";
    if (q.rfind("torch.nn.functional.", 0) == 0)
        return "F." + q.substr(20);
    if (q == "torch.nn")
        return "nn";
    if (q.rfind("torch.nn.", 0) == 0)
        return "nn." + q.substr(9);
    return q;
}

Expr dottedExpr(const std::string& q, SourceLoc loc)
{
    Expr out;
    size_t start = 0;
    bool first = true;
    while (true) {
        const size_t dot = q.find('.', start);
        const std::string part = q.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        out = first ? Expr::name(part, loc) : Expr::attr(std::move(out), part, loc);
        first = false;
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    return out;
}

void localNames(const Expr& target, std::set<std::string>& out)
{
    if (target.kind == Expr::Kind::Name)
        out.insert(target.text);
    if (target.kind == Expr::Kind::Tuple || target.kind == Expr::Kind::List || target.kind == Expr::Kind::Starred)
        for (const Expr& c : target.items)
            localNames(c, out);
}

void localNames(const std::vector<Stmt>& body, std::set<std::string>& out)
{
    for (const Stmt& s : body) {
        out.insert(s.targets.begin(), s.targets.end());
        if (s.kind == Stmt::Kind::Def) { // a nested function: its name, and its parameters inside it
            out.insert(s.op);
            for (const Param& p : s.params)
                out.insert(p.name);
        }
        if (s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::For || s.kind == Stmt::Kind::AugAssign)
            localNames(s.target, out);
        localNames(s.body, out);
        localNames(s.orelse, out);
    }
}

} // namespace

namespace {

// Replaces the names in E that are not in BOUND and that CLOSURE holds with their values as
// literals; false when one of them has no literal.
bool substituteClosure(Expr& e, const std::set<std::string>& bound, const Enclosing& closure)
{
    if (e.kind == Expr::Kind::Name && !bound.count(e.text)) {
        const Value* value = closure.find(e.text);
        if (!value)
            return true;
        auto lit = literalOf(*value);
        if (!lit)
            return false;
        const SourceLoc loc = e.loc;
        e = std::move(*lit);
        e.loc = loc;
        return true;
    }
    std::set<std::string> inner = bound;
    if (e.kind == Expr::Kind::Lambda)
        for (const Param& p : e.params)
            inner.insert(p.name);
    if (e.kind == Expr::Kind::Comp)
        for (size_t k = 2; k + 2 < e.items.size(); k += 3)
            localNames(e.items[k], inner);
    for (Expr& c : e.items)
        if (!substituteClosure(c, inner, closure))
            return false;
    for (auto& kw : e.keywords)
        if (!substituteClosure(kw.second, inner, closure))
            return false;
    return true;
}

} // namespace

// A lambda that __init__ stores (LambdaLayer(lambda x: F.pad(x, (0, 0, 0, 0, planes // 4, ...)))) as
// code forward can run: the names it reads from the function that made it become their values
// then, its defaults literals. None when one of those values is not a literal.
std::optional<Expr> Evaluator::lambdaLiteral(const Value& fn)
{
    if (fn.kind != Value::Kind::Function || !fn.fn || !fn.fn->lambdaBody || fn.fn->lambdaBody->size() != 1)
        return std::nullopt;
    const FunctionDef& def = *fn.fn;
    Expr e;
    e.kind = Expr::Kind::Lambda;
    e.loc = def.loc;
    e.params = def.params;
    std::set<std::string> params;
    for (size_t k = 0; k < e.params.size(); ++k) {
        params.insert(e.params[k].name);
        if (k < def.hasDefault.size() && def.hasDefault[k]) {
            auto lit = literalOf(def.defaults[k]);
            if (!lit)
                return std::nullopt;
            e.params[k].defaultValue = std::move(*lit);
        }
    }
    Expr body = def.lambdaBody->front().value;
    if (def.nested) {
        const auto closure = def.closure.lock();
        if (!closure || !substituteClosure(body, params, *closure))
            return std::nullopt;
    }
    canonicalize(body, params);
    e.items.push_back(std::move(body));
    return e;
}

// Forward code runs later, without the file's module level: names of the module level it reads
// become what they stand for (import aliases in the exporter's spelling, constants as literals).
void Evaluator::canonicalize(Expr& e, const std::set<std::string>& locals)
{
    if (e.kind == Expr::Kind::Lambda) { // its parameters are its own names; defaults are read outside it
        std::set<std::string> inner = locals;
        for (Param& p : e.params) {
            inner.insert(p.name);
            if (p.defaultValue)
                canonicalize(*p.defaultValue, locals);
        }
        canonicalize(e.items[0], inner);
        return;
    }
    if (e.kind == Expr::Kind::Comp) {
        std::set<std::string> inner = locals;
        for (size_t k = 2; k + 2 < e.items.size(); k += 3)
            localNames(e.items[k], inner);
        for (Expr& c : e.items)
            canonicalize(c, inner);
        return;
    }
    if (e.kind == Expr::Kind::Call && e.items.size() == 3 && e.items[0].kind == Expr::Kind::Name && e.items[0].text == "super"
        && e.items[1].kind == Expr::Kind::Name && !locals.count(e.items[1].text)) {
        auto it = m_globals.find(e.items[1].text);
        if (it != m_globals.end() && it->second.kind == Value::Kind::Class)
            e.items.resize(1); // super(Cls, self) in forward: the class's methods are the program's, so super()
    }
    const std::string d = e.dotted();
    if (!d.empty()) {
        const std::string head = d.substr(0, d.find('.'));
        auto it = m_globals.find(head);
        if (!locals.count(head) && it == m_globals.end() && !isBuiltinName(head)) {
            std::string msg = "name '" + head + "' is not defined";
            if (head == "F" || head == "nn" || head == "torch")
                msg += " (add the import: import torch, import torch.nn as nn, import torch.nn.functional as F)";
            warn(e.loc, msg + " (PyTorch: NameError when forward runs)", Severity::Error);
            return;
        }
        if (!locals.count(head) && it != m_globals.end()) {
            const Value& v = it->second;
            if (v.kind == Value::Kind::Function && v.fn && v.fn->body && !v.fn->owner && !v.fn->nested
                && std::find(m_usedFunctions.begin(), m_usedFunctions.end(), head) == m_usedFunctions.end())
                m_usedFunctions.push_back(head); // forward calls a function of the file: it goes with the program
            if (v.kind == Value::Kind::Namespace || v.kind == Value::Kind::Builtin) {
                const std::string q = v.s + d.substr(head.size());
                const std::string c = canonicalName(q);
                if (c != d)
                    e = dottedExpr(c, e.loc);
                return;
            }
            if (e.kind == Expr::Kind::Name)
                if (auto lit = literalOf(v)) {
                    const SourceLoc loc = e.loc;
                    e = std::move(*lit);
                    e.loc = loc;
                    return;
                }
        }
    }
    for (Expr& c : e.items)
        canonicalize(c, locals);
    for (auto& kw : e.keywords)
        canonicalize(kw.second, locals);
}

void Evaluator::canonicalize(std::vector<Stmt>& body, const std::set<std::string>& locals)
{
    for (Stmt& s : body) {
        canonicalize(s.value, locals);
        canonicalize(s.target, locals); // names it binds are locals and stay as they are
        canonicalize(s.body, locals);
        canonicalize(s.orelse, locals);
    }
}

void Evaluator::canonicalize(std::vector<Stmt>& body, const std::vector<std::string>& params)
{
    std::set<std::string> locals(params.begin(), params.end());
    locals.insert("self");
    localNames(body, locals);
    canonicalize(body, locals);
}

void Evaluator::finishInstance(Module& m, Instance& inst)
{
    m_usedFunctions.clear();
    const Value* fwd = inst.cls->lookup("forward");
    const bool ownForward = fwd && fwd->kind == Value::Kind::Function && fwd->fn->body;
    if (m.kind() != ModuleKind::Custom) { // a class derived from a container
        if (!inst.plainLists.empty())
            notYet(m.sourceLoc(), "modules in a plain Python list inside a class derived from nn." + containerTypeName(m.kind()));
        if (!ownForward)
            return; // the container's own forward runs
    }
    // Modules kept in plain Python lists: shown, but not registered (as in PyTorch).
    int inserted = 0;
    for (const auto& [attr, index] : inst.plainLists) {
        auto it = inst.attrs.find(attr);
        if (it == inst.attrs.end() || !it->second.isSequence())
            continue;
        auto list = ml::makeContainer(ModuleKind::PlainList);
        Module& l = *list;
        bool any = false;
        for (const Value& v : it->second.elements()) {
            if (v.kind != Value::Kind::Module)
                continue;
            attachChild(l, std::to_string(l.childCount()), v, m.sourceLoc());
            any = true;
        }
        if (!any)
            continue;
        const int at = std::min(index + inserted, m.childCount());
        m.insertChild(at, attr, std::move(list));
        ++inserted;
        inst.attrs.erase(it);
    }

    ForwardProgram p;
    p.params.clear();
    if (ownForward) {
        const FunctionDef& fn = *fwd->fn;
        for (size_t k = 1; k < fn.params.size(); ++k) {
            if (fn.params[k].star)
                continue;
            p.params.push_back(fn.params[k].name);
            if (k < fn.hasDefault.size() && fn.hasDefault[k])
                if (auto lit = literalOf(fn.defaults[k]))
                    p.defaults.push_back(std::move(*lit));
        }
        for (const Stmt& st : *fn.body) // docstrings and pass do nothing
            if (st.kind != Stmt::Kind::Pass && !(st.kind == Stmt::Kind::ExprStmt && st.value.kind == Expr::Kind::Str))
                p.body.push_back(st);
        canonicalize(p.body, p.params);
    } else {
        p.params = {"x"};
    }
    // helper methods, nearest class first
    std::vector<const ClassDef*> order;
    auto visit = [&](const ClassDef* c, auto& self) -> void {
        if (std::find(order.begin(), order.end(), c) != order.end())
            return;
        order.push_back(c);
        for (const auto& b : c->bases)
            self(b.get(), self);
    };
    visit(inst.cls.get(), visit);
    for (const ClassDef* c : order) {
        for (const auto& [name, v] : c->attrs) {
            if (name == "forward" || name == "__init__" || p.method(name) || p.attribute(name))
                continue;
            if (v.kind == Value::Kind::Function && v.fn->body) {
                Method meth;
                meth.name = name;
                meth.loc = v.fn->loc;
                meth.params.assign(v.fn->params.begin() + (v.fn->isStatic || v.fn->params.empty() ? 0 : 1), v.fn->params.end());
                meth.body = *v.fn->body;
                std::vector<std::string> names;
                for (const Param& prm : meth.params)
                    names.push_back(prm.name);
                canonicalize(meth.body, names);
                p.methods.push_back(std::move(meth));
            } else if (!inst.attrs.count(name)) {
                if (auto lit = literalOf(v))
                    p.attributes.emplace_back(name, std::move(*lit));
            }
        }
    }
    for (const std::string& name : inst.attrOrder) {
        auto it = inst.attrs.find(name);
        if (it == inst.attrs.end() || p.attribute(name))
            continue;
        if (auto lit = literalOf(it->second))
            p.attributes.emplace_back(name, std::move(*lit));
        else if (auto fn = lambdaLiteral(it->second))
            p.attributes.emplace_back(name, std::move(*fn));
    }
    // module-level functions forward and its helpers call, and those they call in turn
    for (size_t k = 0; k < m_usedFunctions.size(); ++k) {
        const std::string name = m_usedFunctions[k];
        const Value& v = m_globals[name];
        if (p.method(name) || v.kind != Value::Kind::Function)
            continue;
        Method fn;
        fn.name = name;
        fn.loc = v.fn->loc;
        fn.params = v.fn->params;
        fn.body = *v.fn->body;
        fn.isFunction = true;
        std::vector<std::string> names;
        for (Param& prm : fn.params) {
            names.push_back(prm.name);
            if (prm.defaultValue)
                canonicalize(*prm.defaultValue, std::set<std::string>{});
        }
        canonicalize(fn.body, names);
        p.methods.push_back(std::move(fn));
    }
    m_usedFunctions.clear();
    if (m.kind() == ModuleKind::Custom)
        static_cast<CustomModule&>(m).setProgram(std::move(p));
    else
        static_cast<Container&>(m).setOwnForward(std::move(p));
}

// ---- module attributes and methods ----------------------------------------------------

Value Evaluator::moduleAttr(const Value& obj, const std::string& name, SourceLoc loc, Frame& f, bool& found)
{
    found = true;
    const Module& m = *obj.module;
    auto inst = m_instances.find(&m);
    if (inst != m_instances.end()) {
        if (auto it = inst->second.attrs.find(name); it != inst->second.attrs.end())
            return it->second;
    }
    if (const Module* c = m.findChild(name))
        return Value::ofModule(c);
    if (m.kind() == ModuleKind::Custom)
        if (auto t = ownTensor(m, name))
            return *t;
    if (inst != m_instances.end()) {
        if (const Value* v = inst->second.cls->lookup(name)) {
            if (v->kind == Value::Kind::Function) {
                if (v->fn->isStatic)
                    return *v;
                Value meth;
                meth.kind = Value::Kind::Method;
                meth.s = name;
                meth.items = {obj};
                meth.fn = v->fn;
                if (v->fn->isProperty)
                    return call(meth, {}, {}, loc, f);
                return meth;
            }
            return *v;
        }
    } else if (const ForwardProgram* own = m.ownForward()) {
        const ForwardProgram& p = *own;
        if (const Expr* e = p.attribute(name)) {
            Frame lit;
            return eval(*e, lit);
        }
        if (const Method* meth = p.method(name); meth && !meth->isFunction) {
            Value mv;
            mv.kind = Value::Kind::Method;
            mv.s = name;
            mv.items = {obj};
            mv.fn = programFunction(*meth);
            return mv;
        }
    }
    if (name == "training")
        return Value::ofBool(isTraining(m));
    if (m.kind() == ModuleKind::Layer) {
        const Layer& layer = static_cast<const Layer&>(m);
        const std::vector<TensorSpec> specs = layer.tensorSpecs();
        for (size_t k = 0; k < specs.size(); ++k)
            if (specs[k].name == name) {
                std::shared_ptr<const Tensor> data;
                if (k < layer.tensors().size())
                    data = std::make_shared<Tensor>(layer.tensors()[k]);
                if (data && !specs[k].isBuffer)
                    parameterRead(layer.tensors()[k], data);
                if (specs[k].isBuffer)
                    return bufferValue(specs[k].shape, std::move(data), m, specs[k].name);
                return parameterValue(specs[k].shape, std::move(data), &m, specs[k].name);
            }
        if (name == "bias" || name == "weight")
            return Value::none(); // bias=False, affine=False
        const LayerSchema& schema = layer.schema();
        const int idx = schema.indexOf(name);
        if (idx >= 0) {
            Value v = fromArgValue(layer.arg(name));
            // convolutions keep kernel_size, stride, padding and dilation as tuples (_pair in PyTorch)
            const std::string type = layer.typeName();
            const int dims = type == "Conv2d" || type == "ConvTranspose2d" ? 2 : type == "Conv1d" ? 1 : 0;
            if (dims && v.isInt() && (name == "kernel_size" || name == "stride" || name == "padding" || name == "dilation"))
                v = Value::ofTuple(std::vector<Value>(static_cast<size_t>(dims), v));
            return v;
        }
    }
    static const std::vector<std::string> methods = {
        "add_module", "register_module", "register_buffer", "register_parameter", "append", "extend", "insert", "update", "keys",
        "values", "items", "children", "modules", "named_children", "named_modules", "parameters", "named_parameters", "buffers",
        "named_buffers",
        "to", "cuda", "cpu", "float", "double", "half", "eval", "train", "apply", "forward", "requires_grad_", "zero_grad",
        "state_dict", "load_state_dict", "pop", "__init__", "__setattr__", "__getattr__", "type", "share_memory", "get_submodule"};
    if (std::find(methods.begin(), methods.end(), name) != methods.end()) {
        Value mv;
        mv.kind = Value::Kind::Method;
        mv.s = name;
        mv.items = {obj};
        return mv;
    }
    found = false;
    return {};
}

std::shared_ptr<FunctionDef> Evaluator::programFunction(const Method& meth)
{
    auto it = m_methodCache.find(&meth);
    if (it == m_methodCache.end()) {
        auto fn = std::make_shared<FunctionDef>();
        fn->name = meth.name;
        if (!meth.isFunction)
            fn->params.push_back(Param{"self", std::nullopt, meth.loc, 0});
        fn->params.insert(fn->params.end(), meth.params.begin(), meth.params.end());
        fn->body = &meth.body;
        fn->loc = meth.loc;
        Frame empty;
        for (const Param& prm : fn->params) {
            fn->hasDefault.push_back(prm.defaultValue.has_value());
            fn->defaults.push_back(prm.defaultValue ? eval(*prm.defaultValue, empty) : Value());
        }
        it = m_methodCache.emplace(&meth, std::move(fn)).first;
    }
    return it->second;
}

std::optional<Value> Evaluator::ownTensor(const Module& m, const std::string& name) const
{
    if (m.kind() != ModuleKind::Custom)
        return std::nullopt;
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    for (size_t k = 0; k < specs.size(); ++k) {
        if (specs[k].name != name)
            continue;
        std::shared_ptr<const Tensor> data;
        if (m.hasTensors())
            data = std::make_shared<Tensor>(m.tensors()[k]);
        if (data && !specs[k].isBuffer)
            parameterRead(m.tensors()[k], data);
        if (specs[k].isBuffer)
            return bufferValue(specs[k].shape, std::move(data), m, specs[k].name);
        return parameterValue(specs[k].shape, std::move(data), &m, specs[k].name);
    }
    return std::nullopt;
}

void Evaluator::registerTensor(CustomModule& m, Instance& in, const std::string& name, const Value& v, bool buffer, bool persistent,
                               bool viaRegister, SourceLoc loc)
{
    const std::string what = buffer ? "buffer" : "parameter";
    if (!in.superCalled)
        fail(loc, "AttributeError: cannot assign " + (viaRegister ? what : std::string("parameters")) + " before Module.__init__() call");
    std::optional<TensorSpec> spec;
    for (const TensorSpec& s : m.tensorSpecs())
        if (s.name == name)
            spec = s;
    const bool isParameter = v.isTensor() && v.s == "parameter";
    if (viaRegister) {
        if (in.attrs.count(name) || m.findChild(name) || in.cls->lookup(name) || (spec && spec->isBuffer != buffer))
            fail(loc, "KeyError: attribute '" + name + "' already exists");
        if (v.kind == Value::Kind::None) {
            if (spec)
                notYet(loc, "setting the " + what + " '" + name + "' to None");
            if (!in.attrs.count(name))
                in.attrOrder.push_back(name);
            in.attrs[name] = v; // a None buffer or parameter: read as None, not in state_dict()
            return;
        }
        if (buffer && !v.isTensor())
            fail(loc, "TypeError: cannot assign '" + typeNameOf(v) + "' object to buffer '" + name + "' (torch Tensor or None required)");
        if (!buffer && !isParameter)
            fail(loc, "TypeError: cannot assign '" + (v.isTensor() ? std::string("torch.FloatTensor") : typeNameOf(v)) + "' object to parameter '"
                          + name + "' (torch.nn.Parameter or None required)");
    } else {
        if (m.findChild(name))
            notYet(loc, "replacing the child module '" + name + "' with a tensor");
        if (spec && !spec->isBuffer && !isParameter)
            fail(loc, "TypeError: cannot assign 'torch.FloatTensor' as parameter '" + name + "' (torch.nn.Parameter or None expected)");
        buffer = !isParameter;
        persistent = spec && spec->isBuffer ? spec->persistent : true;
    }
    TensorSpec s;
    s.name = name;
    s.shape = v.shape;
    s.isBuffer = buffer;
    s.persistent = persistent;
    float fill = 0.0f;
    if (!v.data) {
        if (v.b)
            fill = static_cast<float>(v.f);
        else if (v.i <= 0)
            warn(loc, "not supported by ModuleLab yet: the random or unset initial values of '" + name
                          + "'; ModuleLab starts it at zeros (its shape, parameter count and state_dict key are PyTorch's)",
                 Severity::Info);
    }
    m.setOwnTensor(std::move(s), fill, v.data);
    recordBind(v, m, name, loc);
    if (!buffer) { // a new nn.Parameter has its own requires_grad (True unless given)
        const bool requiresGrad = parameterRequiresGrad(v).value_or(true);
        if (m.requiresGrad(name) != requiresGrad)
            m.setParameterFrozen(name, !requiresGrad);
    }
    in.attrs.erase(name);
}

namespace {

// requires_grad_(True) on m inside a frozen module: PyTorch keeps requires_grad per parameter, so
// the frozen modules above m stay frozen everywhere except on the way down to m (their own
// parameters and their other children keep requires_grad False).
void thawBelowFrozen(Module& m)
{
    std::vector<Module*> chain; // m's parent first, the root last
    for (Module* p = m.parent(); p; p = p->parent())
        chain.push_back(p);
    size_t top = chain.size();
    for (size_t i = 0; i < chain.size(); ++i)
        if (chain[i]->frozen())
            top = i;
    if (top == chain.size())
        return;
    for (size_t i = top + 1; i-- > 0;) {
        Module& a = *chain[i];
        const Module* next = i == 0 ? &m : chain[i - 1];
        a.setFrozen(false);
        for (const TensorSpec& s : a.tensorSpecs())
            if (!s.isBuffer)
                a.setParameterFrozen(s.name, true);
        for (const Module::Child& c : a.children())
            if (c.module.get() != next)
                c.module->setFrozen(true);
    }
}

} // namespace

Value Evaluator::moduleMethod(const Value& self, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f)
{
    const Module& cm = *self.module;
    Module& m = const_cast<Module&>(cm); // modules this evaluator built; forward never reaches a mutating method
    auto inst = m_instances.find(&cm);
    auto need = [&](size_t lo, size_t hi) {
        if (args.size() < lo || args.size() > hi)
            fail(loc, "TypeError: " + name + "() takes " + std::to_string(hi) + " positional argument" + (hi == 1 ? "" : "s") + " but "
                          + std::to_string(args.size()) + " were given");
    };
    bool mutated = false;
    auto mutating = [&] {
        if (!m_building)
            notYet(loc, "changing the model's modules inside forward (" + name + ")");
        mutated = true;
    };
    // A change of a module stored in several places reaches all of them: one PyTorch object.
    struct SyncAfter {
        Evaluator& ev;
        const Module& m;
        const bool& on;
        SourceLoc at;
        ~SyncAfter() noexcept(false)
        {
            if (on && std::uncaught_exceptions() == 0)
                ev.syncShared(m, at);
        }
    } syncAfter{*this, cm, mutated, loc};
    if (name == "__init__") {
        if (inst != m_instances.end() && !inst->second.superCalled && cm.kind() != ModuleKind::Custom)
            fillContainer(m, containerTypeName(cm.kind()), std::move(args), std::move(kwargs), loc);
        if (inst != m_instances.end())
            inst->second.superCalled = true;
        return Value::none();
    }
    if (name == kContainerForward) // super().forward(x) in a class derived from a container
        return containerForward(cm, std::move(args), std::move(kwargs), loc);
    if (name == "__getattr__") {
        need(1, 1);
        if (args[0].kind != Value::Kind::Str)
            fail(loc, "TypeError: attribute name must be string, not '" + typeNameOf(args[0]) + "'");
        if (const Module* c = cm.findChild(args[0].s))
            return Value::ofModule(c);
        if (auto t = ownTensor(cm, args[0].s))
            return *t;
        fail(loc, "AttributeError: '" + cm.typeName() + "' object has no attribute '" + args[0].s + "'");
    }
    if (name == "__setattr__") {
        mutating();
        need(2, 2);
        if (args[0].kind != Value::Kind::Str)
            fail(loc, "TypeError: attribute name must be string, not '" + typeNameOf(args[0]) + "'");
        const std::string& attr = args[0].s;
        const Value& v = args[1];
        if (inst == m_instances.end())
            notYet(loc, "setting ." + attr + " of a " + cm.typeName());
        Instance& in = inst->second;
        const bool hasModules = v.isSequence() && std::any_of(v.elements().begin(), v.elements().end(), [](const Value& x) { return x.kind == Value::Kind::Module; });
        if (v.kind == Value::Kind::Module) {
            if (!in.superCalled)
                fail(loc, "AttributeError: cannot assign module before Module.__init__() call");
            attachChild(m, attr, v, loc);
            if (Module* placed = m.findChild(attr))
                placed->setSourceLoc(loc); // the `self.NAME = ...` line, where diagnostics point
            in.attrs.erase(attr);
            return Value::none();
        }
        if (v.isTensor() && (v.s == "parameter" || ownTensor(cm, attr))) {
            if (cm.kind() != ModuleKind::Custom)
                notYet(loc, "parameters and buffers of a class derived from nn." + containerTypeName(cm.kind()) + " ('" + cm.typeName() + "')");
            registerTensor(static_cast<CustomModule&>(m), in, attr, v, v.s != "parameter", true, false, loc);
            return Value::none();
        }
        if (cm.findChild(attr)) {
            if (v.kind == Value::Kind::None)
                notYet(loc, "setting the registered child module '" + attr + "' to None");
            fail(loc, "TypeError: cannot assign '" + typeNameOf(v) + "' as child module '" + attr + "' (torch.nn.Module or None expected)");
        }
        // a list may get its modules later (self.blocks = [], then self.blocks.append(...)):
        // finishInstance keeps it as a plain list if it holds any by then
        if (hasModules || v.kind == Value::Kind::List) {
            bool known = false;
            for (const auto& pl : in.plainLists)
                known = known || pl.first == attr;
            if (!known)
                in.plainLists.emplace_back(attr, cm.childCount());
        }
        if (!in.attrs.count(attr))
            in.attrOrder.push_back(attr);
        in.attrs[attr] = v;
        return Value::none();
    }
    if (name == "add_module" || name == "register_module") {
        mutating();
        need(2, 2);
        if (args[0].kind != Value::Kind::Str)
            fail(loc, "TypeError: module name should be a string. Got " + typeNameOf(args[0]));
        if (args[0].s.find('.') != std::string::npos)
            fail(loc, "KeyError: module name can't contain \".\", got: " + args[0].s);
        if (args[0].s.empty())
            fail(loc, "KeyError: module name can't be empty string \"\"");
        if (args[1].kind == Value::Kind::None)
            notYet(loc, "registering None as a module");
        if (inst != m_instances.end() && !inst->second.superCalled)
            fail(loc, "AttributeError: cannot assign module before Module.__init__() call");
        if (cm.namesArePositions() && cm.kind() != ModuleKind::Sequential)
            notYet(loc, "add_module on a ModuleList");
        attachChild(m, args[0].s, args[1], loc);
        return Value::none();
    }
    if (name == "register_buffer" || name == "register_parameter") {
        mutating();
        const bool buffer = name == "register_buffer";
        const std::string what = buffer ? "buffer" : "parameter";
        bool persistent = true;
        for (const auto& [k, v] : kwargs) {
            if (k == "persistent" && buffer && args.size() == 2)
                persistent = truthy(v, loc);
            else
                fail(loc, "TypeError: " + name + "() got an unexpected keyword argument '" + k + "'");
        }
        if (buffer && args.size() == 3)
            persistent = truthy(args[2], loc);
        need(2, buffer && kwargs.empty() ? 3 : 2);
        if (inst == m_instances.end())
            notYet(loc, name + "() on a " + cm.typeName());
        if (args[0].kind != Value::Kind::Str)
            fail(loc, "TypeError: " + what + " name should be a string. Got " + typeNameOf(args[0]));
        if (args[0].s.find('.') != std::string::npos)
            fail(loc, "KeyError: " + what + " name can't contain \".\"");
        if (args[0].s.empty())
            fail(loc, "KeyError: " + what + " name can't be empty string \"\"");
        if (cm.kind() != ModuleKind::Custom)
            notYet(loc, "parameters and buffers of a class derived from nn." + containerTypeName(cm.kind()) + " ('" + cm.typeName() + "')");
        registerTensor(static_cast<CustomModule&>(m), inst->second, args[0].s, args[1], buffer, persistent, true, loc);
        return Value::none();
    }
    if (name == "append" || name == "extend" || name == "insert") {
        mutating();
        if (cm.kind() != ModuleKind::ModuleList && cm.kind() != ModuleKind::Sequential)
            fail(loc, "AttributeError: '" + cm.typeName() + "' object has no attribute '" + name + "'");
        if (name == "append") {
            need(1, 1);
            attachChild(m, std::to_string(cm.childCount()), args[0], loc);
        } else if (name == "extend") {
            need(1, 1);
            for (const Value& v : iterate(args[0], loc))
                attachChild(m, std::to_string(cm.childCount()), v, loc);
        } else {
            need(2, 2);
            int64_t k = args[0].integer();
            const int64_t n = cm.childCount();
            if (k < 0)
                k += n;
            k = std::clamp<int64_t>(k, 0, n);
            std::unique_ptr<Module> c = adoptModule(args[1], loc);
            m.insertChild(static_cast<int>(k), {}, std::move(c));
        }
        return self;
    }
    if (name == "update") {
        mutating();
        if (cm.kind() != ModuleKind::ModuleDict)
            fail(loc, "AttributeError: '" + cm.typeName() + "' object has no attribute 'update'");
        need(1, 1);
        std::vector<std::pair<Value, Value>> entries;
        if (args[0].kind == Value::Kind::Dict)
            entries = args[0].dict->entries;
        else
            for (const Value& pair : iterate(args[0], loc)) {
                std::vector<Value> kv = iterate(pair, loc);
                if (kv.size() != 2)
                    fail(loc, "ValueError: ModuleDict update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
                entries.emplace_back(kv[0], kv[1]);
            }
        for (const auto& [k, v] : entries) {
            if (k.kind != Value::Kind::Str)
                fail(loc, "TypeError: module name should be a string. Got " + typeNameOf(k));
            attachChild(m, k.s, v, loc);
        }
        return Value::none();
    }
    if (name == "__setitem__") {
        mutating();
        if (cm.kind() == ModuleKind::ModuleDict) {
            attachChild(m, args[0].s, args[1], loc);
            return Value::none();
        }
        if (!args[0].isInt())
            fail(loc, "TypeError: indices must be integers");
        int64_t k = args[0].integer();
        if (k < 0)
            k += cm.childCount();
        if (k < 0 || k >= cm.childCount())
            fail(loc, "IndexError: index " + std::to_string(args[0].integer()) + " is out of range");
        std::unique_ptr<Module> c = adoptModule(args[1], loc);
        const std::string childName = cm.childName(static_cast<int>(k));
        m_replaced.push_back(m.takeChild(static_cast<int>(k))); // values may still name it
        m.insertChild(static_cast<int>(k), childName, std::move(c));
        return Value::none();
    }
    if (name == "__slice__") {
        std::vector<Value> out;
        for (const Value& k : args[0].items)
            out.push_back(Value::ofModule(cm.child(static_cast<int>(k.i))));
        Value v = Value::ofList(std::move(out));
        if (cm.kind() == ModuleKind::Sequential)
            v.s = kSequentialSlice; // callable as PyTorch's Sequential of the same modules
        return v;
    }
    if (name == "keys" || name == "values" || name == "items") {
        std::vector<Value> out;
        for (const Module::Child& c : cm.children()) {
            if (name == "keys")
                out.push_back(Value::ofStr(c.name));
            else if (name == "values")
                out.push_back(Value::ofModule(c.module.get()));
            else
                out.push_back(Value::ofTuple({Value::ofStr(c.name), Value::ofModule(c.module.get())}));
        }
        return Value::ofList(std::move(out));
    }
    if (name == "children" || name == "named_children") {
        std::vector<Value> out;
        for (const Module::Child& c : cm.children()) {
            if (c.module->kind() == ModuleKind::PlainList)
                continue;
            out.push_back(name == "children" ? Value::ofModule(c.module.get())
                                             : Value::ofTuple({Value::ofStr(c.name), Value::ofModule(c.module.get())}));
        }
        return Value::ofList(std::move(out));
    }
    if (name == "modules" || name == "named_modules") {
        std::vector<Value> out;
        for (const NamedModule& nm : namedModules(cm)) {
            std::string rel = nm.path;
            out.push_back(name == "modules" ? Value::ofModule(nm.module)
                                            : Value::ofTuple({Value::ofStr(rel), Value::ofModule(nm.module)}));
        }
        return Value::ofList(std::move(out));
    }
    if (name == "parameters" || name == "named_parameters" || name == "buffers" || name == "named_buffers") {
        // each module once (a shared one under its first name), its own tensors before its children's
        const bool buffers = name == "buffers" || name == "named_buffers";
        std::vector<Value> out;
        for (const NamedModule& nm : namedModules(cm))
            for (const TensorSpec& spec : nm.module->tensorSpecs()) {
                if (spec.isBuffer != buffers)
                    continue;
                Value t = buffers ? Value::ofTensor(spec.shape, nullptr) : parameterValue(spec.shape, nullptr, nm.module, spec.name);
                out.push_back(name.rfind("named_", 0) == 0 ? Value::ofTuple({Value::ofStr(joinName(nm.path, spec.name)), t}) : t);
            }
        return Value::ofList(std::move(out));
    }
    if (name == "state_dict") {
        // every place of a shared module, as PyTorch's state_dict() lists it
        Value d;
        d.kind = Value::Kind::Dict;
        d.dict = std::make_shared<DictData>();
        d.dict->ordered = true;
        for (const StateEntry& e : stateDict(cm))
            d.dict->entries.emplace_back(Value::ofStr(e.key), Value::ofTensor(e.spec.shape, nullptr));
        return d;
    }
    if (name == "apply") {
        need(1, 1);
        // children first, then the module itself, as Module.apply does
        auto visit = [&](const Module& node, auto& rec) -> void {
            for (const Module::Child& c : node.children())
                if (c.module->kind() != ModuleKind::PlainList)
                    rec(*c.module, rec);
            (void)call(args[0], {Value::ofModule(&node)}, {}, loc, f);
        };
        visit(cm, visit);
        return self;
    }
    if (name == "to" || name == "cuda" || name == "cpu" || name == "float" || name == "double" || name == "share_memory"
        || name == "type")
        return self;
    if (name == "requires_grad_") {
        // requires_grad_(requires_grad=True) on every parameter below: False freezes the module for training
        need(0, 1);
        bool requiresGrad = args.empty() || truthy(args[0], loc);
        for (const auto& [key, v] : kwargs) {
            if (key != "requires_grad")
                fail(loc, "TypeError: requires_grad_() got an unexpected keyword argument '" + key + "'");
            if (!args.empty())
                fail(loc, "TypeError: requires_grad_() got multiple values for argument 'requires_grad'");
            requiresGrad = truthy(v, loc);
        }
        mutating();
        if (requiresGrad)
            thawBelowFrozen(m);
        auto set = [&](Module& node, auto& rec) -> void {
            node.setFrozen(false);
            for (const Module::Child& c : node.children())
                rec(*c.module, rec);
        };
        if (requiresGrad)
            set(m, set);
        else
            m.setFrozen(true);
        return self;
    }
    if (name == "half") {
        warn(loc, "not supported by ModuleLab yet: half precision; the model is analysed in float32", Severity::Info);
        return self;
    }
    if (name == "eval" || name == "train") {
        warn(loc, "model." + name + "() while building: ModuleLab analyses and runs the model in eval mode", Severity::Info);
        return self;
    }
    if (name == "zero_grad")
        return Value::none();
    if (name == "forward")
        return callModule(cm, std::move(args), std::move(kwargs), loc);
    if (name == "pop" && cm.kind() == ModuleKind::ModuleDict)
        notYet(loc, "ModuleDict.pop()");
    if (name == "get_submodule") {
        need(1, 1);
        const Module* target = args[0].kind == Value::Kind::Str ? const_cast<Module&>(cm).findPath(args[0].s) : nullptr;
        if (!target)
            fail(loc, "AttributeError: " + cm.typeName() + " has no attribute `" + (args[0].kind == Value::Kind::Str ? args[0].s : std::string()) + "`");
        return Value::ofModule(target);
    }
    notYet(loc, "the module method ." + name + "()");
}

// ---- namespaced functions ------------------------------------------------------------------

Value Evaluator::callTorch(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f)
{
    auto need = [&](size_t lo, size_t hi) {
        if (args.size() < lo || args.size() > hi)
            fail(loc, "TypeError: " + name + "() takes " + std::to_string(hi) + " argument" + (hi == 1 ? "" : "s") + " ("
                          + std::to_string(args.size()) + " given)");
    };
    auto num = [&](size_t k) -> double {
        if (k >= args.size() || !args[k].isNumber())
            fail(loc, "TypeError: must be real number, not " + (k < args.size() ? typeNameOf(args[k]) : std::string("nothing")));
        return args[k].number();
    };
    if (name.rfind("math.", 0) == 0) {
        const std::string fn = name.substr(5);
        if (fn == "sqrt") {
            need(1, 1);
            if (num(0) < 0)
                fail(loc, "ValueError: math domain error");
            return Value::ofFloat(std::sqrt(num(0)));
        }
        if (fn == "ceil" || fn == "floor" || fn == "trunc") {
            need(1, 1);
            if (args[0].isInt())
                return Value::ofInt(args[0].integer());
            const double x = fn == "ceil" ? std::ceil(num(0)) : fn == "floor" ? std::floor(num(0)) : std::trunc(num(0));
            if (!std::isfinite(x) || std::fabs(x) >= 9.2e18)
                fail(loc, std::isnan(x) ? "ValueError: cannot convert float NaN to integer" : "OverflowError: cannot convert float infinity to integer");
            return Value::ofInt(static_cast<int64_t>(x));
        }
        if (fn == "log" || fn == "log2" || fn == "log10" || fn == "exp" || fn == "sin" || fn == "cos" || fn == "tan" || fn == "atan"
            || fn == "tanh" || fn == "fabs") {
            need(1, 2);
            const double x = num(0);
            if ((fn == "log" || fn == "log2" || fn == "log10") && x <= 0)
                fail(loc, "ValueError: math domain error");
            double r = fn == "log" ? std::log(x) : fn == "log2" ? std::log2(x) : fn == "log10" ? std::log10(x) : fn == "exp" ? std::exp(x)
                : fn == "sin" ? std::sin(x) : fn == "cos" ? std::cos(x) : fn == "tan" ? std::tan(x) : fn == "atan" ? std::atan(x)
                : fn == "tanh" ? std::tanh(x) : std::fabs(x);
            if (fn == "log" && args.size() == 2)
                r = std::log(x) / std::log(num(1));
            if (fn == "exp" && std::isinf(r))
                fail(loc, "OverflowError: math range error");
            return Value::ofFloat(r);
        }
        if (fn == "pow") {
            need(2, 2);
            return Value::ofFloat(std::pow(num(0), num(1)));
        }
        if (fn == "gcd") {
            int64_t g = 0;
            for (const Value& a : args) {
                if (!a.isInt())
                    fail(loc, "TypeError: '" + typeNameOf(a) + "' object cannot be interpreted as an integer");
                g = std::gcd(g, a.integer());
            }
            return Value::ofInt(g);
        }
        if (fn == "prod") {
            need(1, 1);
            Value acc = Value::ofInt(1);
            for (const Value& v : iterate(args[0], loc))
                acc = binary("*", acc, v, loc);
            return acc;
        }
        if (fn == "isclose") {
            need(2, 2);
            return Value::ofBool(std::fabs(num(0) - num(1)) <= 1e-9 * std::max(std::fabs(num(0)), std::fabs(num(1))));
        }
        notYet(loc, name + "()");
    }
    if (name == "collections.OrderedDict") {
        Value d = callBuiltin("dict", std::move(args), std::move(kwargs), loc, f);
        d.dict->ordered = true;
        return d;
    }
    if (name == "collections.namedtuple")
        return namedTupleClass(std::move(args), std::move(kwargs), loc);
    if (name == "functools.partial") {
        if (args.empty())
            fail(loc, "TypeError: type 'partial' takes at least one argument");
        Value p;
        p.kind = Value::Kind::Partial;
        p.items = std::move(args);
        p.dict = std::make_shared<DictData>();
        for (auto& [k, v] : kwargs)
            p.dict->entries.emplace_back(Value::ofStr(k), std::move(v));
        return p;
    }
    if (name == "torch.nn.Module.__init__") {
        if (!args.empty() && args[0].kind == Value::Kind::Module)
            return moduleMethod(args[0], "__init__", {}, {}, loc, f);
        return Value::none();
    }
    if (name == "torch.nn.Sequential.__init__" || name == "torch.nn.ModuleList.__init__" || name == "torch.nn.ModuleDict.__init__") {
        if (args.empty() || args[0].kind != Value::Kind::Module)
            fail(loc, "TypeError: descriptor '__init__' needs an argument");
        const Value self = args[0];
        args.erase(args.begin());
        return moduleMethod(self, "__init__", std::move(args), std::move(kwargs), loc, f);
    }
    if (name == "torch.nn.Sequential.forward" && !args.empty() && args[0].kind == Value::Kind::Module
        && args[0].module->kind() == ModuleKind::Sequential) {
        const Value self = args[0];
        args.erase(args.begin());
        return containerForward(*self.module, std::move(args), std::move(kwargs), loc);
    }
    if (name == "torch.nn.Module.forward")
        notYet(loc, "calling nn.Module.forward directly");
    if (name.rfind("torch.nn.init.", 0) == 0)
        return initFunction(name.substr(14), std::move(args), std::move(kwargs), loc);
    if (name.rfind("torch.nn.", 0) == 0 && name.find('.', 9) == std::string::npos) {
        const std::string type = name.substr(9);
        if (type == "Sequential" || type == "ModuleList" || type == "ModuleDict") {
            if (!m_building)
                notYet(loc, "creating nn." + type + " inside forward");
            return makeContainer(type, std::move(args), std::move(kwargs), loc);
        }
        if (type == "Module")
            notYet(loc, "an instance of the bare nn.Module");
        if (type == "Parameter") {
            if (args.empty() || !args[0].isTensor())
                notYet(loc, "nn.Parameter of something other than a tensor");
            if (args.size() > 2)
                fail(loc, "TypeError: Parameter.__new__() takes from 1 to 3 positional arguments but " + std::to_string(args.size() + 1) + " were given");
            std::optional<Value> requiresGrad;
            if (args.size() > 1)
                requiresGrad = args[1];
            for (const auto& [k, v] : kwargs) {
                if (k != "requires_grad")
                    fail(loc, "TypeError: Parameter.__new__() got an unexpected keyword argument '" + k + "'");
                if (requiresGrad)
                    fail(loc, "TypeError: Parameter.__new__() got multiple values for argument 'requires_grad'");
                requiresGrad = v;
            }
            Value t = args[0];
            t.s = "parameter";
            t.module = nullptr;
            t.items.clear();
            if (requiresGrad) {
                if (requiresGrad->kind != Value::Kind::Bool)
                    fail(loc, "TypeError: _make_subclass(): argument 'require_grad' (position 3) must be bool, not " + typeNameOf(*requiresGrad));
                t.items = {*requiresGrad};
            }
            return t;
        }
        if (!type.empty() && std::isupper(static_cast<unsigned char>(type[0]))) {
            if (!m_building)
                notYet(loc, "creating layers inside forward (nn." + type + "(...)); create them in __init__");
            return makeLayer(type, std::move(args), std::move(kwargs), loc, m_callArgLocs);
        }
    }
    if (name == "warnings.warn") {
        // Python prints the warning and goes on
        if (!args.empty())
            warn(loc, (args.size() > 1 && args[1].kind == Value::Kind::Builtin ? args[1].s : std::string("UserWarning")) + ": " + str(args[0]),
                 Severity::Info);
        return Value::none();
    }
    if (name == "typing.cast") {
        need(2, 2);
        return args[1];
    }
    if (name == "torch.cuda.is_available" || name == "torch.backends.mps.is_available")
        return Value::ofBool(false);
    if (name == "torch.cuda.device_count")
        return Value::ofInt(0);
    if (name == "torch.device") {
        need(1, 2);
        return Value::ofStr(str(args[0]));
    }
    if (name == "torch.no_grad" || name == "torch.enable_grad" || name == "torch.set_grad_enabled" || name == "torch.inference_mode")
        return Value::none(); // a context for `with`: the body runs, nothing ModuleLab computes changes
    if (name == "torch.manual_seed" || name == "torch.set_num_threads" || name == "torch.cuda.manual_seed"
        || name == "torch.cuda.manual_seed_all" || name == "torch.set_default_dtype")
        return Value::none();
    if (name.rfind("torch.", 0) == 0)
        return tensorFunction(name, std::move(args), std::move(kwargs), loc);
    notYet(loc, "'" + name + "'");
}

// ---- forward hooks: the defaults while a model is built ----------------------------------

Value Evaluator::callModule(const Module& m, Args, Kwargs, SourceLoc loc)
{
    notYet(loc, "running a module (" + m.typeName() + ") while the model is being built; compute sizes by hand");
}

bool Evaluator::isTraining(const Module&) const { return false; }

// PyTorch's forward of the container a class derives from: Sequential runs its children in order.
Value Evaluator::containerForward(const Module& m, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (m.kind() != ModuleKind::Sequential)
        fail(loc, "NotImplementedError: Module [" + m.typeName() + "] is missing the required \"forward\" function");
    if (args.size() != 1 || !kwargs.empty())
        fail(loc, "TypeError: Sequential.forward() takes 1 input but " + std::to_string(args.size() + kwargs.size()) + " were given");
    Value x = std::move(args[0]);
    for (const Module::Child& c : m.children())
        x = callModule(*c.module, {x}, {}, loc);
    return x;
}

} // namespace ml::detail

namespace ml::detail {

Value Evaluator::tensorMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (name == "@data" || name == "@T" || name == "detach" || name == "clone" || name == "contiguous")
        return x;
    if (name == "@shape" || name == "size") {
        std::vector<Value> dims;
        for (int64_t d : x.shape.dims())
            dims.push_back(Value::ofInt(d));
        if (name == "size" && !args.empty() && args[0].isInt()) {
            const int64_t d = args[0].integer() < 0 ? args[0].integer() + x.shape.rank() : args[0].integer();
            if (d < 0 || d >= x.shape.rank())
                fail(loc, "IndexError: Dimension out of range");
            return dims[static_cast<size_t>(d)];
        }
        return Value::ofTuple(std::move(dims));
    }
    if (name == "numel")
        return Value::ofInt(x.shape.numel().value_or(0));
    if (name == "@dtype")
        return Value::ofStr("torch.float32");
    if (name == "@device")
        return Value::ofStr("cpu");
    if (name == "to" || name == "float" || name == "cpu") {
        // A float32 tensor on the CPU moved to where it is: PyTorch returns the tensor itself.
        auto here = [](const Value& v) {
            return v.kind == Value::Kind::Str && (v.s == "torch.float32" || v.s == "torch.float" || v.s == "cpu");
        };
        bool same = name != "to" ? args.empty() && kwargs.empty() : true;
        if (name == "to") {
            for (const Value& a : args)
                same = same && here(a);
            for (const auto& [k, v] : kwargs)
                same = same && (k == "non_blocking" || ((k == "dtype" || k == "device") && here(v)));
        }
        if (same)
            return x;
    }
    if (name == "@ndim" || name == "dim")
        return Value::ofInt(x.shape.rank());
    if (!name.empty() && name.back() == '_')
        return initMethod(x, name, std::move(args), std::move(kwargs), loc);
    // What forward runs (the one table of forward ops) is known, yet not while building.
    const Spelling how = name[0] == '@' ? Spelling::Attribute : name == "__getitem__" ? Spelling::Operator : Spelling::Method;
    const std::string bare = how == Spelling::Attribute ? name.substr(1) : name;
    if (const ForwardOp* op = findForwardOp(how, bare))
        notYet(loc, spelled(*op, how) + " while the model is being built (it runs in forward)");
    notYet(loc, unsupportedOp(how, bare) + " while the model is being built");
}

Value Evaluator::tensorFunction(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc)
{
    const std::string fn = name.substr(name.rfind('.') + 1);
    if (name.rfind("operator", 0) == 0 && args.size() == 2)
        if (auto v = initArithmetic(name.substr(8), args[0], args[1]))
            return *v;
    if (name == "torch.randn_like" || name == "torch.rand_like" || name == "torch.zeros_like" || name == "torch.ones_like"
        || name == "torch.empty_like") {
        if (args.empty() || !args[0].isTensor())
            fail(loc, "TypeError: " + fn + "(): argument 'input' (position 1) must be Tensor, not " + (args.empty() ? std::string("nothing") : typeNameOf(args[0])));
        std::vector<Value> dims;
        for (int64_t d : args[0].shape.dims())
            dims.push_back(Value::ofInt(d));
        return Evaluator::tensorFunction("torch." + fn.substr(0, fn.size() - 5), {Value::ofTuple(std::move(dims))}, {}, loc);
    }
    if (name == "torch.normal") {
        // torch.normal(mean, std, size): a new tensor, normal_(mean, std)
        const Value* size = nullptr;
        std::vector<const Value*> ms;
        for (const Value& a : args)
            ms.push_back(&a);
        for (const auto& [k, v] : kwargs)
            if (k == "size")
                size = &v;
            else if (k == "mean" || k == "std")
                ms.insert(ms.begin() + (k == "mean" ? 0 : std::min<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(ms.size()))), &v);
        if (!size && ms.size() == 3)
            size = ms[2];
        if (!size || ms.size() < 2 || !ms[0]->isNumber() || !ms[1]->isNumber())
            notYet(loc, "torch.normal() other than torch.normal(mean, std, size) with numbers");
        Value t = Evaluator::tensorFunction("torch.empty", {*size}, {}, loc);
        m_unsetSlots.erase(t.i);
        InitEvent ev;
        ev.step.kind = InitStep::Kind::Normal;
        ev.step.target.slot = t.i;
        ev.step.target.shape = t.shape;
        ev.step.a = ms[0]->number();
        ev.step.b = ms[1]->number();
        if (ev.step.b < 0)
            fail(loc, "RuntimeError: normal expects std >= 0.0, but found std " + repr(*ms[1]));
        m_initEvents.push_back(std::move(ev));
        return t;
    }
    if (name == "torch.zeros" || name == "torch.ones" || name == "torch.randn" || name == "torch.rand" || name == "torch.empty"
        || name == "torch.Tensor" || name == "torch.FloatTensor") {
        std::vector<int64_t> dims;
        std::vector<Value> sizes = args.size() == 1 && args[0].isSequence() ? args[0].elements() : args;
        for (const Value& v : sizes) {
            if (!v.isInt())
                fail(loc, "TypeError: " + fn + "(): argument 'size' must be tuple of ints, but found element of type " + typeNameOf(v));
            if (v.integer() < 0)
                fail(loc, "RuntimeError: Trying to create tensor with negative dimension " + std::to_string(v.integer()));
            dims.push_back(v.integer());
        }
        Value t = Value::ofTensor(Shape(std::move(dims)), nullptr);
        t.b = name == "torch.zeros" || name == "torch.ones";
        t.f = name == "torch.ones" ? 1.0 : 0.0;
        std::optional<InitStep> op;
        if (name == "torch.randn" || name == "torch.rand") {
            op.emplace();
            op->kind = name == "torch.randn" ? InitStep::Kind::Normal : InitStep::Kind::Uniform;
            op->a = 0.0;
            op->b = 1.0;
        }
        t = newInitTensor(std::move(t), t.f, op);
        if (!t.b && !op)
            m_unsetSlots.insert(t.i);
        return t;
    }
    if (name == "torch.full") {
        if (args.size() != 2 || !args[1].isNumber())
            notYet(loc, "torch.full() other than torch.full(size, number)");
        Value t = Evaluator::tensorFunction("torch.zeros", {args[0]}, {}, loc);
        t.f = args[1].number();
        m_initEvents.back().step.a = t.f; // the new tensor's fill
        return t;
    }
    if (name == "torch.tensor" || name == "torch.as_tensor") {
        // numbers, or (nested) lists of them
        if (args.empty())
            fail(loc, "TypeError: tensor() missing 1 required positional arguments: \"data\"");
        std::vector<int64_t> dims;
        std::vector<float> values;
        auto walk = [&](const Value& v, size_t depth, auto& self) -> void {
            if (v.isNumber()) {
                if (depth != dims.size())
                    fail(loc, "ValueError: expected sequence of length " + std::to_string(dims.empty() ? 0 : dims.back()) + " at dim "
                                  + std::to_string(depth) + " (got a number)");
                values.push_back(static_cast<float>(v.number()));
                return;
            }
            if (!v.isSequence())
                notYet(loc, "torch.tensor() of a " + typeNameOf(v));
            const auto& items = v.elements();
            if (depth == dims.size() && values.empty())
                dims.push_back(static_cast<int64_t>(items.size()));
            else if (depth >= dims.size() || dims[depth] != static_cast<int64_t>(items.size()))
                fail(loc, "ValueError: expected sequence of length " + std::to_string(depth < dims.size() ? dims[depth] : 0) + " at dim "
                              + std::to_string(depth) + " (got " + std::to_string(items.size()) + ")");
            checkedCount(static_cast<int64_t>(values.size() + items.size()), loc, "tensor");
            for (const Value& e : items)
                self(e, depth + 1, self);
        };
        walk(args[0], 0, walk);
        auto data = std::make_shared<Tensor>(Shape(dims));
        for (size_t k = 0; k < values.size(); ++k)
            (*data)[static_cast<int64_t>(k)] = values[k];
        InitStep given;
        given.kind = InitStep::Kind::Copy;
        given.values = std::move(values);
        return newInitTensor(Value::ofTensor(Shape(std::move(dims)), std::move(data)), 0.0, std::move(given));
    }
    if (name.rfind("torch.nn.functional.", 0) == 0)
        fail(loc, "F." + fn + " is a function, not a module: in __init__ create a layer such as nn.ReLU(), or call F." + fn
                      + "(x) in forward");
    notYet(loc, name + "() while the model is being built");
}

} // namespace ml::detail
