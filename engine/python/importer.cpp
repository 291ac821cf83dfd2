#include "engine/python/importer.h"

#include "engine/names.h"
#include "engine/python/evaluator.h"
#include "engine/python/syntax.h"

#include <algorithm>
#include <map>
#include <set>

namespace ml::python {

using detail::ClassDef;
using detail::ErrorKind;
using detail::EvalError;
using detail::FunctionDef;
using detail::Value;

namespace {

// The notes that say which of several models was built (isModelChoiceNote).
const std::string kSeveralModels = "the file creates several models: ";
const std::string kSeveralClasses = "no line creates the model and several classes could be it (";

// The names an expression or statement reads, for telling whether a line touches the model.
void namesIn(const Expr& e, std::set<std::string>& out)
{
    if (e.kind == Expr::Kind::Name)
        out.insert(e.text);
    for (const Expr& c : e.items)
        namesIn(c, out);
    for (const auto& kw : e.keywords)
        namesIn(kw.second, out);
}

const Expr* rootName(const Expr& e)
{
    const Expr* cur = &e;
    while (cur->kind == Expr::Kind::Attr || cur->kind == Expr::Kind::Subscript || cur->kind == Expr::Kind::Call)
        cur = &cur->items[0];
    return cur->kind == Expr::Kind::Name ? cur : nullptr;
}

std::optional<Shape> inputShapeOf(const std::vector<Comment>& comments, std::vector<Diagnostic>& diags)
{
    for (const Comment& c : comments) {
        std::string_view t = c.text;
        while (!t.empty() && t.front() == ' ')
            t.remove_prefix(1);
        if (t.rfind("input:", 0) != 0)
            continue;
        t.remove_prefix(6);
        std::vector<int64_t> dims;
        bool ok = true;
        while (ok) {
            while (!t.empty() && t.front() == ' ')
                t.remove_prefix(1);
            int64_t v = 0;
            size_t k = 0;
            while (k < t.size() && t[k] >= '0' && t[k] <= '9' && v < (int64_t{1} << 40))
                v = v * 10 + (t[k++] - '0');
            ok = k > 0 && v > 0 && v < (int64_t{1} << 40);
            if (!ok)
                break;
            dims.push_back(v);
            t.remove_prefix(k);
            while (!t.empty() && t.back() == ' ')
                t.remove_suffix(1);
            if (t.empty())
                break;
            if (t.front() != ',') {
                ok = false;
                break;
            }
            t.remove_prefix(1);
        }
        if (!ok || dims.empty() || dims.size() > 8) {
            diags.push_back({"", Severity::Warning, "could not read the input shape comment; write it as '# input: 1,1,28,28'", c.loc});
            continue;
        }
        return Shape(std::move(dims));
    }
    return std::nullopt;
}

detail::Limits limitsOf(const ImportOptions& options)
{
    detail::Limits limits;
    if (options.stepBudget > 0)
        limits.steps = options.stepBudget;
    return limits;
}

// Runs a file's module level and builds the chosen model.
class FileEvaluator : public detail::Evaluator {
public:
    FileEvaluator(std::string file, const ImportOptions& options) : Evaluator(std::move(file), limitsOf(options)), m_options(options) {}

    std::variant<ImportResult, ParseError> run(std::string_view source);
    void checkModulePath(const std::string& module, SourceLoc loc);
    std::variant<std::vector<ModelChoice>, ParseError> choices(std::string_view source);

private:
    struct Created {
        std::string name;
        const Module* module;
        SourceLoc loc;
    };

    void topLevel(const Statement& s, Frame& top);
    void importStatement(const Statement& s, Frame& top);
    std::shared_ptr<ClassDef> classDef(const Statement& s, Frame& top);
    std::shared_ptr<FunctionDef> functionDef(const Statement& s, Frame& scope, std::shared_ptr<ClassDef> owner);
    bool touchesModel(const Stmt& s, const Frame& top) const;
    bool readsModel(const Stmt& s, const Frame& top) const;
    void noteModels(Frame& top, SourceLoc loc);
    void setModuleGlobal(const std::string& name, Value v) override
    {
        m_top.locals[name] = v; // the module level's own names, which functions see after this line
        m_globals[name] = std::move(v);
    }
    ParseError located(const EvalError& e, const std::string& prefix) const;
    std::variant<Value, ParseError> buildChosen(Frame& top);
    std::optional<ParseError> runFile(std::string_view source);
    std::vector<std::string> factoryFunctions() const;

    const ImportOptions& m_options;
    Frame m_top;
    SourceFile m_source;
    std::vector<std::string> m_classOrder;
    std::vector<Created> m_created;
};

ParseError FileEvaluator::located(const EvalError& e, const std::string& prefix) const
{
    return ParseError{m_file, e.loc, prefix + e.message};
}

namespace {

// The packages of torch and torch.nn as PyTorch 1.13 ships them (pkgutil.iter_modules): a path
// below torch or torch.nn that names none of them fails at the import, as in Python.
const std::set<std::string>& torchPackages(const std::string& parent)
{
    static const std::set<std::string> torch = {
        "_C", "_C_flatbuffer", "_VF", "__config__", "__future__", "_appdirs", "_classes", "_decomp", "_deploy", "_dispatch",
        "_jit_internal", "_lazy", "_linalg_utils", "_lobpcg", "_lowrank", "_meta_registrations", "_namedtensor_internals",
        "_ops", "_prims", "_prims_common", "_python_dispatcher", "_refs", "_six", "_sources", "_storage_docs", "_subclasses",
        "_tensor", "_tensor_docs", "_tensor_str", "_torch_docs", "_utils", "_utils_internal", "_vmap_internals",
        "_weights_only_unpickler", "amp", "ao", "autograd", "backends", "contrib", "cpu", "cuda", "distributed",
        "distributions", "fft", "functional", "futures", "fx", "hub", "jit", "library", "linalg", "masked", "monitor",
        "multiprocessing", "nested", "nn", "onnx", "optim", "overrides", "package", "profiler", "quantization", "quasirandom",
        "random", "return_types", "serialization", "sparse", "special", "storage", "testing", "torch_version", "types", "utils",
        "version"};
    static const std::set<std::string> nn = {"_reduction", "backends", "common_types", "cpp", "functional", "grad", "init",
                                             "intrinsic", "modules", "parallel", "parameter", "qat", "quantizable",
                                             "quantized", "utils"};
    static const std::set<std::string> none;
    return parent == "torch" ? torch : parent == "torch.nn" ? nn : none;
}

} // namespace

void FileEvaluator::checkModulePath(const std::string& module, SourceLoc loc)
{
    std::string prefix;
    size_t start = 0;
    while (start <= module.size()) {
        const size_t dot = module.find('.', start);
        const std::string part = module.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const std::set<std::string>& known = torchPackages(prefix);
        prefix += (prefix.empty() ? "" : ".") + part;
        if (!known.empty() && !known.count(part))
            fail(loc, "ModuleNotFoundError: No module named '" + prefix + "'");
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
}

void FileEvaluator::importStatement(const Statement& s, Frame& top)
{
    if (s.kind == Statement::Kind::Import) {
        for (const auto& [mod, alias] : s.imports) {
            checkModulePath(mod, s.loc);
            if (alias.empty()) {
                const std::string head = mod.substr(0, mod.find('.'));
                top.locals[head] = importValue(head); // `import torch.nn` binds `torch`
            } else {
                top.locals[alias] = importValue(mod);
            }
        }
        return;
    }
    checkModulePath(s.name, s.loc);
    for (const auto& [name, alias] : s.imports) {
        if (name == "*") {
            if (s.name == "torch.nn" || s.name == "torch") {
                warn(s.loc, "not supported by ModuleLab yet: 'from " + s.name + " import *'; import the names you use", Severity::Warning);
            }
            continue;
        }
        top.locals[alias.empty() ? name : alias] = importValue(s.name + "." + name);
    }
}

std::shared_ptr<FunctionDef> FileEvaluator::functionDef(const Statement& s, Frame& scope, std::shared_ptr<ClassDef> owner)
{
    auto fn = std::make_shared<FunctionDef>();
    fn->name = s.name;
    fn->params = s.params;
    fn->body = &s.body;
    fn->loc = s.loc;
    fn->owner = std::move(owner);
    for (const std::string& d : s.decorators) {
        if (d == "staticmethod")
            fn->isStatic = true;
        else if (d == "classmethod")
            notYet(s.loc, "@classmethod");
        else if (d == "property")
            fn->isProperty = true;
        else
            warn(s.loc, "decorator @" + d + " of '" + s.name + "' ignored: ModuleLab runs the function as written", Severity::Info);
    }
    for (const Param& p : s.params) {
        fn->hasDefault.push_back(p.defaultValue.has_value());
        fn->defaults.push_back(p.defaultValue ? eval(*p.defaultValue, scope) : Value());
    }
    return fn;
}

std::shared_ptr<ClassDef> FileEvaluator::classDef(const Statement& s, Frame& top)
{
    auto cls = std::make_shared<ClassDef>();
    m_classDefs.push_back(cls);
    cls->name = s.name;
    cls->loc = s.loc;
    for (const Expr& b : s.bases) {
        const Value base = eval(b, top);
        if (base.kind == Value::Kind::Class) {
            cls->bases.push_back(base.cls);
            if (cls->torchBase.empty())
                cls->torchBase = base.cls->torchBase;
        } else if (base.kind == Value::Kind::Builtin && base.s.rfind("torch.nn.", 0) == 0) {
            if (cls->torchBase.empty())
                cls->torchBase = base.s;
        } else if (base.kind == Value::Kind::Builtin && base.s == "object") {
        } else {
            notYet(b.loc, "the base class '" + toSource(b) + "'");
        }
    }
    Frame body;
    body.locals = {};
    body.path = "";
    for (const Statement& m : s.members) {
        switch (m.kind) {
        case Statement::Kind::Def: {
            Value v;
            v.kind = Value::Kind::Function;
            v.fn = functionDef(m, top, cls);
            // a later definition of the same name replaces the earlier one (@overload stubs)
            auto same = std::find_if(cls->attrs.begin(), cls->attrs.end(), [&](const auto& kv) { return kv.first == m.name; });
            if (same != cls->attrs.end())
                same->second = std::move(v);
            else
                cls->attrs.emplace_back(m.name, std::move(v));
            break;
        }
        case Statement::Kind::Code: {
            // class attributes: run in the class body's own scope, which sees the globals
            Frame scope;
            for (const auto& [n, v] : cls->attrs)
                scope.locals[n] = v;
            for (const auto& [n, v] : top.locals)
                if (!scope.locals.count(n))
                    scope.locals[n] = v;
            const std::set<std::string> before = [&] {
                std::set<std::string> k;
                for (const auto& kv : scope.locals)
                    k.insert(kv.first);
                return k;
            }();
            (void)exec(m.code, scope);
            for (const auto& [n, v] : scope.locals) {
                const bool isGlobal = !cls->own(n) && top.locals.count(n) && before.count(n);
                if (isGlobal)
                    continue;
                bool set = false;
                for (auto& kv : cls->attrs)
                    if (kv.first == n) {
                        kv.second = v;
                        set = true;
                    }
                if (!set)
                    cls->attrs.emplace_back(n, v);
            }
            break;
        }
        case Statement::Kind::Class: notYet(m.loc, "a class inside a class");
        case Statement::Kind::Import:
        case Statement::Kind::FromImport: notYet(m.loc, "an import inside a class");
        case Statement::Kind::Skipped: break;
        }
    }
    return cls;
}

// Whether the line's value reads a model the file made (a new model built on it, a call with it).
bool FileEvaluator::readsModel(const Stmt& s, const Frame& top) const
{
    std::set<std::string> names;
    namesIn(s.value, names);
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
        auto it = top.locals.find(n);
        return it != top.locals.end() && it->second.kind == Value::Kind::Module;
    });
}

bool FileEvaluator::touchesModel(const Stmt& s, const Frame& top) const
{
    auto isModel = [&](const Expr* n) {
        if (!n)
            return false;
        auto it = top.locals.find(n->text);
        if (it == top.locals.end())
            it = m_globals.find(n->text);
        return (it != top.locals.end() && it != m_globals.end() && it->second.kind == Value::Kind::Module)
            || std::any_of(m_created.begin(), m_created.end(), [&](const Created& c) { return c.name == n->text; });
    };
    if (s.kind == Stmt::Kind::Assign && s.targets.empty())
        return isModel(rootName(s.target));
    if (s.kind == Stmt::Kind::AugAssign)
        return isModel(rootName(s.target));
    if (s.kind == Stmt::Kind::ExprStmt && s.value.kind == Expr::Kind::Call && s.value.items[0].kind == Expr::Kind::Attr) {
        static const std::set<std::string> reading = {"parameters", "named_parameters", "state_dict", "eval", "train", "to", "cuda",
                                                      "cpu", "zero_grad", "modules", "children", "forward"};
        return isModel(rootName(s.value)) && !reading.count(s.value.items[0].text);
    }
    if (s.kind == Stmt::Kind::Assign && !s.targets.empty()) {
        // model = Net(...) and the like: a line that (re)creates a model
        for (const std::string& t : s.targets)
            if (std::any_of(m_created.begin(), m_created.end(), [&](const Created& c) { return c.name == t; }))
                return true;
        std::set<std::string> names;
        namesIn(s.value, names);
        for (const std::string& n : names) {
            auto it = top.locals.find(n);
            if (it != top.locals.end() && (it->second.kind == Value::Kind::Class || it->second.kind == Value::Kind::Function))
                return true;
        }
    }
    return false;
}

void FileEvaluator::noteModels(Frame& top, SourceLoc loc)
{
    for (const auto& [name, v] : top.locals) {
        if (v.kind != Value::Kind::Module || !m_pool.count(v.module))
            continue;
        auto it = std::find_if(m_created.begin(), m_created.end(), [&](const Created& c) { return c.module == v.module; });
        if (it == m_created.end())
            m_created.push_back({name, v.module, loc});
    }
    // a variable rebound to something else no longer names its model
    m_created.erase(std::remove_if(m_created.begin(), m_created.end(),
                                   [&](const Created& c) {
                                       auto it = top.locals.find(c.name);
                                       return it == top.locals.end() || it->second.kind != Value::Kind::Module || it->second.module != c.module;
                                   }),
                    m_created.end());
}

void FileEvaluator::topLevel(const Statement& s, Frame& top)
{
    switch (s.kind) {
    case Statement::Kind::Import:
    case Statement::Kind::FromImport: importStatement(s, top); return;
    case Statement::Kind::Class: {
        Value v;
        v.kind = Value::Kind::Class;
        v.cls = classDef(s, top);
        top.locals[s.name] = v;
        m_globals[s.name] = v;
        if (!v.cls->torchBase.empty())
            m_classOrder.push_back(s.name);
        return;
    }
    case Statement::Kind::Def: {
        Value v;
        v.kind = Value::Kind::Function;
        v.fn = functionDef(s, top, nullptr);
        top.locals[s.name] = v;
        return;
    }
    case Statement::Kind::Skipped: return;
    case Statement::Kind::Code: break;
    }
    try {
        (void)exec(s.code, top);
    } catch (const EvalError& e) {
        // PyTorch fails on a line that builds on a model too (m2 = nn.Sequential(m, 3)): its error stands
        if (touchesModel(s.code, top) || m_created.empty() || (e.kind == ErrorKind::Python && readsModel(s.code, top)))
            throw;
        warn(s.loc, "line not run: " + e.message, Severity::Warning);
    }
}

std::variant<Value, ParseError> FileEvaluator::buildChosen(Frame& top)
{
    const std::string& want = m_options.className;
    auto evalArgs = [&](const Value& callee, const std::string& name) -> std::variant<Value, ParseError> {
        auto parsed = parseNode(name + "(" + m_options.args + ")", "--args");
        if (auto* err = std::get_if<ParseError>(&parsed)) {
            err->loc.column = std::max(1, err->loc.column - static_cast<int>(name.size()) - 1);
            return *err;
        }
        Expr call = std::get<Expr>(parsed);
        if (call.kind != Expr::Kind::Call)
            return ParseError{"--args", {1, 1}, "expected arguments such as 1,10"};
        // A name no Python source can spell, so the arguments cannot shadow or reach it.
        static const std::string kCallee = std::string(1, '\x01') + "callee";
        call.items[0] = Expr::name(kCallee);
        top.locals[kCallee] = callee;
        try {
            Value v = eval(call, top);
            top.locals.erase(kCallee);
            return v;
        } catch (const EvalError& e) {
            top.locals.erase(kCallee);
            return ParseError{m_file, e.loc, "cannot build " + name + ": " + e.message};
        }
    };
    if (!want.empty()) {
        auto it = top.locals.find(want);
        if (it == top.locals.end()) {
            std::vector<std::string> names = m_classOrder;
            for (const Created& c : m_created)
                names.push_back(c.name);
            std::string msg = "no model, class or function '" + want + "' in the file";
            if (auto hint = didYouMean(want, names))
                msg += ": did you mean '" + *hint + "'?";
            std::string list;
            for (const std::string& n : names)
                list += (list.empty() ? "" : ", ") + n;
            return ParseError{m_file, {1, 1}, msg + (list.empty() ? std::string() : "; the file has " + list)};
        }
        const Value& v = it->second;
        if (v.kind == Value::Kind::Module) {
            if (!m_options.args.empty())
                return ParseError{"--args", {1, 1}, "'" + want + "' is a model the file creates: it takes no --args"};
            return v;
        }
        if (v.kind == Value::Kind::Class || v.kind == Value::Kind::Function || v.kind == Value::Kind::Partial)
            return evalArgs(v, want);
        return ParseError{m_file, {1, 1}, "'" + want + "' is a " + detail::typeNameOf(v) + ", not a model, class or function"};
    }
    if (!m_created.empty()) {
        const Created& last = m_created.back();
        if (m_created.size() > 1) {
            std::string list;
            for (const Created& c : m_created)
                list += (list.empty() ? "" : ", ") + c.name + " (" + c.module->typeName() + ", line " + std::to_string(c.loc.line) + ")";
            warn(last.loc, kSeveralModels + list + "; showing the last, " + last.name, Severity::Info);
        }
        return Value::ofModule(last.module);
    }
    // no model created: the one class that needs no arguments and no other class uses
    std::vector<std::shared_ptr<ClassDef>> candidates;
    for (const std::string& n : m_classOrder) {
        const Value& v = top.locals[n];
        const Value* init = v.cls->lookup("__init__");
        bool noArgs = true;
        if (init && init->kind == Value::Kind::Function)
            for (size_t k = 1; k < init->fn->params.size(); ++k)
                noArgs = noArgs && (init->fn->params[k].star || init->fn->hasDefault[k]);
        if (noArgs)
            candidates.push_back(v.cls);
    }
    if (candidates.size() > 1) {
        std::set<std::string> used;
        auto collect = [&](const std::vector<Stmt>& body, auto& self) -> void {
            for (const Stmt& st : body) {
                std::set<std::string> names;
                namesIn(st.value, names);
                used.insert(names.begin(), names.end());
                self(st.body, self);
                self(st.orelse, self);
            }
        };
        for (const std::string& n : m_classOrder) {
            const Value& v = top.locals[n];
            for (const auto& [an, av] : v.cls->attrs)
                if (av.kind == Value::Kind::Function && av.fn->body) {
                    std::set<std::string> before = used;
                    collect(*av.fn->body, collect);
                    used.erase(n);
                    for (const std::string& b : before)
                        used.insert(b);
                }
        }
        std::vector<std::shared_ptr<ClassDef>> top2;
        for (const auto& c : candidates)
            if (!used.count(c->name))
                top2.push_back(c);
        if (!top2.empty())
            candidates = top2;
    }
    if (candidates.empty()) {
        if (m_classOrder.empty())
            return ParseError{m_file, {1, 1}, "no model class found: ModuleLab reads classes such as 'class Net(nn.Module):'"};
        std::string list;
        for (const std::string& n : m_classOrder) {
            const Value& v = top.locals[n];
            list += (list.empty() ? "" : ", ") + n + "(";
            const Value* init = v.cls->lookup("__init__");
            if (init && init->kind == Value::Kind::Function)
                for (size_t k = 1; k < init->fn->params.size(); ++k) {
                    const Param& prm = init->fn->params[k];
                    list += (k > 1 ? ", " : "") + std::string(static_cast<size_t>(prm.star), '*') + prm.name + (init->fn->hasDefault[k] ? "=..." : "");
                }
            list += ")";
        }
        for (const auto& [n, v] : top.locals)
            if (v.kind == Value::Kind::Function && v.fn->body)
                list += ", " + n + "() (function)";
        ParseError err{m_file, {1, 1},
                       "every class needs constructor arguments and no top-level line such as 'model = Net(...)' says which to build "
                       "(the file defines " + list + ")"};
        err.needsChoice = true;
        return err;
    }
    if (candidates.size() > 1) {
        std::string list;
        for (const auto& c : candidates)
            list += (list.empty() ? "" : ", ") + c->name;
        warn(candidates.back()->loc, kSeveralClasses + list + "); showing the last, " + candidates.back()->name, Severity::Info);
    }
    try {
        return instantiate(candidates.back(), {}, {}, candidates.back()->loc);
    } catch (const EvalError& e) {
        return ParseError{m_file, e.loc, "cannot build " + candidates.back()->name + ": " + e.message};
    }
}

std::optional<ParseError> FileEvaluator::runFile(std::string_view source)
{
    auto parsed = parseFile(source, m_file);
    if (auto* err = std::get_if<ParseError>(&parsed))
        return *err;
    m_source = std::move(std::get<SourceFile>(parsed));
    Frame& top = m_top;
    top.locals["__name__"] = Value::ofStr("__modulelab__");
    try {
        for (const Statement& s : m_source.body) {
            topLevel(s, top);
            for (const auto& [n, v] : top.locals)
                m_globals[n] = v; // functions see the module level as it is when they run
            noteModels(top, s.loc);
        }
    } catch (const EvalError& e) {
        return located(e, "");
    }
    return std::nullopt;
}

std::vector<std::string> FileEvaluator::factoryFunctions() const
{
    std::map<std::string, std::set<std::string>> uses; // top-level function -> names its body reads
    auto collect = [](const std::vector<Stmt>& body, std::set<std::string>& out, auto& self) -> void {
        for (const Stmt& st : body) {
            namesIn(st.value, out);
            namesIn(st.target, out);
            self(st.body, out, self);
            self(st.orelse, out, self);
        }
    };
    std::vector<std::string> order;
    for (const Statement& s : m_source.body)
        if (s.kind == Statement::Kind::Def) {
            collect(s.body, uses[s.name], collect);
            order.push_back(s.name);
        }
    std::set<std::string> makers(m_classOrder.begin(), m_classOrder.end());
    std::set<std::string> factories;
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [fn, names] : uses)
            if (!factories.count(fn) && std::any_of(names.begin(), names.end(), [&](const std::string& n) { return makers.count(n) > 0; })) {
                factories.insert(fn);
                makers.insert(fn);
                grew = true;
            }
    }
    std::vector<std::string> out;
    for (const std::string& n : order)
        if (factories.count(n) && std::find(out.begin(), out.end(), n) == out.end())
            out.push_back(n);
    return out;
}

std::variant<std::vector<ModelChoice>, ParseError> FileEvaluator::choices(std::string_view source)
{
    if (auto err = runFile(source))
        return *err;
    auto paramsOf = [](const FunctionDef& fn, size_t first) {
        std::vector<ModelChoiceParam> out;
        for (size_t k = first; k < fn.params.size(); ++k) {
            const Param& p = fn.params[k];
            ModelChoiceParam c;
            c.name = p.name;
            c.defaultSource = p.defaultValue ? toSource(*p.defaultValue) : std::string();
            c.varArgs = p.star == 1;
            c.varKwargs = p.star == 2;
            out.push_back(std::move(c));
        }
        return out;
    };
    std::vector<ModelChoice> out;
    for (const Created& c : m_created)
        out.push_back({ModelChoice::Kind::Variable, c.name, c.loc.line, {}});
    for (const std::string& n : m_classOrder) {
        auto it = m_top.locals.find(n);
        if (it == m_top.locals.end() || it->second.kind != Value::Kind::Class)
            continue;
        ModelChoice c{ModelChoice::Kind::Class, n, it->second.cls->loc.line, {}};
        const Value* init = it->second.cls->lookup("__init__");
        if (init && init->kind == Value::Kind::Function)
            c.params = paramsOf(*init->fn, init->fn->isStatic ? 0 : 1);
        out.push_back(std::move(c));
    }
    for (const std::string& n : factoryFunctions()) {
        auto it = m_top.locals.find(n);
        if (it == m_top.locals.end() || it->second.kind != Value::Kind::Function)
            continue;
        out.push_back({ModelChoice::Kind::Function, n, it->second.fn->loc.line, paramsOf(*it->second.fn, 0)});
    }
    std::stable_sort(out.begin(), out.end(), [](const ModelChoice& a, const ModelChoice& b) { return a.line < b.line; });
    return out;
}

std::variant<ImportResult, ParseError> FileEvaluator::run(std::string_view source)
{
    if (auto err = runFile(source))
        return *err;
    Frame& top = m_top;
    auto chosen = buildChosen(top);
    if (auto* err = std::get_if<ParseError>(&chosen))
        return *err;
    const Value model = std::get<Value>(chosen);
    if (model.kind != Value::Kind::Module)
        return ParseError{m_file, {1, 1}, m_options.className + "(...) returns " + detail::typeNameOf(model) + ", not a model"};
    ImportResult result;
    try {
        result.root = adoptModule(model, {1, 1}, 0);
    } catch (const EvalError& e) {
        return located(e, "");
    }
    if (!result.root->sourceLoc().valid())
        result.root->setSourceLoc({1, 1});
    result.root->setInitRecipe(initRecipeFor(*result.root));
    result.classNames = m_classOrder;
    for (const Created& c : m_created)
        result.models.push_back(c.name);
    result.chosen = m_options.className.empty() ? (m_created.empty() ? result.root->typeName() : m_created.back().name) : m_options.className;
    result.diagnostics = m_source.notes;
    for (Diagnostic& d : m_notes)
        result.diagnostics.push_back(std::move(d));
    result.inputShape = inputShapeOf(m_source.comments, result.diagnostics);
    return result;
}

} // namespace

std::variant<ImportResult, ParseError> importPython(std::string_view source, std::string_view fileName,
                                                    const ImportOptions& options)
{
    return FileEvaluator(std::string(fileName), options).run(source);
}

bool isModelChoiceNote(const Diagnostic& d)
{
    return d.severity == Severity::Info && (d.message.rfind(kSeveralModels, 0) == 0 || d.message.rfind(kSeveralClasses, 0) == 0);
}

std::variant<std::vector<ModelChoice>, ParseError> listModelChoices(std::string_view source, std::string_view fileName)
{
    const ImportOptions options;
    return FileEvaluator(std::string(fileName), options).choices(source);
}

} // namespace ml::python
