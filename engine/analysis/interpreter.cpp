#include "engine/analysis/interpreter.h"

#include "engine/analysis/tensorops.h"
#include "engine/layer.h"
#include "engine/names.h"

#include <algorithm>
#include <cmath>

namespace ml::detail {

namespace {

// Layers whose eval-mode output is their input under another shape: the output shares the
// input's storage, as PyTorch's views do, instead of a copy.
bool isViewInEval(const Layer& layer)
{
    const std::string type = layer.typeName();
    return type == "Flatten" || type == "Identity" || type == "Dropout" || type == "Dropout2d";
}

constexpr int kMaxCallDepth = 256;
constexpr int64_t kMaxRange = 1'000'000;

bool toArgValue(const Value& v, ArgValue& out)
{
    switch (v.kind) {
    case Value::Kind::None: out = ArgValue::none(); return true;
    case Value::Kind::Bool: out = ArgValue::ofBool(v.b); return true;
    case Value::Kind::Int: out = ArgValue::ofInt(v.i); return true;
    case Value::Kind::Float: out = ArgValue::ofFloat(v.f); return true;
    case Value::Kind::Str: out = ArgValue::ofStr(v.s); return true;
    case Value::Kind::Tuple:
    case Value::Kind::List: {
        std::vector<int64_t> t;
        for (const Value& x : v.items) {
            if (x.kind != Value::Kind::Int)
                return false;
            t.push_back(x.i);
        }
        out = ArgValue::ofTuple(std::move(t));
        return true;
    }
    default: return false;
    }
}

// A functional op and the layer that computes it, with the op's positional parameter names.
struct FunctionalOp {
    std::string_view name;      // without namespace
    std::string_view layer;     // layer type
    std::vector<std::string_view> params; // positional parameters after the input
    bool deprecated = false;    // F.sigmoid, F.tanh
};

const std::vector<FunctionalOp>& functionalOps()
{
    static const std::vector<FunctionalOp> ops = {
        {"relu", "ReLU", {"inplace"}},
        {"sigmoid", "Sigmoid", {}},
        {"tanh", "Tanh", {}},
        {"gelu", "GELU", {}},
        {"silu", "SiLU", {"inplace"}},
        {"leaky_relu", "LeakyReLU", {"negative_slope", "inplace"}},
        {"softmax", "Softmax", {"dim"}},
        {"log_softmax", "LogSoftmax", {"dim"}},
        {"max_pool2d", "MaxPool2d", {"kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"}},
        {"avg_pool2d", "AvgPool2d", {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}},
        {"adaptive_avg_pool2d", "AdaptiveAvgPool2d", {"output_size"}},
        {"dropout", "Dropout", {"p", "training", "inplace"}},
        {"dropout2d", "Dropout2d", {"p", "training", "inplace"}},
    };
    return ops;
}

const FunctionalOp* findFunctional(std::string_view name)
{
    for (const FunctionalOp& op : functionalOps())
        if (op.name == name)
            return &op;
    return nullptr;
}

// x.view(-1, K) and friends that change the batch size: say what happens to each sample.
std::string batchChangeWarning(const std::string& source, const std::string& method, const Shape& in, const Shape& out)
{
    const int64_t n = in[0], m = out[0];
    const int64_t perSample = in.numel().value_or(0) / std::max<int64_t>(n, 1);
    std::string what;
    if (m > n && m % n == 0)
        what = "it splits each sample's " + std::to_string(perSample) + " values into " + std::to_string(m / n) + " rows";
    else if (m < n && n % m == 0)
        what = "it joins " + std::to_string(n / m) + " samples into each row";
    else
        what = "its rows no longer line up with the samples";
    return source + " turns a batch of " + std::to_string(n) + " into a batch of " + std::to_string(m) + " ("
        + in.toString() + " -> " + out.toString() + "): " + what
        + ". PyTorch runs it silently; F.cross_entropy with one target per sample then fails (PyTorch: ValueError: Expected input batch_size ("
        + std::to_string(m) + ") to match target batch_size (" + std::to_string(n)
        + ").). Keep the batch dimension: x." + method + "(x.size(0), -1) or torch.flatten(x, 1)";
}

} // namespace

std::string typeNameOf(const Value& v)
{
    switch (v.kind) {
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Str: return "str";
    case Value::Kind::Tensor: return "Tensor";
    case Value::Kind::Module: return v.module->typeName();
    case Value::Kind::List: return "list";
    case Value::Kind::Tuple: return "tuple";
    case Value::Kind::Namespace: return "module";
    case Value::Kind::Function: return "function";
    case Value::Kind::Method: return "method";
    }
    return "object";
}

void Interpreter::raise(const std::string& path, SourceLoc loc, std::string message)
{
    m_analysis.diagnostics.push_back({path, Severity::Error, std::move(message), loc});
    throw ForwardAbort{};
}

void Interpreter::warn(const std::string& path, SourceLoc loc, std::string message, Severity s)
{
    for (const Diagnostic& d : m_analysis.diagnostics)
        if (d.path == path && d.message == message && d.loc == loc)
            return;
    m_analysis.diagnostics.push_back({path, s, std::move(message), loc});
}

std::string Interpreter::pathOf(const Frame& f) const { return f.self->path(); }

Value Interpreter::callModule(const Module& m, std::vector<Value> args, SourceLoc loc)
{
    if (++m_depth > kMaxCallDepth) {
        --m_depth;
        raise(m.path(), loc, "forward calls nest deeper than " + std::to_string(kMaxCallDepth) + " levels");
    }
    struct DepthGuard {
        int& d;
        ~DepthGuard() { --d; }
    } guard{m_depth};

    NodeInfo& info = m_analysis.nodes[&m];
    ++info.calls;
    const bool first = info.calls == 1;
    if (first && !args.empty() && args[0].isTensor())
        info.inputShape = args[0].shape;
    const Value input = args.empty() ? Value::none() : args[0];

    Value out;
    switch (m.kind()) {
    case ModuleKind::Layer: {
        if (args.size() != 1)
            raise(m.path(), loc, m.typeName() + ".forward() takes 1 input but " + std::to_string(args.size()) + " were given");
        out = callLayer(static_cast<const Layer&>(m), args[0], m.path(), loc, true);
        break;
    }
    case ModuleKind::Sequential: {
        if (args.size() != 1)
            raise(m.path(), loc, "Sequential.forward() takes 1 input but " + std::to_string(args.size()) + " were given");
        out = args[0];
        for (const Module::Child& c : m.children())
            out = callModule(*c.module, {out}, loc);
        break;
    }
    case ModuleKind::ModuleList:
    case ModuleKind::ModuleDict:
        info.failed = true;
        raise(m.path(), loc,
              m.typeName() + " has no forward() of its own, so calling it fails. Call its entries from forward "
                             "(for m in self." + m.name() + ": x = m(x)) or use nn.Sequential (PyTorch: NotImplementedError: Module ["
                  + m.typeName() + "] is missing the required \"forward\" function)");
    case ModuleKind::PlainList:
        info.failed = true;
        raise(m.path(), loc, "a plain Python list is not a module and cannot be called (PyTorch: TypeError: 'list' object is not callable)");
    case ModuleKind::Custom:
        out = runProgram(static_cast<const CustomModule&>(m), std::move(args), loc);
        break;
    }

    if (first && out.isTensor())
        m_analysis.nodes[&m].outputShape = out.shape;
    if (m_observer && *m_observer && input.data && out.data)
        (*m_observer)(m, Tensor::borrow(input.shape, input.data->data()), Tensor::borrow(out.shape, out.data->data()));
    return out;
}

Value Interpreter::callLayer(const Layer& layer, const Value& in, const std::string& path, SourceLoc loc, bool record)
{
    if (!in.isTensor())
        raise(path, loc, layer.typeName() + " expects a tensor, got " + typeNameOf(in));
    const ShapeResult r = layer.outputShape(in.shape);
    if (record)
        m_analysis.layerCalls.push_back({&layer, in.shape, r.ok() ? std::optional<Shape>(r.shape) : std::nullopt, r.error});
    if (!r.ok()) {
        if (record)
            m_analysis.nodes[&layer].failed = true;
        raise(path, loc, r.error);
    }
    Value out = Value::ofTensor(r.shape, nullptr);
    if (m_real) {
        if (!in.data)
            raise(path, loc, "internal: no input data for " + layer.typeName());
        if (!layer.hasTensors())
            raise(path, loc, layer.typeName() + " has no weights: initialise or load them before running");
        if (!m_recorder && !trainingOf(layer) && isViewInEval(layer)) {
            out.data = in.data; // shared storage, as a view; out.shape is authoritative
        } else {
            const Tensor input = Tensor::borrow(in.shape, in.data->data());
            auto t = std::make_shared<Tensor>(r.shape);
            if (m_recorder)
                m_recorder->layerCall(layer, record, in.data, in.shape, t);
            else if (trainingOf(layer))
                layer.trainForward(input, *t);
            else
                layer.forward(input, *t);
            out.data = std::move(t);
        }
    }
    if (record) {
        const int64_t ma = layer.multAdds(in.shape, r.shape);
        m_analysis.nodes[&layer].multAdds += ma;
        m_analysis.totalMultAdds += ma;
    }
    return out;
}

Value Interpreter::recordOp(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim,
                             std::vector<int64_t> dims, bool keepdim)
{
    if (m_recorder && out.data)
        m_recorder->op({kind, std::move(inputs), out, dim, std::move(dims), keepdim});
    return out;
}

Value Interpreter::runProgram(const CustomModule& m, std::vector<Value> args, SourceLoc loc)
{
    const ForwardProgram& p = m.program();
    if (args.size() != p.params.size())
        raise(m.path(), loc,
              m.typeName() + ".forward() takes " + std::to_string(p.params.size() + 1) + " positional arguments but "
                  + std::to_string(args.size() + 1) + " were given");
    if (p.body.empty())
        raise(m.path(), loc, m.typeName() + " has no forward(): PyTorch raises NotImplementedError (Module ["
                                 + m.typeName() + "] is missing the required \"forward\" function)");
    Frame f{&m, {}, {}};
    for (size_t k = 0; k < args.size(); ++k)
        f.vars[p.params[k]] = std::move(args[k]);
    for (const Stmt& s : p.body) {
        exec(s, f);
        if (auto it = f.vars.find("\x01return"); it != f.vars.end())
            return it->second;
    }
    return Value::none();
}

void Interpreter::exec(const Stmt& s, Frame& f)
{
    f.stmtLoc = s.loc;
    switch (s.kind) {
    case Stmt::Kind::Assign:
        assignTargets(s.targets, eval(s.value, f), f, s.loc);
        return;
    case Stmt::Kind::Return:
        f.vars["\x01return"] = eval(s.value, f);
        return;
    case Stmt::Kind::For: {
        const Value iterable = eval(s.value, f);
        for (const Value& item : iterate(iterable, s.value, f)) {
            assignTargets(s.targets, item, f, s.loc);
            for (const Stmt& b : s.body) {
                exec(b, f);
                if (f.vars.count("\x01return"))
                    return;
            }
        }
        return;
    }
    }
}

void Interpreter::assignTargets(const std::vector<std::string>& targets, const Value& v, Frame& f, SourceLoc loc)
{
    if (targets.size() == 1) {
        f.vars[targets[0]] = v;
        return;
    }
    if ((v.kind != Value::Kind::Tuple && v.kind != Value::Kind::List) || v.items.size() != targets.size())
        raise(pathOf(f), loc, "cannot unpack " + typeNameOf(v) + " into " + std::to_string(targets.size()) + " variables");
    for (size_t k = 0; k < targets.size(); ++k)
        f.vars[targets[k]] = v.items[k];
}

std::vector<Value> Interpreter::iterate(const Value& v, const Expr& e, Frame& f)
{
    if (v.kind == Value::Kind::List || v.kind == Value::Kind::Tuple)
        return v.items;
    if (v.kind == Value::Kind::Module) {
        const Module& m = *v.module;
        std::vector<Value> out;
        switch (m.kind()) {
        case ModuleKind::ModuleList:
        case ModuleKind::PlainList:
        case ModuleKind::Sequential:
            for (const Module::Child& c : m.children())
                out.push_back(Value::ofModule(c.module.get()));
            return out;
        case ModuleKind::ModuleDict:
            for (const Module::Child& c : m.children())
                out.push_back(Value::ofStr(c.name));
            return out;
        default: break;
        }
    }
    raise(pathOf(f), e.loc, "'" + typeNameOf(v) + "' object is not iterable (in " + toSource(e) + ")");
}

Value Interpreter::eval(const Expr& e, Frame& f)
{
    switch (e.kind) {
    case Expr::Kind::Name: {
        if (auto it = f.vars.find(e.text); it != f.vars.end())
            return it->second;
        if (e.text == "self")
            return Value::ofModule(f.self);
        if (e.text == "F" || e.text == "torch" || e.text == "nn") {
            Value v;
            v.kind = Value::Kind::Namespace;
            v.s = e.text;
            return v;
        }
        if (e.text == "len" || e.text == "range" || e.text == "enumerate") {
            Value v;
            v.kind = Value::Kind::Function;
            v.s = e.text;
            return v;
        }
        std::vector<std::string> names;
        for (const auto& [k, _] : f.vars)
            if (k[0] != '\x01')
                names.push_back(k);
        std::string msg = "name '" + e.text + "' is not defined";
        if (auto hint = didYouMean(e.text, names))
            msg += ": did you mean '" + *hint + "'?";
        raise(pathOf(f), e.loc, msg + " (PyTorch: NameError: name '" + e.text + "' is not defined)");
    }
    case Expr::Kind::Int: return Value::ofInt(e.i);
    case Expr::Kind::Float: return Value::ofFloat(e.f);
    case Expr::Kind::Bool: return Value::ofBool(e.b);
    case Expr::Kind::None: return Value::none();
    case Expr::Kind::Str: return Value::ofStr(e.text);
    case Expr::Kind::Tuple:
    case Expr::Kind::List: {
        std::vector<Value> items;
        for (const Expr& x : e.items)
            items.push_back(eval(x, f));
        return Value::ofSequence(e.kind == Expr::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List, std::move(items));
    }
    case Expr::Kind::Neg: {
        const Value v = eval(e.items[0], f);
        if (v.kind == Value::Kind::Int || v.kind == Value::Kind::Bool)
            return Value::ofInt(-v.integer());
        if (v.kind == Value::Kind::Float)
            return Value::ofFloat(-v.f);
        if (v.isTensor()) {
            OpResult r = binaryOp('*', v, Value::ofInt(-1));
            return recordOp(RecordedOp::Kind::Mul, {v, Value::ofInt(-1)}, r.value);
        }
        raise(pathOf(f), e.loc, "bad operand type for unary -: '" + typeNameOf(v) + "'");
    }
    case Expr::Kind::BinOp: {
        const Value a = eval(e.items[0], f);
        const Value b = eval(e.items[1], f);
        const std::string& op = e.text;
        if (a.isNumber() && b.isNumber()) {
            const bool ints = a.isInt() && b.isInt();
            if (op == "/" || (!ints && op != "//")) {
                const double x = a.number(), y = b.number();
                if ((op == "/" || op == "//") && y == 0)
                    raise(pathOf(f), e.loc, "division by zero");
                if (op == "+") return Value::ofFloat(x + y);
                if (op == "-") return Value::ofFloat(x - y);
                if (op == "*") return Value::ofFloat(x * y);
                return Value::ofFloat(x / y);
            }
            const int64_t x = a.integer(), y = b.integer();
            int64_t r = 0;
            bool ok = true;
            if (op == "+") ok = checkedAdd(x, y, r);
            else if (op == "-") ok = !__builtin_sub_overflow(x, y, &r);
            else if (op == "*") ok = checkedMul(x, y, r);
            else if (op == "//") {
                if (!ints) return Value::ofFloat(std::floor(a.number() / b.number()));
                if (y == 0)
                    raise(pathOf(f), e.loc, "integer division or modulo by zero");
                r = x / y;
                if ((x % y != 0) && ((x < 0) != (y < 0)))
                    --r;
            }
            if (!ok)
                raise(pathOf(f), e.loc, "integer overflow in " + toSource(e));
            return Value::ofInt(r);
        }
        if ((a.isTensor() || b.isTensor()) && (op == "+" || op == "-" || op == "*")) {
            if (!(a.isTensor() || a.isNumber()) || !(b.isTensor() || b.isNumber()))
                raise(pathOf(f), e.loc, "unsupported operand types for " + op + ": '" + typeNameOf(a) + "' and '" + typeNameOf(b) + "'");
            OpResult r = binaryOp(op[0], a, b);
            if (!r.ok())
                raise(pathOf(f), e.loc, toSource(e) + ": " + a.shape.toString() + " " + op + " " + b.shape.toString()
                                            + " do not broadcast (PyTorch: " + r.error + ")");
            const auto kind = op == "+" ? RecordedOp::Kind::Add : op == "-" ? RecordedOp::Kind::Sub : RecordedOp::Kind::Mul;
            return recordOp(kind, {a, b}, r.value);
        }
        raise(pathOf(f), e.loc, "unsupported operand types for " + op + ": '" + typeNameOf(a) + "' and '" + typeNameOf(b) + "'");
    }
    case Expr::Kind::Attr: {
        const Value obj = eval(e.items[0], f);
        const std::string& name = e.text;
        if (obj.kind == Value::Kind::Module) {
            const Module& m = *obj.module;
            if (Module* c = m.findChild(name))
                return Value::ofModule(c);
            if (name == "training")
                return Value::ofBool(trainingOf(m));
            if (m.kind() == ModuleKind::ModuleDict && (name == "keys" || name == "values" || name == "items")) {
                Value v;
                v.kind = Value::Kind::Method;
                v.s = name;
                v.items.push_back(obj);
                return v;
            }
            std::vector<std::string> names;
            for (const Module::Child& c : m.children())
                names.push_back(c.name);
            std::string what = toSource(e);
            std::string msg = what + " does not exist";
            if (auto hint = didYouMean(name, names))
                msg += ": did you mean '" + *hint + "'?";
            else if (!names.empty()) {
                msg += "; " + m.typeName() + " has ";
                for (size_t k = 0; k < names.size() && k < 8; ++k)
                    msg += (k ? ", " : "") + names[k];
            }
            raise(m.path().empty() ? pathOf(f) : m.path(), e.loc,
                  msg + " (PyTorch: AttributeError: '" + m.typeName() + "' object has no attribute '" + name + "')");
        }
        if (obj.kind == Value::Kind::Namespace) {
            Value v;
            if (obj.s == "torch" && name == "nn") {
                v.kind = Value::Kind::Namespace;
                v.s = "torch.nn";
                return v;
            }
            if ((obj.s == "torch.nn" || obj.s == "nn") && name == "functional") {
                v.kind = Value::Kind::Namespace;
                v.s = "F";
                return v;
            }
            v.kind = Value::Kind::Function;
            v.s = obj.s + "." + name;
            return v;
        }
        if (obj.isTensor()) {
            if (name == "shape") {
                std::vector<Value> dims;
                for (int64_t d : obj.shape.dims())
                    dims.push_back(Value::ofInt(d));
                return Value::ofSequence(Value::Kind::Tuple, std::move(dims));
            }
            Value v;
            v.kind = Value::Kind::Method;
            v.s = name;
            v.items.push_back(obj);
            return v;
        }
        raise(pathOf(f), e.loc, "'" + typeNameOf(obj) + "' object has no attribute '" + name + "'");
    }
    case Expr::Kind::Subscript: {
        const Value obj = eval(e.items[0], f);
        const Value idx = eval(e.items[1], f);
        if (obj.kind == Value::Kind::Module && obj.module->kind() == ModuleKind::ModuleDict) {
            if (idx.kind != Value::Kind::Str)
                raise(pathOf(f), e.loc, "ModuleDict keys are strings, got " + typeNameOf(idx));
            if (Module* c = obj.module->findChild(idx.s))
                return Value::ofModule(c);
            std::vector<std::string> names;
            for (const Module::Child& c : obj.module->children())
                names.push_back(c.name);
            std::string msg = toSource(e) + ": no key '" + idx.s + "'";
            if (auto hint = didYouMean(idx.s, names))
                msg += ": did you mean '" + *hint + "'?";
            raise(obj.module->path(), e.loc, msg + " (PyTorch: KeyError: '" + idx.s + "')");
        }
        int64_t size = -1;
        if (obj.kind == Value::Kind::Module && obj.module->isContainer() && obj.module->kind() != ModuleKind::Custom)
            size = obj.module->childCount();
        else if (obj.kind == Value::Kind::List || obj.kind == Value::Kind::Tuple)
            size = static_cast<int64_t>(obj.items.size());
        if (size < 0)
            raise(pathOf(f), e.loc, "'" + typeNameOf(obj) + "' object is not subscriptable here (" + toSource(e) + ")");
        if (!idx.isInt())
            raise(pathOf(f), e.loc, "indices must be integers, not " + typeNameOf(idx));
        int64_t k = idx.integer();
        if (k < 0)
            k += size;
        if (k < 0 || k >= size) {
            const bool moduleList = obj.kind == Value::Kind::Module && obj.module->kind() != ModuleKind::PlainList;
            const std::string what = moduleList ? "index " + std::to_string(idx.integer()) + " is out of range"
                                                : "list index out of range";
            raise(obj.kind == Value::Kind::Module ? obj.module->path() : pathOf(f), e.loc,
                  toSource(e) + ": index " + std::to_string(idx.integer()) + " is out of range for " + std::to_string(size)
                      + " entries (PyTorch: IndexError: " + what + ")");
        }
        if (obj.kind == Value::Kind::Module)
            return Value::ofModule(obj.module->child(static_cast<int>(k)));
        return obj.items[static_cast<size_t>(k)];
    }
    case Expr::Kind::Call: return evalCall(e, f);
    }
    return Value::none();
}

Value Interpreter::evalCall(const Expr& e, Frame& f)
{
    const Value callee = eval(e.items[0], f);
    std::vector<Value> args;
    for (size_t k = 1; k < e.items.size(); ++k)
        args.push_back(eval(e.items[k], f));
    std::vector<std::pair<std::string, Value>> kwargs;
    for (const auto& [name, value] : e.keywords)
        kwargs.emplace_back(name, eval(value, f));

    if (callee.kind == Value::Kind::Module) {
        if (!kwargs.empty())
            raise(pathOf(f), e.loc, "keyword arguments are not supported in module calls (" + toSource(e) + ")");
        return callModule(*callee.module, std::move(args), e.loc);
    }
    if (callee.kind == Value::Kind::Function)
        return callFunction(callee.s, nullptr, std::move(args), std::move(kwargs), e, f);
    if (callee.kind == Value::Kind::Method)
        return callFunction(callee.s, &callee.items[0], std::move(args), std::move(kwargs), e, f);
    raise(pathOf(f), e.loc, "'" + typeNameOf(callee) + "' object is not callable (" + toSource(e) + ")");
}

Value Interpreter::callFunction(const std::string& name, const Value* receiver, std::vector<Value> args,
                                std::vector<std::pair<std::string, Value>> kwargs, const Expr& e, Frame& f)
{
    const std::string path = pathOf(f);
    auto kwarg = [&](std::string_view key) -> const Value* {
        for (const auto& [k, v] : kwargs)
            if (k == key)
                return &v;
        return nullptr;
    };
    auto intArg = [&](const Value& v, const char* what) -> int64_t {
        if (!v.isInt())
            raise(path, e.loc, toSource(e) + ": " + what + " must be an int, got " + typeNameOf(v));
        return v.integer();
    };
    auto intList = [&](const std::vector<Value>& vs) {
        std::vector<int64_t> out;
        if (vs.size() == 1 && (vs[0].kind == Value::Kind::Tuple || vs[0].kind == Value::Kind::List))
            for (const Value& x : vs[0].items)
                out.push_back(intArg(x, "each dimension"));
        else
            for (const Value& x : vs)
                out.push_back(intArg(x, "each dimension"));
        return out;
    };
    auto tensorArg = [&](const Value& v) {
        if (!v.isTensor())
            raise(path, e.loc, toSource(e) + " expects a tensor, got " + typeNameOf(v));
    };
    auto check = [&](const OpResult& r) -> Value {
        if (!r.ok())
            raise(path, e.loc, toSource(e) + ": " + r.error);
        return r.value;
    };

    // ---- tensor methods -------------------------------------------------------------
    if (receiver && receiver->isTensor()) {
        const Value& x = *receiver;
        if (name == "view" || name == "reshape") {
            const std::vector<int64_t> spec = intList(args);
            OpResult r = reshapeOp(x, spec);
            if (!r.ok())
                raise(path, e.loc, toSource(e) + " cannot reshape " + x.shape.toString() + " ("
                                       + std::to_string(x.shape.numel().value_or(0)) + " elements) (PyTorch: " + r.error + ")");
            if (x.shape.rank() >= 2 && r.value.shape.rank() >= 1 && r.value.shape[0] != x.shape[0])
                warn(path, e.loc, batchChangeWarning(toSource(e), name, x.shape, r.value.shape));
            return r.value;
        }
        if (name == "flatten") {
            const int64_t s = !args.empty() ? intArg(args[0], "start_dim") : kwarg("start_dim") ? intArg(*kwarg("start_dim"), "start_dim") : 0;
            const int64_t en = args.size() > 1 ? intArg(args[1], "end_dim") : kwarg("end_dim") ? intArg(*kwarg("end_dim"), "end_dim") : -1;
            return check(flattenOp(x, s, en));
        }
        if (name == "size") {
            if (args.empty()) {
                std::vector<Value> dims;
                for (int64_t d : x.shape.dims())
                    dims.push_back(Value::ofInt(d));
                return Value::ofSequence(Value::Kind::Tuple, std::move(dims));
            }
            const int64_t d = intArg(args[0], "dim");
            const auto w = wrapDim(d, x.shape.rank());
            if (!w || x.shape.rank() == 0)
                raise(path, e.loc, toSource(e) + ": " + dimOutOfRange(d, x.shape.rank()));
            return Value::ofInt(x.shape[*w]);
        }
        if (name == "dim")
            return Value::ofInt(x.shape.rank());
        if (name == "numel")
            return Value::ofInt(x.shape.numel().value_or(0));
        if (name == "contiguous")
            return x;
        if (name == "mean") {
            std::vector<int64_t> dims;
            const Value* d = !args.empty() ? &args[0] : kwarg("dim");
            if (d && d->kind != Value::Kind::None)
                dims = intList({*d});
            const Value* kd = args.size() > 1 ? &args[1] : kwarg("keepdim");
            const bool keep = kd && kd->kind == Value::Kind::Bool && kd->b;
            return recordOp(RecordedOp::Kind::Mean, {x}, check(meanOp(x, dims, keep)), 0, dims, keep);
        }
        if (findFunctional(name))
            return functionalLayer(name, x, std::move(args), std::move(kwargs), e, f);
        raise(path, e.loc, "Tensor." + name + "() is not supported by ModuleLab (in " + toSource(e) + ")");
    }
    if (receiver && receiver->kind == Value::Kind::Module) {
        // ModuleDict.keys() / values() / items()
        std::vector<Value> out;
        for (const Module::Child& c : receiver->module->children()) {
            if (name == "keys")
                out.push_back(Value::ofStr(c.name));
            else if (name == "values")
                out.push_back(Value::ofModule(c.module.get()));
            else
                out.push_back(Value::ofSequence(Value::Kind::Tuple, {Value::ofStr(c.name), Value::ofModule(c.module.get())}));
        }
        return Value::ofSequence(Value::Kind::List, std::move(out));
    }

    // ---- builtins ---------------------------------------------------------------------
    if (name == "len") {
        if (args.size() != 1)
            raise(path, e.loc, "len() takes exactly one argument");
        const Value& v = args[0];
        if (v.kind == Value::Kind::Module && v.module->isContainer() && v.module->kind() != ModuleKind::Custom)
            return Value::ofInt(v.module->childCount());
        if (v.kind == Value::Kind::List || v.kind == Value::Kind::Tuple)
            return Value::ofInt(static_cast<int64_t>(v.items.size()));
        if (v.isTensor() && v.shape.rank() > 0)
            return Value::ofInt(v.shape[0]);
        raise(path, e.loc, "object of type '" + typeNameOf(v) + "' has no len()");
    }
    if (name == "range") {
        if (args.empty() || args.size() > 3)
            raise(path, e.loc, "range expected 1 to 3 arguments, got " + std::to_string(args.size()));
        int64_t start = 0, stop = 0, step = 1;
        if (args.size() == 1)
            stop = intArg(args[0], "range()'s argument");
        else {
            start = intArg(args[0], "start");
            stop = intArg(args[1], "stop");
            if (args.size() == 3)
                step = intArg(args[2], "step");
        }
        if (step == 0)
            raise(path, e.loc, "range() arg 3 must not be zero");
        std::vector<Value> out;
        for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
            if (static_cast<int64_t>(out.size()) >= kMaxRange)
                raise(path, e.loc, toSource(e) + " has more than " + withThousands(kMaxRange) + " iterations");
            out.push_back(Value::ofInt(k));
        }
        return Value::ofSequence(Value::Kind::List, std::move(out));
    }
    if (name == "enumerate") {
        if (args.size() != 1)
            raise(path, e.loc, "enumerate() takes exactly one argument");
        std::vector<Value> items = iterate(args[0], e, f);
        std::vector<Value> out;
        for (size_t k = 0; k < items.size(); ++k)
            out.push_back(Value::ofSequence(Value::Kind::Tuple, {Value::ofInt(static_cast<int64_t>(k)), std::move(items[k])}));
        return Value::ofSequence(Value::Kind::List, std::move(out));
    }

    // ---- torch.* and F.* ----------------------------------------------------------------
    const size_t dot = name.rfind('.');
    const std::string ns = dot == std::string::npos ? std::string() : name.substr(0, dot);
    const std::string fn = dot == std::string::npos ? name : name.substr(dot + 1);
    if (ns == "torch") {
        if (fn == "flatten") {
            if (args.empty())
                raise(path, e.loc, "torch.flatten() needs a tensor");
            tensorArg(args[0]);
            const int64_t s = args.size() > 1 ? intArg(args[1], "start_dim") : kwarg("start_dim") ? intArg(*kwarg("start_dim"), "start_dim") : 0;
            const int64_t en = args.size() > 2 ? intArg(args[2], "end_dim") : kwarg("end_dim") ? intArg(*kwarg("end_dim"), "end_dim") : -1;
            return check(flattenOp(args[0], s, en));
        }
        if (fn == "cat" || fn == "concat") {
            if (args.empty() || (args[0].kind != Value::Kind::List && args[0].kind != Value::Kind::Tuple))
                raise(path, e.loc, "torch.cat() expects a list of tensors");
            for (const Value& t : args[0].items)
                tensorArg(t);
            const int64_t d = args.size() > 1 ? intArg(args[1], "dim") : kwarg("dim") ? intArg(*kwarg("dim"), "dim") : 0;
            return recordOp(RecordedOp::Kind::Cat, args[0].items, check(catOp(args[0].items, d)), d);
        }
        if (fn == "mean") {
            if (args.empty())
                raise(path, e.loc, "torch.mean() needs a tensor");
            tensorArg(args[0]);
            Value x = args[0];
            args.erase(args.begin());
            return callFunction("mean", &x, std::move(args), std::move(kwargs), e, f);
        }
        if (fn == "add") {
            if (args.size() != 2)
                raise(path, e.loc, "torch.add() takes two tensors");
            return recordOp(RecordedOp::Kind::Add, {args[0], args[1]}, check(binaryOp('+', args[0], args[1])));
        }
    }
    if ((ns == "torch" || ns == "F") && findFunctional(fn)) {
        if (args.empty())
            raise(path, e.loc, toSource(e) + " needs an input tensor");
        Value x = args[0];
        args.erase(args.begin());
        return functionalLayer(fn, x, std::move(args), std::move(kwargs), e, f);
    }
    raise(path, e.loc, name + "() is not supported by ModuleLab (in " + toSource(e) + ")");
}

Value Interpreter::functionalLayer(const std::string& fn, const Value& x, std::vector<Value> args,
                                   std::vector<std::pair<std::string, Value>> kwargs, const Expr& e, Frame& f)
{
    const std::string path = pathOf(f);
    const FunctionalOp* op = findFunctional(fn);
    if (!x.isTensor())
        raise(path, e.loc, toSource(e) + " expects a tensor, got " + typeNameOf(x));
    if (args.size() > op->params.size())
        raise(path, e.loc, toSource(e) + ": too many positional arguments");
    for (size_t k = 0; k < args.size(); ++k)
        kwargs.emplace(kwargs.begin() + static_cast<long>(k), std::string(op->params[k]), std::move(args[k]));

    bool training = fn == "dropout" || fn == "dropout2d"; // F.dropout defaults to training=True
    std::vector<LayerArgument> call;
    for (auto& [key, value] : kwargs) {
        if (key == "training") {
            training = value.kind == Value::Kind::Bool ? value.b : value.isInt() && value.integer() != 0;
            continue;
        }
        if (key == "return_indices" || key == "_stacklevel" || key == "dtype") {
            if (key == "return_indices" && value.kind == Value::Kind::Bool && value.b)
                raise(path, e.loc, toSource(e) + ": return_indices=True is not supported by ModuleLab");
            continue;
        }
        ArgValue a;
        if (!toArgValue(value, a))
            raise(path, e.loc, toSource(e) + ": argument " + key + " must be a number, bool, string or tuple of ints");
        call.push_back({key, std::move(a)});
    }
    if (training && !m_recorder)
        warn(path, e.loc,
             toSource(e) + " drops activations even in eval mode, because training defaults to True in F."
                 + fn + ": pass training=self.training or use nn." + std::string(op->layer)
                 + ". ModuleLab evaluates it as model.eval() would evaluate nn." + std::string(op->layer));
    if (fn == "softmax" || fn == "log_softmax") {
        bool hasDim = false;
        for (const LayerArgument& a : call)
            hasDim = hasDim || a.name == "dim";
        if (!hasDim)
            warn(path, e.loc,
                 toSource(e) + " has no dim: PyTorch guesses one and warns \"Implicit dimension choice for " + fn
                     + " has been deprecated\". Pass dim=1 for class scores");
    }
    auto made = createLayer(op->layer, call);
    if (auto* err = std::get_if<std::string>(&made))
        raise(path, e.loc, toSource(e) + ": " + *err);
    Layer& layer = *std::get<std::unique_ptr<Layer>>(made);
    // A training pass honours training=...; otherwise F.dropout runs as nn.Dropout after eval().
    layer.setTraining(m_recorder && training);
    return callLayer(layer, x, path, e.loc, false);
}

} // namespace ml::detail
