#include "engine/python/importer.h"

#include "engine/layer.h"
#include "engine/names.h"
#include "engine/python/syntax.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace ml::python {

namespace {

// Bounds on what one file may build: enough for any teaching model, small enough that no
// file can exhaust memory or time (a ModuleList of 10^7 layers, classes nested 1000 deep).
constexpr int64_t kMaxModules = 100'000;
constexpr int kMaxClassNesting = 64;

std::string where(SourceLoc loc)
{
    return std::to_string(loc.line) + ":" + std::to_string(loc.column);
}

// A construct outside the subset: the whole import fails with this located error.
struct Unsupported {
    ParseError error;
};

// A problem PyTorch would raise while building the model: reported, the module left out.
struct EvalError {
    SourceLoc loc;
    std::string message;
};

[[noreturn]] void evalFail(SourceLoc loc, std::string msg)
{
    throw EvalError{loc, std::move(msg)};
}

struct ClassInfo {
    const Statement* def = nullptr;
    const Statement* init = nullptr;
    const Statement* forward = nullptr;
    std::vector<const Param*> params; // __init__'s, after self
    ForwardProgram program;
    bool used = false; // instantiated in the tree
    std::string firstPath;
};

// Builds the tree of one instance: the locals of its __init__ and where it sits.
struct Frame {
    const ClassInfo* cls = nullptr;
    CustomModule* self = nullptr;
    std::string path;
    std::map<std::string, ArgValue> locals;
    std::map<std::string, ArgValue> attributes; // self.NAME = number
    bool superCalled = false;
};

class Importer {
public:
    Importer(std::string_view file, const ImportOptions& options) : m_file(file), m_options(options) {}

    std::variant<ImportResult, ParseError> run(std::string_view source);

private:
    [[noreturn]] void unsupported(SourceLoc loc, std::string msg)
    {
        throw Unsupported{{m_file, loc, std::move(msg)}};
    }
    void diagnose(const std::string& path, Severity sev, std::string msg, SourceLoc loc)
    {
        for (const Diagnostic& d : m_diagnostics)
            if (d.loc == loc && d.message == msg)
                return; // the same line of a class built several times
        m_diagnostics.push_back({path, sev, std::move(msg), loc});
    }

    void readTopLevel(const SourceFile& file);
    void readImport(const Statement& s);
    void readClass(const Statement& s);
    std::string qualified(const Node& n) const; // "torch.nn.Conv2d" through the import aliases
    std::string canonicalDotted(const std::string& q) const;

    // __init__
    std::unique_ptr<Module> instantiate(const ClassInfo& cls, const Node* call, const std::string& path,
                                        const Frame* caller);
    void bindArguments(const ClassInfo& cls, const Node* call, const Frame* caller, Frame& frame);
    void execInit(const Statement& s, Frame& f);
    std::unique_ptr<Module> buildModule(const Node& n, const std::string& path, Frame& f);
    std::unique_ptr<Module> buildLayer(const std::string& type, const Node& call, Frame& f);
    std::unique_ptr<Module> buildContainer(ModuleKind kind, const Node& call, const std::string& path, Frame& f);
    void appendElements(Module& list, const Node& elements, const std::string& path, Frame& f);
    bool isModuleExpr(const Node& n) const;
    void countModule(SourceLoc loc, int64_t n = 1);
    ArgValue eval(const Node& n, const Frame* f) const;

    // forward
    ForwardProgram readForward(const ClassInfo& cls);
    Stmt forwardStatement(const Statement& s, const ClassInfo& cls);
    Expr forwardExpr(const Node& n);
    Node canonical(const Node& n) const;
    void checkForward(const ClassInfo& cls);

    // the root
    const ClassInfo* findClass(std::string_view name) const;
    std::string classList() const;

    std::string m_file;
    const ImportOptions& m_options;
    SourceFile m_source;
    std::map<std::string, std::string> m_aliases; // name bound by an import -> qualified name
    std::map<std::string, ArgValue> m_globals;
    std::vector<std::string> m_classOrder;
    std::map<std::string, ClassInfo> m_classes;
    struct Instantiation {
        const Statement* stmt;
        const Node* call;
    };
    std::vector<Instantiation> m_instantiations;
    std::vector<Instantiation> m_moduleInstantiations; // model = nn.Sequential(...) and the like
    std::vector<Diagnostic> m_diagnostics;
    std::vector<std::string> m_stack; // classes being built, outermost first
    int64_t m_moduleCount = 0;
};

// ---- imports and the top level ---------------------------------------------------------

bool knownModule(const std::string& m)
{
    return m == "torch" || m == "torch.nn" || m == "torch.nn.functional" || m == "collections";
}

void Importer::readImport(const Statement& s)
{
    static const std::string ignored = " ignored: ModuleLab reads torch, torch.nn, torch.nn.functional and collections.OrderedDict";
    if (s.kind == Statement::Kind::Import) {
        for (const auto& [mod, alias] : s.imports) {
            if (!knownModule(mod)) {
                diagnose("", Severity::Warning, "import of '" + mod + "'" + ignored, s.loc);
                continue;
            }
            if (alias.empty()) {
                const std::string head = mod.substr(0, mod.find('.'));
                m_aliases[head] = head; // `import torch.nn` binds `torch`
            } else {
                m_aliases[alias] = mod;
            }
        }
        return;
    }
    const std::string& mod = s.name;
    const bool torchModule = mod == "torch" || mod.rfind("torch.", 0) == 0;
    for (const auto& [name, alias] : s.imports) {
        const std::string bound = alias.empty() ? name : alias;
        if (name == "*") {
            diagnose("", Severity::Warning, "'from " + mod + " import *' ignored: import the names you use", s.loc);
            continue;
        }
        if (torchModule || (mod == "collections" && name == "OrderedDict")) {
            m_aliases[bound] = mod + "." + name;
            continue;
        }
        diagnose("", Severity::Warning, "import of '" + name + "' from '" + mod + "'" + ignored, s.loc);
    }
}

std::string Importer::qualified(const Node& n) const
{
    const std::string d = n.dotted();
    if (d.empty())
        return {};
    const size_t dot = d.find('.');
    const std::string head = d.substr(0, dot);
    auto it = m_aliases.find(head);
    if (it == m_aliases.end())
        return d; // a class of the file, a local, or something unknown
    return it->second + (dot == std::string::npos ? std::string() : d.substr(dot));
}

// The spelling the exporter writes: torch.nn.functional.relu -> F.relu, torch.nn.X -> nn.X.
std::string Importer::canonicalDotted(const std::string& q) const
{
    auto replacePrefix = [&](std::string_view prefix, std::string_view with) -> std::optional<std::string> {
        if (q == prefix)
            return std::string(with);
        if (q.size() > prefix.size() && q.compare(0, prefix.size(), prefix) == 0 && q[prefix.size()] == '.')
            return std::string(with) + q.substr(prefix.size());
        return std::nullopt;
    };
    if (auto r = replacePrefix("torch.nn.functional", "F"))
        return *r;
    if (auto r = replacePrefix("torch.nn", "nn"))
        return *r;
    return q;
}

void Importer::readClass(const Statement& s)
{
    if (m_classes.count(s.name))
        unsupported(s.loc, "class '" + s.name + "' is defined twice (first at " + where(m_classes[s.name].def->loc) + ")");
    if (s.bases.size() != 1 || qualified(s.bases[0]) != "torch.nn.Module") {
        const std::string base = s.bases.empty() ? std::string("no base class") : "'" + s.bases[0].dotted() + "'";
        unsupported(s.loc, "class '" + s.name + "' must derive from nn.Module (found " + base
                               + "); ModuleLab reads nn.Module subclasses");
    }
    ClassInfo info;
    info.def = &s;
    for (const Statement& m : s.body) {
        if (m.kind == Statement::Kind::Def) {
            const Statement*& slot = m.name == "__init__" ? info.init : info.forward;
            if (slot)
                unsupported(m.loc, "method '" + m.name + "' is defined twice in class '" + s.name + "'");
            slot = &m;
        } else if (m.kind == Statement::Kind::Expr && m.value.kind == Node::Kind::Str) {
            // docstring
        } else if (m.kind != Statement::Kind::Pass && m.kind != Statement::Kind::Skipped) {
            unsupported(m.loc, "unsupported statement in the body of class '" + s.name
                                   + "'; ModuleLab reads the methods __init__ and forward");
        }
    }
    if (info.init)
        for (size_t k = 1; k < info.init->params.size(); ++k)
            info.params.push_back(&info.init->params[k]);
    m_classOrder.push_back(s.name);
    m_classes.emplace(s.name, std::move(info));
}

void Importer::readTopLevel(const SourceFile& file)
{
    for (const Statement& s : file.body) {
        switch (s.kind) {
        case Statement::Kind::Import:
        case Statement::Kind::FromImport: readImport(s); break;
        case Statement::Kind::Class: readClass(s); break;
        default: break;
        }
    }
    for (const Statement& s : file.body) {
        if (s.kind == Statement::Kind::Assign || s.kind == Statement::Kind::Expr) {
            const Node& v = s.value;
            if (v.kind == Node::Kind::Call && v.items[0].kind == Node::Kind::Name && m_classes.count(v.items[0].text)) {
                m_instantiations.push_back({&s, &v});
                continue;
            }
            if (s.kind == Statement::Kind::Assign && v.kind == Node::Kind::Call && isModuleExpr(v)
                && qualified(v.items[0]).rfind("torch.nn.functional.", 0) != 0) {
                m_moduleInstantiations.push_back({&s, &v});
                continue;
            }
            if (s.kind == Statement::Kind::Expr) {
                if (v.kind != Node::Kind::Str)
                    diagnose("", Severity::Info, "top-level statement ignored: ModuleLab reads imports, classes and the line that creates the model", s.loc);
                continue;
            }
            if (s.target.kind == Node::Kind::Name) {
                try {
                    m_globals[s.target.text] = eval(v, nullptr);
                    continue;
                } catch (const EvalError&) {
                    // not a constant: ignored below
                }
            }
            diagnose("", Severity::Info, "top-level assignment ignored: ModuleLab reads number constants and the line that creates the model", s.loc);
        } else if (s.kind == Statement::Kind::AugAssign) {
            diagnose("", Severity::Info, "top-level statement ignored", s.loc);
        }
    }
}

// ---- values ----------------------------------------------------------------------------

bool isNumber(const ArgValue& v)
{
    return v.type == ArgValue::Type::Int || v.type == ArgValue::Type::Float || v.type == ArgValue::Type::Bool;
}

ArgValue arithmetic(const std::string& op, ArgValue a, ArgValue b, SourceLoc loc)
{
    if (!isNumber(a) || !isNumber(b))
        evalFail(loc, "unsupported operand types for " + op + ": " + std::string(argTypeName(a.type)) + " and "
                          + std::string(argTypeName(b.type)));
    if (a.type == ArgValue::Type::Bool)
        a = ArgValue::ofInt(a.b);
    if (b.type == ArgValue::Type::Bool)
        b = ArgValue::ofInt(b.b);
    if (a.type == ArgValue::Type::Int && b.type == ArgValue::Type::Int && op != "/") {
        int64_t r = 0;
        const int64_t x = a.i, y = b.i;
        bool ok = true;
        if (op == "+")
            ok = !__builtin_add_overflow(x, y, &r);
        else if (op == "-")
            ok = !__builtin_sub_overflow(x, y, &r);
        else if (op == "*")
            ok = !__builtin_mul_overflow(x, y, &r);
        else if (op == "//") {
            if (y == 0)
                evalFail(loc, "integer division by zero");
            if (x == std::numeric_limits<int64_t>::min() && y == -1)
                ok = false;
            else {
                r = x / y;
                if ((x % y != 0) && ((x < 0) != (y < 0)))
                    --r; // Python floors
            }
        }
        if (!ok)
            evalFail(loc, "the result of " + std::to_string(x) + " " + op + " " + std::to_string(y)
                              + " does not fit in a 64-bit integer");
        return ArgValue::ofInt(r);
    }
    const double x = a.number(), y = b.number();
    if ((op == "/" || op == "//") && y == 0.0)
        evalFail(loc, "float division by zero");
    double r = op == "+" ? x + y : op == "-" ? x - y : op == "*" ? x * y : op == "/" ? x / y : std::floor(x / y);
    return ArgValue::ofFloat(r);
}

ArgValue Importer::eval(const Node& n, const Frame* f) const
{
    switch (n.kind) {
    case Node::Kind::Int: return ArgValue::ofInt(n.i);
    case Node::Kind::Float: return ArgValue::ofFloat(n.f);
    case Node::Kind::Bool: return ArgValue::ofBool(n.b);
    case Node::Kind::None: return ArgValue::none();
    case Node::Kind::Str: return ArgValue::ofStr(n.text);
    case Node::Kind::Tuple:
    case Node::Kind::List: {
        std::vector<int64_t> t;
        for (const Node& item : n.items) {
            const ArgValue v = eval(item, f);
            if (v.type != ArgValue::Type::Int)
                evalFail(item.loc, "tuples may only hold integers here, got " + v.repr());
            t.push_back(v.i);
        }
        return ArgValue::ofTuple(std::move(t));
    }
    case Node::Kind::Name: {
        if (f) {
            auto it = f->locals.find(n.text);
            if (it != f->locals.end())
                return it->second;
        }
        auto g = m_globals.find(n.text);
        if (g != m_globals.end())
            return g->second;
        std::vector<std::string> known;
        if (f)
            for (const auto& kv : f->locals)
                known.push_back(kv.first);
        for (const auto& kv : m_globals)
            known.push_back(kv.first);
        std::string msg = "name '" + n.text + "' is not defined";
        if (auto hint = didYouMean(n.text, known))
            msg += ": did you mean '" + *hint + "'?";
        evalFail(n.loc, msg);
    }
    case Node::Kind::Attr:
        if (f && f->self && n.items[0].kind == Node::Kind::Name && n.items[0].text == "self") {
            auto it = f->attributes.find(n.text);
            if (it != f->attributes.end())
                return it->second;
            if (f->self->findChild(n.text))
                evalFail(n.loc, "self." + n.text + " is a module, not a number");
            evalFail(n.loc, "'" + f->cls->def->name + "' object has no attribute '" + n.text + "' (yet)");
        }
        evalFail(n.loc, "unsupported value '" + n.dotted() + "'; arguments are numbers, strings, tuples, True/False/None, "
                            "constructor parameters and local variables");
    case Node::Kind::BinOp: return arithmetic(n.text, eval(n.items[0], f), eval(n.items[1], f), n.loc);
    case Node::Kind::Neg: {
        const ArgValue v = eval(n.items[0], f);
        if (v.type == ArgValue::Type::Int) {
            if (v.i == std::numeric_limits<int64_t>::min())
                evalFail(n.loc, "the negated number does not fit in a 64-bit integer");
            return ArgValue::ofInt(-v.i);
        }
        if (v.type == ArgValue::Type::Float)
            return ArgValue::ofFloat(-v.f);
        if (v.type == ArgValue::Type::Bool)
            return ArgValue::ofInt(-static_cast<int64_t>(v.b));
        evalFail(n.loc, "bad operand type for unary -: " + std::string(argTypeName(v.type)));
    }
    case Node::Kind::Call:
        evalFail(n.loc, "unsupported call '" + n.items[0].dotted() + "(...)' in an argument; arguments are numbers, strings, "
                            "tuples, constructor parameters, local variables and + - * //");
    case Node::Kind::Subscript:
    case Node::Kind::Dict:
    case Node::Kind::ListComp: break;
    }
    evalFail(n.loc, "unsupported argument; arguments are numbers, strings, tuples, constructor parameters, local variables and + - * //");
}

// ---- __init__ ----------------------------------------------------------------------------

bool Importer::isModuleExpr(const Node& n) const
{
    if (n.kind != Node::Kind::Call)
        return false;
    const std::string q = qualified(n.items[0]);
    if (q.rfind("torch.nn.", 0) == 0)
        return true; // layers, containers, and F.* (reported as functions, not modules)
    // a class of the file, or a capitalised name that looks like one (reported as undefined)
    const Node& callee = n.items[0];
    return callee.kind == Node::Kind::Name && !m_aliases.count(callee.text)
        && (m_classes.count(callee.text) || (callee.text[0] >= 'A' && callee.text[0] <= 'Z'));
}

void Importer::countModule(SourceLoc loc, int64_t n)
{
    if (n > kMaxModules - m_moduleCount) {
        m_moduleCount = kMaxModules;
        evalFail(loc, "the model would have more than " + std::to_string(kMaxModules)
                          + " modules; ModuleLab reads models of teaching size");
    }
    m_moduleCount += n;
}

void Importer::bindArguments(const ClassInfo& cls, const Node* call, const Frame* caller, Frame& frame)
{
    const std::string& name = cls.def->name;
    std::vector<std::optional<ArgValue>> values(cls.params.size());
    if (call) {
        const size_t positional = call->items.size() - 1;
        if (positional > cls.params.size())
            evalFail(call->items[cls.params.size() + 1].loc,
                     name + "() takes " + std::to_string(cls.params.size()) + " argument" + (cls.params.size() == 1 ? "" : "s")
                         + " but " + std::to_string(positional) + " were given");
        for (size_t k = 0; k < positional; ++k)
            values[k] = eval(call->items[k + 1], caller);
        for (size_t k = 0; k < call->keywords.size(); ++k) {
            const auto& [kw, value] = call->keywords[k];
            size_t index = cls.params.size();
            std::vector<std::string> names;
            for (size_t p = 0; p < cls.params.size(); ++p) {
                names.push_back(cls.params[p]->name);
                if (cls.params[p]->name == kw)
                    index = p;
            }
            const SourceLoc kwLoc = k < call->keywordLocs.size() ? call->keywordLocs[k] : call->loc;
            if (index == cls.params.size()) {
                std::string msg = name + "() got an unexpected keyword argument '" + kw + "'";
                if (auto hint = didYouMean(kw, names))
                    msg += ": did you mean '" + *hint + "'?";
                evalFail(kwLoc, msg);
            }
            if (values[index])
                evalFail(kwLoc, name + "() got multiple values for argument '" + kw + "'");
            values[index] = eval(value, caller);
        }
    }
    for (size_t p = 0; p < cls.params.size(); ++p) {
        if (!values[p]) {
            if (!cls.params[p]->defaultValue)
                evalFail(call ? call->loc : cls.def->loc, name + "() missing required argument '" + cls.params[p]->name + "'");
            values[p] = eval(*cls.params[p]->defaultValue, nullptr); // defaults see the globals only
        }
        frame.locals[cls.params[p]->name] = std::move(*values[p]);
    }
}

std::unique_ptr<Module> Importer::instantiate(const ClassInfo& cls, const Node* call, const std::string& path,
                                              const Frame* caller)
{
    const std::string& name = cls.def->name;
    const SourceLoc loc = call ? call->loc : cls.def->loc;
    if (std::find(m_stack.begin(), m_stack.end(), name) != m_stack.end()) {
        std::string chain;
        for (auto it = std::find(m_stack.begin(), m_stack.end(), name); it != m_stack.end(); ++it)
            chain += *it + " -> ";
        evalFail(loc, "class '" + name + "' contains itself (" + chain + name
                          + "): building it would never end; remove the self-reference");
    }
    if (static_cast<int>(m_stack.size()) >= kMaxClassNesting)
        evalFail(loc, "classes are nested more than " + std::to_string(kMaxClassNesting) + " levels deep");
    countModule(loc);

    auto module = std::make_unique<CustomModule>(name);
    Frame frame;
    frame.cls = &cls;
    frame.self = module.get();
    frame.path = path;
    bindArguments(cls, call, caller, frame);

    m_stack.push_back(name);
    if (cls.init) {
        for (const Statement& s : cls.init->body) {
            try {
                execInit(s, frame);
            } catch (const EvalError& e) {
                diagnose(path, Severity::Error, e.message, e.loc);
            }
        }
        if (!frame.superCalled)
            diagnose(path, Severity::Error, "__init__ of '" + name + "' does not call super().__init__(): PyTorch raises "
                                              "\"cannot assign module before Module.__init__() call\"", cls.init->loc);
    }
    m_stack.pop_back();
    module->setProgram(cls.program);
    ClassInfo& mutableInfo = m_classes.at(name);
    if (!mutableInfo.used) {
        mutableInfo.used = true;
        mutableInfo.firstPath = path;
    }
    return module;
}

bool isSuperInit(const Node& v, const std::string& className)
{
    // super().__init__(...), super(Name, self).__init__(...), nn.Module.__init__(self)
    if (v.kind != Node::Kind::Call || v.items[0].kind != Node::Kind::Attr || v.items[0].text != "__init__")
        return false;
    const Node& obj = v.items[0].items[0];
    if (obj.kind == Node::Kind::Call && obj.items[0].kind == Node::Kind::Name && obj.items[0].text == "super") {
        if (obj.items.size() == 1)
            return true;
        return obj.items.size() == 3 && obj.items[1].kind == Node::Kind::Name && obj.items[1].text == className
            && obj.items[2].kind == Node::Kind::Name && obj.items[2].text == "self";
    }
    const std::string d = obj.dotted();
    return (d == "nn.Module" || d == "torch.nn.Module") && v.items.size() == 2 && v.items[1].kind == Node::Kind::Name
        && v.items[1].text == "self";
}

void Importer::execInit(const Statement& s, Frame& f)
{
    static const std::string hint = "; ModuleLab reads super().__init__(), number variables and self.NAME = ... assignments";
    const std::string& className = f.cls->def->name;
    switch (s.kind) {
    case Statement::Kind::Pass:
    case Statement::Kind::Skipped: return;
    case Statement::Kind::Return:
        if (!s.bareReturn)
            unsupported(s.loc, "__init__ must not return a value");
        return;
    case Statement::Kind::Expr:
        if (s.value.kind == Node::Kind::Str)
            return; // docstring
        if (isSuperInit(s.value, className)) {
            f.superCalled = true;
            return;
        }
        unsupported(s.loc, "unsupported statement in __init__" + hint);
    case Statement::Kind::AugAssign: {
        if (s.target.kind != Node::Kind::Name)
            unsupported(s.loc, "unsupported augmented assignment in __init__" + hint);
        const std::string op = s.name.substr(0, s.name.size() - 1);
        if (op != "+" && op != "-" && op != "*" && op != "//" && op != "/")
            unsupported(s.loc, "unsupported operator '" + s.name + "' in __init__");
        f.locals[s.target.text] = arithmetic(op, eval(s.target, &f), eval(s.value, &f), s.loc);
        return;
    }
    case Statement::Kind::Assign: break;
    default: unsupported(s.loc, "unsupported statement in __init__" + hint);
    }

    const Node& target = s.target;
    const Node& value = s.value;
    if (target.kind == Node::Kind::Name) {
        if (isModuleExpr(value) || value.kind == Node::Kind::ListComp
            || (value.kind == Node::Kind::List && !value.items.empty() && isModuleExpr(value.items[0])))
            unsupported(s.loc, "a module stored in the local variable '" + target.text
                                   + "' is not supported; assign it to self." + target.text + " directly");
        f.locals[target.text] = eval(value, &f);
        return;
    }
    if (target.kind != Node::Kind::Attr || target.items[0].kind != Node::Kind::Name || target.items[0].text != "self")
        unsupported(s.loc, "unsupported assignment target in __init__" + hint);

    const std::string& name = target.text;
    const std::string childPath = joinName(f.path, name);
    std::unique_ptr<Module> child;
    const bool plainList = value.kind == Node::Kind::ListComp
        || (value.kind == Node::Kind::List && (value.items.empty() || isModuleExpr(value.items[0])));
    if (plainList) {
        countModule(s.loc);
        child = makeContainer(ModuleKind::PlainList);
        appendElements(*child, value, childPath, f);
    } else if (isModuleExpr(value)) {
        child = buildModule(value, childPath, f);
        if (!child)
            return;
    } else {
        ArgValue v = eval(value, &f);
        if (f.self->findChild(name))
            evalFail(s.loc, "cannot assign '" + std::string(argTypeName(v.type)) + "' as child module '" + name
                                + "' (PyTorch: TypeError)");
        f.attributes[name] = std::move(v);
        return;
    }
    if (!f.superCalled)
        evalFail(s.loc, "cannot assign module before Module.__init__() call: call super().__init__() first");
    child->setSourceLoc(s.loc);
    f.attributes.erase(name);
    for (int k = 0; k < f.self->childCount(); ++k) {
        if (f.self->childName(k) == name) { // reassignment keeps PyTorch's registration order
            f.self->takeChild(k);
            f.self->insertChild(k, name, std::move(child));
            return;
        }
    }
    f.self->appendChild(name, std::move(child));
}

// Elements of a list display or a `[M for _ in range(n)]` comprehension, appended to `list`.
void Importer::appendElements(Module& list, const Node& elements, const std::string& path, Frame& f)
{
    auto add = [&](const Node& element, Frame& frame) {
        const std::string childPath = joinName(path, std::to_string(list.childCount()));
        if (!isModuleExpr(element))
            evalFail(element.loc, "expected a module such as nn.Linear(...) in the list, found '" + element.dotted() + "'");
        if (std::unique_ptr<Module> m = buildModule(element, childPath, frame)) {
            m->setSourceLoc(element.loc);
            list.appendChild({}, std::move(m));
        }
    };
    if (elements.kind == Node::Kind::List || elements.kind == Node::Kind::Tuple) {
        for (const Node& e : elements.items)
            add(e, f);
        return;
    }
    if (elements.kind != Node::Kind::ListComp)
        evalFail(elements.loc, "expected a list of modules: [M, ...] or [M for _ in range(n)]");
    const Node& iterable = elements.items[1];
    if (iterable.kind != Node::Kind::Call || iterable.items[0].kind != Node::Kind::Name || iterable.items[0].text != "range"
        || iterable.items.size() < 2 || iterable.items.size() > 4 || !iterable.keywords.empty())
        unsupported(iterable.loc, "a list comprehension of modules must loop over range(n): [M for _ in range(n)]");
    if (elements.targets.size() != 1)
        unsupported(elements.loc, "a list comprehension over range(n) takes one loop variable");
    std::vector<int64_t> r;
    for (size_t k = 1; k < iterable.items.size(); ++k) {
        const ArgValue v = eval(iterable.items[k], &f);
        if (v.type != ArgValue::Type::Int)
            evalFail(iterable.items[k].loc, "range() needs integers, got " + v.repr());
        r.push_back(v.i);
    }
    const int64_t start = r.size() >= 2 ? r[0] : 0;
    const int64_t stop = r.size() >= 2 ? r[1] : r[0];
    const int64_t step = r.size() == 3 ? r[2] : 1;
    if (step == 0)
        evalFail(iterable.loc, "range() arg 3 must not be zero");
    const long double span = (static_cast<long double>(stop) - start) / step;
    const int64_t count = span <= 0 ? 0 : static_cast<int64_t>(std::ceil(span));
    countModule(elements.loc, 0);
    if (count > kMaxModules - m_moduleCount)
        countModule(elements.loc, count);
    Frame inner = f; // the loop variable is local to the comprehension
    for (int64_t k = 0; k < count; ++k) {
        inner.locals[elements.targets[0]] = ArgValue::ofInt(start + k * step);
        add(elements.items[0], inner);
    }
}

std::unique_ptr<Module> Importer::buildModule(const Node& n, const std::string& path, Frame& f)
{
    try {
        if (n.kind != Node::Kind::Call)
            evalFail(n.loc, "expected a module such as nn.Linear(...)");
        const Node& callee = n.items[0];
        const std::string q = qualified(callee);
        if (q == "torch.nn.Sequential")
            return buildContainer(ModuleKind::Sequential, n, path, f);
        if (q == "torch.nn.ModuleList")
            return buildContainer(ModuleKind::ModuleList, n, path, f);
        if (q == "torch.nn.ModuleDict")
            return buildContainer(ModuleKind::ModuleDict, n, path, f);
        if (q == "torch.nn.Module")
            evalFail(callee.loc, "nn.Module() on its own has no layers; define a class that derives from nn.Module");
        if (q.rfind("torch.nn.functional.", 0) == 0)
            evalFail(callee.loc, "F." + q.substr(20) + " is a function, not a module: in __init__ create a layer such as nn.ReLU()");
        if (q.rfind("torch.nn.", 0) == 0 && q.find('.', 9) == std::string::npos)
            return buildLayer(q.substr(9), n, f);
        if (callee.kind == Node::Kind::Name) {
            auto it = m_classes.find(callee.text);
            if (it != m_classes.end()) {
                std::unique_ptr<Module> m = instantiate(it->second, &n, path, &f);
                return m;
            }
            std::vector<std::string> known = m_classOrder;
            for (const LayerSchema* s : layerRegistry())
                known.emplace_back(s->typeName);
            std::string msg = "name '" + callee.text + "' is not defined";
            if (auto hint = didYouMean(callee.text, known))
                msg += ": did you mean '" + (m_classes.count(*hint) ? *hint : "nn." + *hint) + "'?";
            evalFail(callee.loc, msg);
        }
        evalFail(callee.loc, "unknown module '" + (q.empty() ? std::string("expression") : q)
                                 + "'; ModuleLab reads torch.nn layers, containers and the classes of this file");
    } catch (const EvalError& e) {
        diagnose(path, Severity::Error, e.message, e.loc);
        return nullptr;
    }
}

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

std::unique_ptr<Module> Importer::buildLayer(const std::string& type, const Node& call, Frame& f)
{
    countModule(call.loc);
    const LayerSchema* schema = findLayerSchema(type);
    std::vector<LayerArgument> args;
    std::vector<std::pair<std::string, SourceLoc>> argLocs; // argument name -> where it was written
    for (size_t k = 1; k < call.items.size(); ++k) {
        args.push_back({{}, eval(call.items[k], &f)});
        if (schema && k - 1 < schema->args.size())
            argLocs.emplace_back(std::string(schema->args[k - 1].name), call.items[k].loc);
    }
    for (size_t k = 0; k < call.keywords.size(); ++k) {
        args.push_back({call.keywords[k].first, eval(call.keywords[k].second, &f)});
        argLocs.emplace_back(call.keywords[k].first, k < call.keywordLocs.size() ? call.keywordLocs[k] : call.loc);
    }
    if (!schema) { // nn.Relu, nn.Batchnorm2d: PyTorch's names differ only in case
        for (const LayerSchema* known : layerRegistry()) {
            const std::string_view k = known->typeName;
            if (k.size() == type.size()
                && std::equal(k.begin(), k.end(), type.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
                evalFail(call.items[0].loc, "unknown layer type '" + type + "': did you mean '" + std::string(k) + "'?");
        }
    }
    auto made = createLayer(type, args);
    if (auto* err = std::get_if<std::string>(&made)) {
        SourceLoc loc = schema ? call.loc : call.items[0].loc;
        size_t best = 0;
        for (const auto& [name, at] : argLocs)
            if (name.size() > best && isWordIn(*err, name)) {
                best = name.size();
                loc = at;
            }
        evalFail(loc, *err);
    }
    return std::move(std::get<std::unique_ptr<Layer>>(made));
}

void checkContainerKey(const std::string& key, SourceLoc loc, std::string_view what)
{
    if (key.empty())
        evalFail(loc, std::string(what) + " name can't be empty");
    if (key.find('.') != std::string::npos)
        evalFail(loc, std::string(what) + " name can't contain \".\", got: " + key);
}

std::unique_ptr<Module> Importer::buildContainer(ModuleKind kind, const Node& call, const std::string& path, Frame& f)
{
    countModule(call.loc);
    auto c = makeContainer(kind);
    const std::string typeName = c->typeName();
    if (!call.keywords.empty())
        evalFail(call.keywordLocs.empty() ? call.loc : call.keywordLocs[0],
                 "nn." + typeName + "() got an unexpected keyword argument '" + call.keywords[0].first + "'");
    const size_t nargs = call.items.size() - 1;
    auto addNamed = [&](const Node& keyNode, const Node& value) {
        if (keyNode.kind != Node::Kind::Str)
            evalFail(keyNode.loc, typeName + " names must be strings such as 'conv1'");
        checkContainerKey(keyNode.text, keyNode.loc, kind == ModuleKind::ModuleDict ? "module" : "module");
        if (c->findChild(keyNode.text))
            evalFail(keyNode.loc, "the name '" + keyNode.text + "' is used twice in this " + typeName);
        if (!isModuleExpr(value))
            evalFail(value.loc, "expected a module such as nn.Linear(...) for '" + keyNode.text + "'");
        if (std::unique_ptr<Module> m = buildModule(value, joinName(path, keyNode.text), f)) {
            m->setSourceLoc(value.loc);
            c->appendChild(keyNode.text, std::move(m));
        }
    };
    // [('name', M), ...] as OrderedDict and ModuleDict accept it
    auto addPairs = [&](const Node& list) {
        if (list.kind != Node::Kind::List && list.kind != Node::Kind::Tuple)
            evalFail(list.loc, "expected a list of ('name', module) pairs");
        for (const Node& pair : list.items) {
            if (pair.kind != Node::Kind::Tuple || pair.items.size() != 2)
                evalFail(pair.loc, "expected a ('name', module) pair");
            addNamed(pair.items[0], pair.items[1]);
        }
    };
    auto isOrderedDict = [&](const Node& n) {
        return n.kind == Node::Kind::Call && qualified(n.items[0]) == "collections.OrderedDict";
    };

    if (kind == ModuleKind::Sequential) {
        if (nargs == 1 && isOrderedDict(call.items[1])) {
            const Node& od = call.items[1];
            if (od.items.size() != 2 || !od.keywords.empty())
                evalFail(od.loc, "OrderedDict takes one list of ('name', module) pairs");
            if (od.items[1].kind == Node::Kind::Dict) {
                for (size_t k = 0; k + 1 < od.items[1].items.size(); k += 2)
                    addNamed(od.items[1].items[k], od.items[1].items[k + 1]);
            } else {
                addPairs(od.items[1]);
            }
            return c;
        }
        for (size_t k = 1; k <= nargs; ++k) {
            const Node& e = call.items[k];
            if (!isModuleExpr(e))
                evalFail(e.loc, "nn.Sequential takes modules such as nn.ReLU() (or one OrderedDict), found '"
                                    + (e.dotted().empty() ? std::string("an expression") : e.dotted()) + "'");
            if (std::unique_ptr<Module> m = buildModule(e, joinName(path, std::to_string(c->childCount())), f)) {
                m->setSourceLoc(e.loc);
                c->appendChild({}, std::move(m));
            }
        }
        return c;
    }
    if (nargs == 0)
        return c;
    if (nargs > 1)
        evalFail(call.items[2].loc, "nn." + typeName + "() takes one argument");
    const Node& arg = call.items[1];
    if (kind == ModuleKind::ModuleList) {
        appendElements(*c, arg, path, f);
        return c;
    }
    if (arg.kind == Node::Kind::Dict) {
        for (size_t k = 0; k + 1 < arg.items.size(); k += 2)
            addNamed(arg.items[k], arg.items[k + 1]);
    } else if (isOrderedDict(arg) && arg.items.size() == 2) {
        addPairs(arg.items[1]);
    } else {
        addPairs(arg);
    }
    return c;
}

// ---- forward ---------------------------------------------------------------------------

Node Importer::canonical(const Node& n) const
{
    const std::string d = n.dotted();
    if (!d.empty()) {
        const std::string head = d.substr(0, d.find('.'));
        if (m_aliases.count(head)) {
            const std::string c = canonicalDotted(qualified(n));
            // rebuild the chain of names with the original start location
            Node out;
            size_t start = 0;
            bool first = true;
            while (start <= c.size()) {
                const size_t dot = c.find('.', start);
                const std::string part = c.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
                if (first) {
                    out.kind = Node::Kind::Name;
                    out.text = part;
                    out.loc = n.loc;
                    first = false;
                } else {
                    Node a;
                    a.kind = Node::Kind::Attr;
                    a.text = part;
                    a.loc = n.loc;
                    a.items.push_back(std::move(out));
                    a.depth = a.items[0].depth + 1;
                    out = std::move(a);
                }
                if (dot == std::string::npos)
                    break;
                start = dot + 1;
            }
            return out;
        }
    }
    Node out = n;
    for (Node& c : out.items)
        c = canonical(c);
    for (auto& kw : out.keywords)
        kw.second = canonical(kw.second);
    return out;
}

Expr Importer::forwardExpr(const Node& n)
{
    auto r = toForwardExpr(canonical(n), m_file);
    if (auto* err = std::get_if<ParseError>(&r))
        throw Unsupported{*err};
    return std::move(std::get<Expr>(r));
}

bool isSelfAttr(const Node& n)
{
    return n.kind == Node::Kind::Attr && n.items[0].kind == Node::Kind::Name && n.items[0].text == "self";
}

bool isCallOf(const Node& n, std::string_view fn, size_t nargs)
{
    return n.kind == Node::Kind::Call && n.items[0].kind == Node::Kind::Name && n.items[0].text == fn
        && n.items.size() == nargs + 1 && n.keywords.empty();
}

Stmt Importer::forwardStatement(const Statement& s, const ClassInfo& cls)
{
    static const std::string hint = "; ModuleLab reads assignments, for loops over a ModuleList and return";
    Stmt out;
    out.loc = s.loc;
    switch (s.kind) {
    case Statement::Kind::Assign:
        if (s.target.kind != Node::Kind::Name)
            unsupported(s.target.loc, "forward can only assign to a variable name (x = ...)" + hint);
        out.kind = Stmt::Kind::Assign;
        out.targets = {s.target.text};
        out.value = forwardExpr(s.value);
        return out;
    case Statement::Kind::AugAssign: {
        if (s.target.kind != Node::Kind::Name || s.name != "+=")
            unsupported(s.loc, "augmented assignment '" + s.name + "' is not supported in forward; write x = x + ...");
        Node sum;
        sum.kind = Node::Kind::BinOp;
        sum.text = "+";
        sum.loc = s.target.loc;
        sum.items = {s.target, s.value};
        sum.depth = std::max(s.target.depth, s.value.depth) + 1;
        out.kind = Stmt::Kind::Assign;
        out.targets = {s.target.text};
        out.value = forwardExpr(sum);
        diagnose("", Severity::Info, s.target.text + " += ... is read as " + s.target.text + " = " + s.target.text + " + ...", s.loc);
        return out;
    }
    case Statement::Kind::Return:
        if (s.bareReturn)
            unsupported(s.loc, "forward must return a value (return x)");
        out.kind = Stmt::Kind::Return;
        out.value = forwardExpr(s.value);
        return out;
    case Statement::Kind::For: {
        out.kind = Stmt::Kind::For;
        out.targets = s.targets;
        const Node& it = s.value;
        const bool overList = s.targets.size() == 1 && isSelfAttr(it);
        const bool overEnumerate = s.targets.size() == 2 && isCallOf(it, "enumerate", 1) && isSelfAttr(it.items[1]);
        const bool overRange = s.targets.size() == 1 && isCallOf(it, "range", 1) && isCallOf(it.items[1], "len", 1)
            && isSelfAttr(it.items[1].items[1]);
        if (!overList && !overEnumerate && !overRange)
            unsupported(it.loc, "unsupported loop; ModuleLab reads 'for m in self.layers:', 'for i, m in enumerate(self.layers):' "
                                "and 'for i in range(len(self.layers)):'");
        // the iterable is kept as written; its calls (enumerate, range, len) are not forward ops
        auto convertPlain = [&](const Node& n, auto& self) -> Expr {
            Expr e;
            e.loc = n.loc;
            e.text = n.text;
            if (n.kind == Node::Kind::Name)
                e.kind = Expr::Kind::Name;
            else if (n.kind == Node::Kind::Attr)
                e.kind = Expr::Kind::Attr;
            else
                e.kind = Expr::Kind::Call;
            for (const Node& c : n.items)
                e.items.push_back(self(c, self));
            return e;
        };
        out.value = convertPlain(it, convertPlain);
        for (const Statement& b : s.body) {
            if (b.kind == Statement::Kind::Pass || (b.kind == Statement::Kind::Expr && b.value.kind == Node::Kind::Str))
                continue;
            if (b.kind == Statement::Kind::Return)
                unsupported(b.loc, "return inside a loop is not supported in forward; return after the loop");
            out.body.push_back(forwardStatement(b, cls));
        }
        return out;
    }
    case Statement::Kind::Expr:
        unsupported(s.loc, "unsupported statement in forward: its result is not used" + hint);
    default: unsupported(s.loc, "unsupported statement in forward" + hint);
    }
}

ForwardProgram Importer::readForward(const ClassInfo& cls)
{
    ForwardProgram p;
    p.params.clear();
    const Statement& def = *cls.forward;
    for (size_t k = 1; k < def.params.size(); ++k) {
        if (def.params[k].defaultValue)
            unsupported(def.params[k].loc, "default values in forward's parameters are not supported");
        p.params.push_back(def.params[k].name);
    }
    if (p.params.empty())
        unsupported(def.loc, "forward must take an input: def forward(self, x):");
    for (const Statement& s : def.body) {
        if (s.kind == Statement::Kind::Pass || (s.kind == Statement::Kind::Expr && s.value.kind == Node::Kind::Str))
            continue;
        p.body.push_back(forwardStatement(s, cls));
    }
    return p;
}

// Static checks of a class's forward: names used before they are defined, a missing return.
// (Deprecated functions such as F.sigmoid are reported by the analysis, for every program.)
void Importer::checkForward(const ClassInfo& cls)
{
    if (!cls.forward)
        return;
    const std::string& path = cls.firstPath;
    std::set<std::string> defined(cls.program.params.begin(), cls.program.params.end());
    defined.insert({"self", "range", "len", "enumerate"});
    for (const auto& kv : m_aliases)
        defined.insert(kv.first);
    auto checkNames = [&](const Node& n, auto& self) -> void {
        if (n.kind == Node::Kind::Name && !defined.count(n.text)) {
            std::vector<std::string> known(defined.begin(), defined.end());
            std::string msg = "name '" + n.text + "' is not defined";
            if (n.text == "F" || n.text == "nn" || n.text == "torch")
                msg += " (add the import: import torch, import torch.nn as nn, import torch.nn.functional as F)";
            else if (auto hint = didYouMean(n.text, known))
                msg += ": did you mean '" + *hint + "'?";
            diagnose(path, Severity::Error, msg, n.loc);
        }
        for (const Node& c : n.items)
            self(c, self);
        for (const auto& kw : n.keywords)
            self(kw.second, self);
    };
    auto walk = [&](const std::vector<Statement>& body, auto& self) -> void {
        for (const Statement& s : body) {
            if (s.kind == Statement::Kind::For) {
                checkNames(s.value, checkNames);
                defined.insert(s.targets.begin(), s.targets.end());
                self(s.body, self);
            } else if (s.kind == Statement::Kind::Assign || s.kind == Statement::Kind::AugAssign || s.kind == Statement::Kind::Return) {
                checkNames(s.value, checkNames);
                if (s.kind == Statement::Kind::AugAssign)
                    checkNames(s.target, checkNames);
                if (s.kind != Statement::Kind::Return)
                    defined.insert(s.target.text);
            }
        }
    };
    walk(cls.forward->body, walk);

    bool returns = false;
    for (const Stmt& s : cls.program.body)
        returns = returns || s.kind == Stmt::Kind::Return;
    if (!returns)
        diagnose(path, Severity::Warning, "forward of '" + cls.def->name + "' returns nothing (None)", cls.forward->loc);
}

// ---- the root ----------------------------------------------------------------------------

const ClassInfo* Importer::findClass(std::string_view name) const
{
    auto it = m_classes.find(std::string(name));
    return it == m_classes.end() ? nullptr : &it->second;
}

std::string Importer::classList() const
{
    std::string s;
    for (const std::string& n : m_classOrder) {
        const ClassInfo& c = m_classes.at(n);
        s += (s.empty() ? "" : ", ") + n + "(";
        for (size_t k = 0; k < c.params.size(); ++k)
            s += (k ? ", " : "") + c.params[k]->name + (c.params[k]->defaultValue ? "=..." : "");
        s += ")";
    }
    return s;
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

std::variant<ImportResult, ParseError> Importer::run(std::string_view source)
{
    auto parsed = parseFile(source, m_file);
    if (auto* err = std::get_if<ParseError>(&parsed))
        return *err;
    m_source = std::move(std::get<SourceFile>(parsed));
    m_diagnostics = m_source.notes;
    ImportResult result;
    try {
        readTopLevel(m_source);
        if (m_classOrder.empty() && m_moduleInstantiations.empty())
            return ParseError{m_file, {1, 1}, "no model class found: ModuleLab reads classes such as 'class Net(nn.Module):'"};
        for (const std::string& n : m_classOrder) {
            ClassInfo& c = m_classes.at(n);
            if (c.forward)
                c.program = readForward(c);
            else
                diagnose("", Severity::Warning, "class '" + n + "' has no forward method: calling it raises NotImplementedError", c.def->loc);
        }

        // A model built directly from torch.nn, as `model = nn.Sequential(...)`.
        if (m_options.className.empty() && m_instantiations.empty() && !m_moduleInstantiations.empty()) {
            if (m_moduleInstantiations.size() > 1)
                return ParseError{m_file, m_moduleInstantiations[1].stmt->loc,
                                  "the file creates several models; ModuleLab reads one 'model = ...' line"};
            const Instantiation& top = m_moduleInstantiations[0];
            Frame frame;
            result.root = buildModule(*top.call, "", frame);
            if (!result.root) {
                const Diagnostic& d = m_diagnostics.back();
                return ParseError{m_file, d.loc, "cannot build the model: " + d.message};
            }
            result.root->setSourceLoc(top.stmt->loc);
            for (const std::string& n : m_classOrder)
                if (m_classes.at(n).used)
                    checkForward(m_classes.at(n));
            result.classNames = m_classOrder;
            result.inputShape = inputShapeOf(m_source.comments, m_diagnostics);
            result.diagnostics = std::move(m_diagnostics);
            return result;
        }

        // the root: --class/--args, the file's own instantiation, or the one class needing no arguments
        const ClassInfo* root = nullptr;
        const Node* call = nullptr;
        Node argsCall;
        if (!m_options.className.empty()) {
            root = findClass(m_options.className);
            if (!root) {
                std::string msg = "no class '" + m_options.className + "' in the file";
                if (auto hint = didYouMean(m_options.className, m_classOrder))
                    msg += ": did you mean '" + *hint + "'?";
                return ParseError{m_file, {1, 1}, msg + "; classes: " + classList()};
            }
        } else if (m_instantiations.size() > 1) {
            std::string list;
            for (const Instantiation& i : m_instantiations)
                list += (list.empty() ? "" : ", ") + i.call->items[0].text + " at " + where(i.stmt->loc);
            return ParseError{m_file, m_instantiations[1].stmt->loc,
                              "the file creates several models (" + list + "); choose one with --class and --args"};
        } else if (m_instantiations.size() == 1) {
            root = findClass(m_instantiations[0].call->items[0].text);
            call = m_instantiations[0].call;
        } else {
            std::vector<const ClassInfo*> candidates;
            for (const std::string& n : m_classOrder) {
                const ClassInfo& c = m_classes.at(n);
                if (std::all_of(c.params.begin(), c.params.end(), [](const Param* p) { return p->defaultValue.has_value(); }))
                    candidates.push_back(&c);
            }
            if (candidates.size() > 1) { // prefer the classes no other class uses
                std::set<std::string> usedByOthers;
                auto collect = [&](const Node& n, const std::string& owner, auto& self) -> void {
                    if (n.kind == Node::Kind::Call && n.items[0].kind == Node::Kind::Name && n.items[0].text != owner)
                        usedByOthers.insert(n.items[0].text);
                    for (const Node& c : n.items)
                        self(c, owner, self);
                    for (const auto& kw : n.keywords)
                        self(kw.second, owner, self);
                };
                for (const auto& [name, c] : m_classes)
                    if (c.init)
                        for (const Statement& s : c.init->body)
                            collect(s.value, name, collect);
                std::vector<const ClassInfo*> top;
                for (const ClassInfo* c : candidates)
                    if (!usedByOthers.count(c->def->name))
                        top.push_back(c);
                if (!top.empty())
                    candidates = top;
            }
            if (candidates.size() != 1)
                return ParseError{m_file, {1, 1},
                                  std::string(candidates.empty() ? "every class needs constructor arguments"
                                                                 : "several classes could be the model")
                                      + " and no top-level line such as 'model = Net(...)' says which to build; choose one with "
                                        "--class and --args (classes: "
                                      + classList() + ")"};
            root = candidates[0];
        }
        if (!m_options.args.empty()) {
            auto parsedArgs = parseNode(root->def->name + "(" + m_options.args + ")", "--args");
            if (auto* err = std::get_if<ParseError>(&parsedArgs)) {
                err->loc.column = std::max(1, err->loc.column - static_cast<int>(root->def->name.size()) - 1);
                return *err;
            }
            argsCall = std::get<Node>(parsedArgs);
            if (argsCall.kind != Node::Kind::Call || argsCall.items[0].kind != Node::Kind::Name)
                return ParseError{"--args", {1, 1}, "expected constructor arguments such as 1,10"};
            call = &argsCall;
        }
        try {
            result.root = instantiate(*root, call, "", nullptr);
        } catch (const EvalError& e) {
            return ParseError{call == &argsCall ? std::string("--args") : m_file, e.loc,
                              "cannot build " + root->def->name + ": " + e.message};
        }
        result.root->setSourceLoc(root->def->loc);
        for (const std::string& n : m_classOrder)
            if (m_classes.at(n).used)
                checkForward(m_classes.at(n));
    } catch (Unsupported& u) {
        return std::move(u.error);
    }
    result.classNames = m_classOrder;
    result.inputShape = inputShapeOf(m_source.comments, m_diagnostics);
    result.diagnostics = std::move(m_diagnostics);
    return result;
}

} // namespace

std::variant<ImportResult, ParseError> importPython(std::string_view source, std::string_view fileName,
                                                    const ImportOptions& options)
{
    return Importer(fileName, options).run(source);
}

} // namespace ml::python
