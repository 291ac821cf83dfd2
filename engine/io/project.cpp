#include "engine/io/project.h"

#include "engine/io/atomicfile.h"
#include "engine/io/json.h"
#include "engine/layer.h"
#include "engine/names.h"
#include "engine/python/parser.h"
#include "engine/python/syntax.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace ml {

namespace {

constexpr std::string_view kFormat = "modulelab-project";

bool isDecimal(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isWordChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// Whether `word` occurs in `text` as a whole identifier.
bool mentionsWord(std::string_view text, std::string_view word)
{
    for (size_t pos = text.find(word); pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
        const size_t end = pos + word.size();
        if ((pos == 0 || !isWordChar(text[pos - 1])) && (end == text.size() || !isWordChar(text[end])))
            return true;
    }
    return false;
}

// ---- reading ---------------------------------------------------------------------------------

class Reader {
public:
    explicit Reader(std::string_view fileName) : m_fileName(fileName) {}

    Project read(const JsonValue& doc)
    {
        json::expectObject(doc, "a project file");
        const JsonValue& format = json::require(doc, "format", "the project file");
        if (!format.isString() || format.stringValue() != kFormat)
            throw JsonError(format.loc(), "not a ModuleLab project: \"format\" must be \"" + std::string(kFormat) + "\"");
        const JsonValue& version = json::require(doc, "version", "the project file");
        const int64_t v = json::expectInt(version, "version");
        if (v != kProjectVersion)
            throw JsonError(version.loc(), "unsupported project version " + std::to_string(v) + "; this ModuleLab reads version "
                                               + std::to_string(kProjectVersion));
        json::allowOnly(doc, {"format", "version", "input_shape", "weights", "normalize", "model"}, "the project file");

        Project p;
        const JsonValue& shape = json::require(doc, "input_shape", "the project file");
        p.inputShape = Shape(json::expectIntArray(shape, "input_shape", 1));
        if (p.inputShape.rank() == 0)
            throw JsonError(shape.loc(), "input_shape must be an array of positive integers, got an empty array");
        if (!p.inputShape.numel())
            throw JsonError(shape.loc(), "input_shape " + p.inputShape.toString() + " has more elements than fit in 64 bits");
        const JsonValue& weights = json::require(doc, "weights", "the project file");
        if (!weights.isNull()) {
            p.weightsPath = json::expectString(weights, "weights (a path or null)");
            if (p.weightsPath.empty())
                throw JsonError(weights.loc(), "weights must be a file path or null, got an empty string");
        }
        if (const JsonValue* norm = doc.find("normalize"))
            readNormalize(*norm, p);
        p.root = readNode(json::require(doc, "model", "the project file"), 1, false);
        return p;
    }

private:
    static std::vector<double> readNumbers(const JsonValue& v, std::string_view what)
    {
        const std::string msg = "normalize." + std::string(what) + " must be an array of numbers";
        if (!v.isArray())
            throw JsonError(v.loc(), msg + ", got " + std::string(jsonTypeName(v.type())));
        if (v.items().empty())
            throw JsonError(v.loc(), msg + ", got an empty array");
        std::vector<double> out;
        for (const JsonValue& item : v.items()) {
            if (!item.isInt() && !item.isFloat())
                throw JsonError(item.loc(), msg + ", got " + std::string(jsonTypeName(item.type())));
            out.push_back(item.isInt() ? static_cast<double>(item.intValue()) : item.floatValue());
            if (!std::isfinite(out.back()))
                throw JsonError(item.loc(), msg + ", got a value out of range");
        }
        return out;
    }

    static void readNormalize(const JsonValue& norm, Project& p)
    {
        json::expectObject(norm, "normalize");
        json::allowOnly(norm, {"mean", "std"}, "normalize");
        const JsonValue& mean = json::require(norm, "mean", "normalize");
        const JsonValue& std = json::require(norm, "std", "normalize");
        p.mean = readNumbers(mean, "mean");
        p.std = readNumbers(std, "std");
        for (size_t c = 0; c < p.std.size(); ++c)
            if (!(p.std[c] > 0))
                throw JsonError(std.items()[c].loc(), "normalize.std[" + std::to_string(c) + "] must be positive, got "
                                                          + jsonFloat(p.std[c]) + " (it divides the input)");
        if (p.mean.size() != p.std.size())
            throw JsonError(std.loc(), "normalize has " + std::to_string(p.mean.size()) + " mean values but "
                                           + std::to_string(p.std.size()) + " std values: give one of each per channel");
        if (p.inputShape.rank() < 2)
            throw JsonError(norm.loc(), "normalize needs an input_shape with a channel dimension [N, C, ...], got "
                                            + p.inputShape.toString());
        if (static_cast<int64_t>(p.mean.size()) != p.inputShape[1])
            throw JsonError(mean.loc(), "normalize has " + std::to_string(p.mean.size()) + " values per statistic but input_shape "
                                            + p.inputShape.toString() + " has " + std::to_string(p.inputShape[1])
                                            + " channels: give one mean and one std per channel");
    }

    static const char* kindKey(const JsonValue& node)
    {
        int count = 0;
        const char* key = nullptr;
        for (const char* k : {"layer", "container", "class"}) {
            if (node.find(k)) {
                ++count;
                key = k;
            }
        }
        if (count != 1)
            throw JsonError(node.loc(), count == 0 ? "a model node needs one of \"layer\", \"container\" or \"class\""
                                                   : "a model node has exactly one of \"layer\", \"container\" or \"class\"");
        return key;
    }

    // Every node remembers where the project writes it: diagnostics name FILE:LINE:COLUMN.
    std::unique_ptr<Module> readNode(const JsonValue& node, int depth, bool named)
    {
        std::unique_ptr<Module> m = readNodeContent(node, depth, named);
        m->setSourceLoc(node.loc());
        return m;
    }

    std::unique_ptr<Module> readNodeContent(const JsonValue& node, int depth, bool named)
    {
        json::expectObject(node, "a model node");
        if (depth > kProjectMaxModuleDepth)
            throw JsonError(node.loc(), "modules nested deeper than " + std::to_string(kProjectMaxModuleDepth) + " levels");
        std::unique_ptr<Module> m = readModule(node, depth, named);
        if (const JsonValue* rg = node.find("requires_grad")) {
            if (!rg->isBool())
                throw JsonError(rg->loc(), "requires_grad must be true or false");
            m->setFrozen(!rg->boolValue());
        }
        if (const JsonValue* fp = node.find("frozen_parameters")) { // p.requires_grad = False, one by one
            if (!fp->isArray())
                throw JsonError(fp->loc(), "frozen_parameters must be a list of parameter names");
            for (const JsonValue& name : fp->items()) {
                const std::vector<TensorSpec> specs = m->tensorSpecs();
                const bool known = name.isString() && std::any_of(specs.begin(), specs.end(), [&](const TensorSpec& s) {
                    return !s.isBuffer && s.name == name.stringValue();
                });
                if (!known)
                    throw JsonError(name.loc(), "frozen_parameters: " + (name.isString() ? "'" + name.stringValue() + "'" : std::string("an entry"))
                                                    + " is not a parameter of this " + m->typeName());
                m->setParameterFrozen(name.stringValue(), true);
            }
        }
        return m;
    }

    std::unique_ptr<Module> readModule(const JsonValue& node, int depth, bool named)
    {
        const std::string_view kind = kindKey(node);
        if (kind == "layer") {
            named ? json::allowOnly(node, {"name", "layer", "args", "requires_grad", "frozen_parameters"}, "a layer node")
                  : json::allowOnly(node, {"layer", "args", "requires_grad", "frozen_parameters"}, "the model node");
            return readLayer(node);
        }
        if (kind == "container") {
            named ? json::allowOnly(node, {"name", "container", "children", "requires_grad", "frozen_parameters"}, "a container node")
                  : json::allowOnly(node, {"container", "children", "requires_grad", "frozen_parameters"}, "the model node");
            const JsonValue& type = node.find("container") ? *node.find("container") : node;
            const std::string& name = json::expectString(type, "container");
            static const std::vector<std::pair<std::string, ModuleKind>> kinds = {
                {"Sequential", ModuleKind::Sequential},
                {"ModuleList", ModuleKind::ModuleList},
                {"ModuleDict", ModuleKind::ModuleDict},
                {"list", ModuleKind::PlainList}};
            auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == name; });
            if (it == kinds.end()) {
                std::vector<std::string> names;
                for (const auto& k : kinds)
                    names.push_back(k.first);
                std::string msg = "unknown container \"" + name + "\" (Sequential, ModuleList, ModuleDict or list)";
                if (auto hint = didYouMean(name, names))
                    msg += ": did you mean \"" + *hint + "\"?";
                throw JsonError(type.loc(), msg);
            }
            std::unique_ptr<Module> m = makeContainer(it->second);
            readChildren(node, *m, depth);
            return m;
        }
        named ? json::allowOnly(node, {"name", "class", "children", "forward", "requires_grad", "frozen_parameters"}, "a module node")
              : json::allowOnly(node, {"class", "children", "forward", "requires_grad", "frozen_parameters"}, "the model node");
        const JsonValue& cls = *node.find("class");
        const std::string& className = json::expectString(cls, "class");
        if (!isPythonIdentifier(className))
            throw JsonError(cls.loc(), "class name \"" + className + "\" is not a valid Python identifier");
        auto m = std::make_unique<CustomModule>(className);
        readChildren(node, *m, depth);
        m->setProgram(readForward(json::require(node, "forward", "module " + className)));
        return m;
    }

    static ArgValue readArg(const std::string& name, const JsonValue& v)
    {
        switch (v.type()) {
        case JsonValue::Type::Null: return ArgValue::none();
        case JsonValue::Type::Bool: return ArgValue::ofBool(v.boolValue());
        case JsonValue::Type::Int: return ArgValue::ofInt(v.intValue());
        case JsonValue::Type::Float: return ArgValue::ofFloat(v.floatValue());
        case JsonValue::Type::String: return ArgValue::ofStr(v.stringValue());
        case JsonValue::Type::Array: {
            std::vector<int64_t> t;
            for (const JsonValue& item : v.items()) {
                if (!item.isInt())
                    throw JsonError(item.loc(), "argument '" + name + "': a tuple may hold integers only, got "
                                                    + std::string(jsonTypeName(item.type())));
                t.push_back(item.intValue());
            }
            return ArgValue::ofTuple(std::move(t));
        }
        case JsonValue::Type::Object: break;
        }
        throw JsonError(v.loc(), "argument '" + name + "' must be null, true/false, a number, a string or an array of integers");
    }

    std::unique_ptr<Module> readLayer(const JsonValue& node)
    {
        const JsonValue& type = *node.find("layer");
        const std::string& typeName = json::expectString(type, "layer");
        std::vector<LayerArgument> call;
        const JsonValue* args = node.find("args");
        if (args) {
            json::expectObject(*args, "args of " + typeName);
            for (const JsonMember& m : args->members())
                call.push_back({m.key, readArg(m.key, m.value)});
        }
        auto made = createLayer(typeName, call);
        if (auto* layer = std::get_if<std::unique_ptr<Layer>>(&made))
            return std::move(*layer);
        const std::string& msg = std::get<std::string>(made);
        if (!findLayerSchema(typeName))
            throw JsonError(type.loc(), msg);
        // Point at the argument the message is about, if it names one.
        SourceLoc loc = args ? args->loc() : node.loc();
        if (args) {
            for (const JsonMember& m : args->members()) {
                if (mentionsWord(msg, m.key)) {
                    loc = m.value.loc();
                    break;
                }
            }
        }
        throw JsonError(loc, msg);
    }

    void readChildren(const JsonValue& node, Module& parent, int depth)
    {
        const std::string what = "children of " + parent.typeName();
        const JsonValue& children = json::expectArray(json::require(node, "children", parent.typeName() + " node"), what);
        const bool positional = parent.kind() == ModuleKind::ModuleList || parent.kind() == ModuleKind::PlainList;
        const bool optionalNames = parent.kind() == ModuleKind::Sequential;
        int namedCount = 0;
        for (const JsonValue& c : children.items())
            namedCount += c.isObject() && c.find("name") ? 1 : 0;
        const bool useNames = !positional && (!optionalNames || namedCount > 0);

        std::vector<std::pair<std::string, SourceLoc>> seen;
        int index = 0;
        for (const JsonValue& c : children.items()) {
            json::expectObject(c, "a child of " + parent.typeName());
            std::string name;
            if (useNames) {
                const JsonValue* n = c.find("name");
                if (!n)
                    throw JsonError(c.loc(), optionalNames ? "name every child of this Sequential or none of them"
                                                           : "a child of " + parent.typeName() + " needs a \"name\"");
                name = json::expectString(*n, "name");
                if (optionalNames && isDecimal(name)) {
                    if (name != std::to_string(index))
                        throw JsonError(n->loc(), "child name \"" + name + "\" of a Sequential must be its position "
                                                      + std::to_string(index) + " or an identifier");
                } else if (!isPythonIdentifier(name)) {
                    throw JsonError(n->loc(), "child name \"" + name + "\" is not a valid Python identifier");
                }
                for (const auto& [prev, loc] : seen)
                    if (prev == name)
                        throw JsonError(n->loc(), "duplicate child name \"" + name + "\" (first at line " + std::to_string(loc.line)
                                                      + ", column " + std::to_string(loc.column) + ")");
                seen.emplace_back(name, n->loc());
            }
            parent.appendChild(std::move(name), readNode(c, depth + 1, true));
            ++index;
        }
    }

    static std::string readIdentifier(const JsonValue& v, std::string_view what)
    {
        const std::string& s = json::expectString(v, what);
        if (!isPythonIdentifier(s))
            throw JsonError(v.loc(), std::string(what) + " \"" + s + "\" is not a valid Python identifier");
        return s;
    }

    Expr readExpr(const JsonValue& v, std::string_view what)
    {
        const std::string& text = json::expectString(v, what);
        // The expression starts one column after the opening quote (exact unless the JSON
        // string contains escapes before the error).
        const SourceLoc origin{v.loc().line, v.loc().column + 1};
        auto parsed = python::parseExpression(text, origin, m_fileName);
        if (auto* err = std::get_if<ParseError>(&parsed))
            throw JsonError(err->loc.valid() ? err->loc : v.loc(), err->message);
        return std::move(std::get<Expr>(parsed));
    }

    ForwardProgram readForward(const JsonValue& v)
    {
        json::expectObject(v, "forward");
        json::allowOnly(v, {"params", "body", "defaults", "methods", "attributes"}, "forward");
        ForwardProgram p;
        p.params.clear();
        for (const JsonValue& param : json::expectArray(json::require(v, "params", "forward"), "params").items()) {
            std::string name = readIdentifier(param, "parameter");
            if (name == "self" || std::find(p.params.begin(), p.params.end(), name) != p.params.end())
                throw JsonError(param.loc(), name == "self" ? std::string("\"self\" is implicit; list only the parameters after it")
                                                            : "duplicate parameter \"" + name + "\"");
            p.params.push_back(std::move(name));
        }
        p.body = readBody(json::require(v, "body", "forward"), false);
        if (const JsonValue* d = v.find("defaults"))
            for (const JsonValue& e : json::expectArray(*d, "defaults").items())
                p.defaults.push_back(readExpr(e, "default"));
        if (p.defaults.size() > p.params.size())
            throw JsonError(v.loc(), "more defaults than parameters");
        if (const JsonValue* ms = v.find("methods"))
            for (const JsonValue& m : json::expectArray(*ms, "methods").items()) {
                auto parsed = python::parseMethod(json::expectString(m, "method"), m_fileName);
                if (auto* err = std::get_if<ParseError>(&parsed))
                    throw JsonError(m.loc(), "method: " + err->message);
                p.methods.push_back(std::move(std::get<Method>(parsed)));
            }
        if (const JsonValue* as = v.find("attributes"))
            for (const JsonValue& a : json::expectArray(*as, "attributes").items()) {
                json::expectObject(a, "an attribute");
                json::allowOnly(a, {"name", "value"}, "an attribute");
                std::string name = readIdentifier(json::require(a, "name", "the attribute"), "attribute name");
                p.attributes.emplace_back(std::move(name), readExpr(json::require(a, "value", "the attribute"), "value"));
            }
        return p;
    }

    std::vector<Stmt> readBody(const JsonValue& v, bool nonEmpty)
    {
        json::expectArray(v, "body");
        if (nonEmpty && v.items().empty())
            throw JsonError(v.loc(), "the body of a for loop needs at least one statement");
        std::vector<Stmt> out;
        for (const JsonValue& s : v.items())
            out.push_back(readStmt(s));
        return out;
    }

    Stmt readStmt(const JsonValue& v)
    {
        json::expectObject(v, "a statement");
        Stmt s;
        s.loc = v.loc();
        if (const JsonValue* target = v.find("assign")) {
            json::allowOnly(v, {"assign", "value"}, "an assignment");
            s.kind = Stmt::Kind::Assign;
            s.targets.push_back(readIdentifier(*target, "assignment target"));
            s.value = readExpr(json::require(v, "value", "the assignment"), "value");
        } else if (const JsonValue* vars = v.find("for")) {
            json::allowOnly(v, {"for", "in", "body"}, "a for loop");
            s.kind = Stmt::Kind::For;
            if (vars->isString()) {
                s.targets.push_back(readIdentifier(*vars, "loop variable"));
            } else {
                json::expectArray(*vars, "for (the loop variables)");
                if (vars->items().empty() || vars->items().size() > 2)
                    throw JsonError(vars->loc(), "a for loop has one or two loop variables");
                for (const JsonValue& t : vars->items())
                    s.targets.push_back(readIdentifier(t, "loop variable"));
            }
            s.value = readExpr(json::require(v, "in", "the for loop"), "in");
            s.body = readBody(json::require(v, "body", "the for loop"), true);
        } else if (const JsonValue* code = v.find("code")) {
            // any other statement, as Python source
            json::allowOnly(v, {"code"}, "a statement");
            const std::string& text = json::expectString(*code, "code");
            auto parsed = python::parseStatements(text, m_fileName, {code->loc().line, code->loc().column + 1});
            if (auto* err = std::get_if<ParseError>(&parsed))
                throw JsonError(err->loc.valid() ? err->loc : code->loc(), err->message);
            auto& stmts = std::get<std::vector<Stmt>>(parsed);
            if (stmts.size() != 1)
                throw JsonError(code->loc(), "\"code\" holds exactly one statement");
            return std::move(stmts[0]);
        } else if (const JsonValue* value = v.find("return")) {
            json::allowOnly(v, {"return"}, "a return statement");
            s.kind = Stmt::Kind::Return;
            s.value = readExpr(*value, "return");
        } else {
            throw JsonError(v.loc(), "a statement needs one of \"assign\", \"for\", \"return\" or \"code\"");
        }
        return s;
    }

    std::string m_fileName;
};

// ---- writing ---------------------------------------------------------------------------------

JsonValue argToJson(const ArgValue& a)
{
    switch (a.type) {
    case ArgValue::Type::None: return JsonValue::null();
    case ArgValue::Type::Bool: return JsonValue::boolean(a.b);
    case ArgValue::Type::Int: return JsonValue::integer(a.i);
    case ArgValue::Type::Float: return JsonValue::number(a.f);
    case ArgValue::Type::Str: return JsonValue::string(a.s);
    case ArgValue::Type::Tuple: {
        JsonValue arr = JsonValue::array();
        for (int64_t v : a.tuple)
            arr.append(JsonValue::integer(v));
        return arr;
    }
    }
    return JsonValue::null();
}

bool simpleFor(const Stmt& s)
{
    return s.kind == Stmt::Kind::For && !s.targets.empty() && s.targets.size() <= 2 && s.orelse.empty() && !s.body.empty();
}

JsonValue stmtToJson(const Stmt& s)
{
    JsonValue o = JsonValue::object();
    const bool simple = (s.kind == Stmt::Kind::Assign && s.targets.size() == 1) || simpleFor(s) || s.kind == Stmt::Kind::Return;
    if (!simple) {
        o.set("code", JsonValue::string(toSource(s)));
        return o;
    }
    switch (s.kind) {
    case Stmt::Kind::Assign:
        o.set("assign", JsonValue::string(s.targets.empty() ? std::string("_") : s.targets[0]));
        o.set("value", JsonValue::string(toSource(s.value)));
        break;
    case Stmt::Kind::For: {
        JsonValue& vars = o.set("for", JsonValue::array());
        for (const std::string& t : s.targets)
            vars.append(JsonValue::string(t));
        o.set("in", JsonValue::string(toSource(s.value)));
        JsonValue& body = o.set("body", JsonValue::array());
        for (const Stmt& b : s.body)
            body.append(stmtToJson(b));
        break;
    }
    case Stmt::Kind::Return: o.set("return", JsonValue::string(toSource(s.value))); break;
    default: break;
    }
    return o;
}

JsonValue nodeToJson(const Module& m, const std::string* name)
{
    JsonValue o = JsonValue::object();
    if (name)
        o.set("name", JsonValue::string(*name));
    const bool positional = m.kind() == ModuleKind::ModuleList || m.kind() == ModuleKind::PlainList
        || (m.kind() == ModuleKind::Sequential && m.namesArePositions());
    auto writeChildren = [&] {
        JsonValue& children = o.set("children", JsonValue::array());
        for (const Module::Child& c : m.children())
            children.append(nodeToJson(*c.module, positional ? nullptr : &c.name));
    };
    switch (m.kind()) {
    case ModuleKind::Layer: {
        const auto& layer = static_cast<const Layer&>(m);
        o.set("layer", JsonValue::string(layer.typeName()));
        const auto args = layer.nonDefaultArgs();
        if (!args.empty()) {
            JsonValue& a = o.set("args", JsonValue::object());
            for (const auto& [argName, value] : args)
                a.set(std::string(argName), argToJson(*value));
        }
        break;
    }
    case ModuleKind::Custom: {
        const auto& custom = static_cast<const CustomModule&>(m);
        o.set("class", JsonValue::string(custom.typeName()));
        writeChildren();
        JsonValue& fwd = o.set("forward", JsonValue::object());
        JsonValue& params = fwd.set("params", JsonValue::array());
        for (const std::string& p : custom.program().params)
            params.append(JsonValue::string(p));
        JsonValue& body = fwd.set("body", JsonValue::array());
        for (const Stmt& s : custom.program().body)
            body.append(stmtToJson(s));
        const ForwardProgram& prog = custom.program();
        if (!prog.defaults.empty()) {
            JsonValue& d = fwd.set("defaults", JsonValue::array());
            for (const Expr& e : prog.defaults)
                d.append(JsonValue::string(toSource(e)));
        }
        if (!prog.methods.empty()) {
            JsonValue& ms = fwd.set("methods", JsonValue::array());
            for (const Method& method : prog.methods)
                ms.append(JsonValue::string(toSource(method)));
        }
        if (!prog.attributes.empty()) {
            JsonValue& as = fwd.set("attributes", JsonValue::array());
            for (const auto& [name, value] : prog.attributes) {
                JsonValue a = JsonValue::object();
                a.set("name", JsonValue::string(name));
                a.set("value", JsonValue::string(toSource(value)));
                as.append(std::move(a));
            }
        }
        break;
    }
    default:
        o.set("container", JsonValue::string(m.typeName()));
        writeChildren();
        break;
    }
    if (m.frozen()) // module.requires_grad_(False): frozen for training
        o.set("requires_grad", JsonValue::boolean(false));
    if (!m.frozenParameters().empty()) { // p.requires_grad = False on some of its own parameters
        JsonValue& fp = o.set("frozen_parameters", JsonValue::array());
        for (const std::string& p : m.frozenParameters())
            fp.append(JsonValue::string(p));
    }
    return o;
}

} // namespace

std::optional<std::string> projectLimit(const Module& m)
{
    if (m.kind() == ModuleKind::Layer) {
        const auto& layer = static_cast<const Layer&>(m);
        for (const auto& [argName, value] : layer.nonDefaultArgs())
            if (value->type == ArgValue::Type::Float && !std::isfinite(value->f))
                return "'" + (m.path().empty() ? m.typeName() : m.path()) + "': argument " + std::string(argName) + " is "
                    + value->repr() + ", which a project file cannot store";
    }
    const std::string where = m.path().empty() ? m.typeName() : m.path();
    if (m.kind() == ModuleKind::Custom && !m.tensorSpecs().empty())
        return "'" + where + "': not supported by ModuleLab yet: a project file cannot store a module's own parameters and buffers ("
            + m.tensorSpecs().front().name + "); export the model as Python";
    if (m.isContainer() && m.kind() != ModuleKind::Custom && !static_cast<const Container&>(m).className().empty())
        return "'" + where + "': not supported by ModuleLab yet: a project file cannot store a class derived from nn."
            + std::string(m.kind() == ModuleKind::Sequential ? "Sequential" : m.kind() == ModuleKind::ModuleList ? "ModuleList" : "ModuleDict")
            + " ('" + m.typeName() + "'); export the model as Python";
    if (m.isShared() && countParameters(m).total + countParameters(m).buffers > 0)
        return "'" + where + "': not supported by ModuleLab yet: a project file cannot store one module with weights under several "
                             "names; export the model as Python";
    for (const Module::Child& c : m.children())
        if (auto err = projectLimit(*c.module))
            return err;
    return std::nullopt;
}


std::variant<Project, ParseError> parseProject(std::string_view text, std::string_view fileName)
{
    auto doc = parseJson(text, fileName);
    if (auto* err = std::get_if<ParseError>(&doc))
        return *err;
    try {
        return Reader(fileName).read(std::get<JsonValue>(doc));
    } catch (const JsonError& e) {
        return ParseError{std::string(fileName), e.loc(), e.what()};
    }
}

std::variant<Project, ParseError> loadProject(const std::string& path)
{
    auto text = readWholeFileLocated(path, kProjectMaxFileSize);
    if (auto* error = std::get_if<ParseError>(&text))
        return std::move(*error);
    return parseProject(std::get<std::string>(text), path);
}

std::string projectToJson(const Project& project)
{
    JsonValue doc = JsonValue::object();
    doc.set("format", JsonValue::string(std::string(kFormat)));
    doc.set("version", JsonValue::integer(kProjectVersion));
    JsonValue& shape = doc.set("input_shape", JsonValue::array());
    for (int64_t d : project.inputShape.dims())
        shape.append(JsonValue::integer(d));
    doc.set("weights", project.weightsPath.empty() ? JsonValue::null() : JsonValue::string(project.weightsPath));
    if (!project.mean.empty() || !project.std.empty()) {
        JsonValue& norm = doc.set("normalize", JsonValue::object());
        JsonValue& mean = norm.set("mean", JsonValue::array());
        for (double v : project.mean)
            mean.append(JsonValue::number(v));
        JsonValue& std = norm.set("std", JsonValue::array());
        for (double v : project.std)
            std.append(JsonValue::number(v));
    }
    if (project.root)
        doc.set("model", nodeToJson(*project.root, nullptr));
    return writeJson(doc, {.indent = 2});
}

std::optional<std::string> saveProject(const Project& project, const std::string& path)
{
    if (!project.root)
        return "cannot save " + path + ": the project has no model";
    if (auto err = projectLimit(*project.root))
        return "cannot save " + path + ": " + *err;
    return writeFileAtomically(path, projectToJson(project));
}

std::optional<std::string> normalizeInput(Tensor& x, const std::vector<double>& mean, const std::vector<double>& std)
{
    if (mean.empty() && std.empty())
        return std::nullopt;
    if (mean.size() != std.size())
        return "normalize has " + std::to_string(mean.size()) + " mean values but " + std::to_string(std.size()) + " std values";
    if (x.shape().rank() < 2 || x.shape()[1] != static_cast<int64_t>(mean.size()))
        return "normalize has values for " + std::to_string(mean.size()) + " channels but the input is " + x.shape().toString();
    const int64_t n = x.shape()[0], c = x.shape()[1], inner = x.shape().product(2, x.shape().rank());
    float* data = x.data();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < c; ++k) {
            // torchvision: tensor.sub_(mean).div_(std) with mean and std as float32 tensors.
            const float m = static_cast<float>(mean[static_cast<size_t>(k)]);
            const float s = static_cast<float>(std[static_cast<size_t>(k)]);
            float* p = data + (i * c + k) * inner;
            for (int64_t j = 0; j < inner; ++j)
                p[j] = (p[j] - m) / s;
        }
    return std::nullopt;
}

std::string resolveWeightsPath(const std::string& projectPath, const std::string& weightsPath)
{
    if (weightsPath.empty())
        return {};
    const std::filesystem::path w(weightsPath);
    if (w.is_absolute())
        return weightsPath;
    return (std::filesystem::path(projectPath).parent_path() / w).lexically_normal().string();
}

} // namespace ml
