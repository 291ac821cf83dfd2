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

// A functional op and the layer that computes it, with the op's positional parameter names.
struct FunctionalOp {
    std::string_view name;                // without namespace
    std::string_view layer;               // layer type
    std::vector<std::string_view> params; // positional parameters after the input
};

// The one table of functional ops: F.NAME, torch.NAME and x.NAME() where the name is the same.
const std::vector<FunctionalOp>& functionalOps()
{
    static const std::vector<FunctionalOp> ops = {
        {"relu", "ReLU", {"inplace"}},
        {"relu_", "ReLU", {}},
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
        // nn.Upsample's forward is F.interpolate with its own arguments.
        {"interpolate", "Upsample", {"size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"}},
        {"upsample", "Upsample", {"size", "scale_factor", "mode", "align_corners"}}, // F.interpolate's deprecated name
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

std::string shortName(const std::string& q)
{
    if (q.rfind("torch.nn.functional.", 0) == 0)
        return "F." + q.substr(20);
    return q;
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

// Row-major element strides of a contiguous tensor of shape s.
std::vector<int64_t> contiguousStrides(const Shape& s)
{
    std::vector<int64_t> st(static_cast<size_t>(s.rank()), 1);
    for (int d = s.rank() - 2; d >= 0; --d)
        st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * s[d + 1];
    return st;
}

// A strided view of x's data copied into a new tensor: output dim k steps `strides[k]` input
// elements, from input element `base` (permute, transpose, slicing, chunk and split).
std::shared_ptr<const Tensor> gather(const Value& x, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t base)
{
    auto t = std::make_shared<Tensor>(Shape(dims));
    const float* src = x.data->data();
    float* dst = t->data();
    const int64_t n = t->numel();
    const int rank = static_cast<int>(dims.size());
    std::vector<int64_t> idx(dims.size(), 0);
    int64_t off = base;
    for (int64_t i = 0; i < n; ++i) {
        dst[i] = src[off];
        for (int k = rank - 1; k >= 0; --k) {
            const auto u = static_cast<size_t>(k);
            if (++idx[u] < dims[u]) {
                off += strides[u];
                break;
            }
            off -= strides[u] * (dims[u] - 1);
            idx[u] = 0;
        }
    }
    return t;
}

// The shapes of a list or tuple of tensors, as PyTorch's hooks report them; empty otherwise.
std::vector<Shape> tensorShapes(const Value& v)
{
    std::vector<Shape> out;
    if (!v.isSequence())
        return out;
    for (const Value& x : v.elements()) {
        if (!x.isTensor())
            return {};
        out.push_back(x.shape);
    }
    return out;
}

void flattenInto(const Value& v, const std::string& name, int depth, std::vector<FlatOutput>& out, std::string& error)
{
    if (!error.empty())
        return;
    if (v.isTensor()) {
        out.push_back({name, v});
        return;
    }
    if (depth > 16) {
        error = "a model output nested more than 16 levels deep";
        return;
    }
    if (v.isSequence() || v.kind == Value::Kind::Dict) {
        const bool dict = v.kind == Value::Kind::Dict;
        const size_t n = dict ? v.dict->entries.size() : v.elements().size();
        if (n == 0) {
            error = "a model output that holds an empty " + typeNameOf(v) + (name == "output" ? "" : " (" + name + ")");
            return;
        }
        for (size_t k = 0; k < n; ++k) {
            std::string key = std::to_string(k);
            if (dict && v.dict->entries[k].first.kind != Value::Kind::Str) {
                error = "a model output that is a dict with " + typeNameOf(v.dict->entries[k].first) + " keys";
                return;
            }
            if (dict)
                key = v.dict->entries[k].first.s;
            else if (v.cls) // a namedtuple: its field names
                key = v.cls->own("_fields")->items[k].s;
            flattenInto(dict ? v.dict->entries[k].second : v.elements()[k], name + "." + key, depth + 1, out, error);
        }
        return;
    }
    error = "a model output that holds " + typeNameOf(v) + " (" + name + ")";
}

// What `layer` gives on `in` once the error it raises there is fixed the way its message says:
// its size argument (in_features, in_channels, num_features, ...) set to what the input has.
// The output shape and mult-adds; nullopt where no such fix makes the input fit.
std::optional<std::pair<Shape, int64_t>> assumedOutput(const Layer& layer, const Shape& in)
{
    const LayerSchema& schema = layer.schema();
    const int rank = in.rank();
    for (const char* name : {"in_features", "in_channels", "num_features", "num_channels", "normalized_shape"}) {
        if (schema.indexOf(name) < 0 || rank == 0)
            continue;
        const ArgValue& now = layer.arg(name);
        for (int d : {1, 0, rank - 1}) {
            if (d < 0 || d >= rank)
                continue;
            ArgValue v = ArgValue::ofInt(in[d]);
            if (now.type == ArgValue::Type::Tuple) { // LayerNorm's normalized_shape: the last dims
                const int k = static_cast<int>(now.tuple.size());
                if (k > rank)
                    continue;
                const std::vector<int64_t>& dims = in.dims();
                v = ArgValue::ofTuple(std::vector<int64_t>(dims.end() - k, dims.end()));
            } else if (std::string_view(name) == "normalized_shape") {
                v = ArgValue::ofInt(in[rank - 1]);
            }
            std::unique_ptr<Layer> fixed = schema.create();
            if (fixed->setArgs(layer.args()) || fixed->setArg(name, v))
                continue;
            const ShapeResult r = fixed->outputShape(in);
            if (r.ok())
                return std::make_pair(r.shape, fixed->multAdds(in, r.shape));
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<FlatOutput> flattenOutput(const Value& out, std::string& error)
{
    std::vector<FlatOutput> flat;
    error.clear();
    flattenInto(out, "output", 0, flat, error);
    if (!error.empty())
        flat.clear();
    return flat;
}

std::vector<std::string> supportedFunctionalOps()
{
    std::vector<std::string> out;
    for (const FunctionalOp& op : functionalOps())
        out.emplace_back(op.name);
    return out;
}

Interpreter::Interpreter(Analysis& analysis, bool real, const ForwardObserver* observer)
    : Evaluator("forward"), m_analysis(analysis), m_real(real), m_observer(observer)
{
    m_building = false;
    m_globals["torch"] = Value::ofNamespace("torch");
    m_globals["nn"] = Value::ofNamespace("torch.nn");
    m_globals["F"] = Value::ofNamespace("torch.nn.functional");
    m_globals["math"] = Value::ofNamespace("math");
    m_globals["collections"] = Value::ofNamespace("collections"); // namedtuple classes forward uses
}

std::string Interpreter::pathHere() const { return m_frame ? m_frame->path : std::string(); }

Value Interpreter::callModule(const Module& m, std::vector<Value> args, SourceLoc loc)
{
    try {
        Value out = runModule(m, std::move(args), {}, loc);
        flushNotes();
        return out;
    } catch (const EvalError& e) {
        m_analysis.diagnostics.push_back({e.path, Severity::Error, afterErrorPrefix() + e.message, e.loc});
        flushNotes();
        throw ForwardAbort{};
    }
}

void Interpreter::flushNotes()
{
    for (size_t k = 0; k < m_notes.size(); ++k) {
        Diagnostic& d = m_notes[k];
        if (m_analysis.stopsAt && k >= m_notesBeforeError)
            d.message = "after the error above is fixed: " + d.message;
        m_analysis.diagnostics.push_back(std::move(d));
    }
    m_notes.clear();
    m_notesBeforeError = 0;
}

void Interpreter::pushCall(CallRecord c)
{
    c.afterError = m_analysis.stopsAt.has_value();
    m_analysis.calls.push_back(std::move(c));
}

bool Interpreter::continuePastError(const Layer& layer, const Shape& in, const EvalError& e, Value& out)
{
    if (m_real)
        return false;
    const auto fixed = assumedOutput(layer, in);
    if (!fixed)
        return false;
    m_analysis.diagnostics.push_back({e.path, Severity::Error, afterErrorPrefix() + e.message, e.loc});
    if (!m_analysis.stopsAt) {
        m_analysis.stopsAt = e.path;
        m_notesBeforeError = m_notes.size();
    }
    NodeInfo& info = m_analysis.nodes[&layer];
    info.outputAfterError = true;
    if (info.calls == 1)
        info.outputShape = fixed->first;
    info.multAdds += fixed->second;
    out = Value::ofTensor(fixed->first, nullptr);
    return true;
}

Value Interpreter::callModule(const Module& m, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (fusing() && m_frame && m_frame->self.kind == Value::Kind::Module)
        m_fusion.beforeProgramCall(m, m_frame->self.module, m_callExpr, m_frame->locals, m_globals, [this](const Module& x) { return isTraining(x); });
    return runModule(m, std::move(args), std::move(kwargs), loc);
}

Value Interpreter::runModule(const Module& m, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (m_moduleDepth >= 256)
        fail(loc, "not supported by ModuleLab yet: module calls nested more than 256 levels deep", ErrorKind::NotYet);
    struct DepthGuard {
        int& d;
        ~DepthGuard() { --d; }
    } guard{++m_moduleDepth};

    const Module* caller = m_frame && m_frame->self.kind == Value::Kind::Module ? m_frame->self.module : nullptr;
    pushCall({&m, caller, {}, loc, m_moduleDepth - 1});
    NodeInfo& info = m_analysis.nodes[&m];
    ++info.calls;
    const bool first = info.calls == 1;
    if (first) {
        m_analysis.firstCall.emplace(&m, m_analysis.calls.size() - 1);
        info.afterError = m_analysis.stopsAt.has_value();
    }
    if (first && !args.empty() && args[0].isTensor())
        info.inputShape = args[0].shape;
    else if (first && !args.empty())
        info.inputShapes = tensorShapes(args[0]);
    const Value input = args.empty() ? Value::none() : args[0];
    auto raiseHere = [&](std::string msg) {
        throw EvalError{loc, std::move(msg), ErrorKind::Python, m.path()};
    };

    Value out;
    const ForwardProgram* own = m.kind() != ModuleKind::Custom ? m.ownForward() : nullptr; // a class derived from a container
    switch (own ? ModuleKind::Custom : m.kind()) {
    case ModuleKind::Layer:
        if (args.size() != 1 || !kwargs.empty())
            raiseHere(m.typeName() + ".forward() takes 1 input but " + std::to_string(args.size() + kwargs.size()) + " were given");
        out = callLayer(static_cast<const Layer&>(m), args[0], m.path(), loc, true);
        break;
    case ModuleKind::Sequential:
        if (args.size() != 1 || !kwargs.empty())
            raiseHere("Sequential.forward() takes 1 input but " + std::to_string(args.size() + kwargs.size()) + " were given");
        out = args[0];
        for (const Module::Child& c : m.children()) {
            Frame* saved = m_frame;
            Frame seqFrame;
            seqFrame.self = Value::ofModule(&m);
            seqFrame.path = m.path();
            m_frame = &seqFrame;
            if (fusing())
                m_fusion.beforeSequentialChild(m, static_cast<size_t>(&c - m.children().data()), [this](const Module& x) { return isTraining(x); });
            try {
                out = runModule(*c.module, {out}, {}, loc);
            } catch (...) {
                m_frame = saved;
                throw;
            }
            m_frame = saved;
        }
        break;
    case ModuleKind::ModuleList:
    case ModuleKind::ModuleDict:
        info.failed = true;
        raiseHere(m.typeName() + " has no forward() of its own, so calling it fails. Call its entries from forward "
                                 "(for m in self." + m.name() + ": x = m(x)) or use nn.Sequential (PyTorch: NotImplementedError: Module ["
                  + m.typeName() + "] is missing the required \"forward\" function)");
        break;
    case ModuleKind::PlainList:
        info.failed = true;
        raiseHere("a plain Python list is not a module and cannot be called (PyTorch: TypeError: 'list' object is not callable)");
        break;
    case ModuleKind::Custom: out = runProgram(m, *m.ownForward(), std::move(args), std::move(kwargs), loc); break;
    }

    std::string flatError;
    const std::vector<FlatOutput> flat = out.isTensor() ? std::vector<FlatOutput>{} : flattenOutput(out, flatError);
    if ((out.isSequence() || out.kind == Value::Kind::Dict) && !flatError.empty() && m.ownForward() && m_moduleDepth == 1) {
        SourceLoc at = m.sourceLoc(); // the model is called from outside: point at forward's return
        for (const Stmt& st : m.ownForward()->body)
            if (st.kind == Stmt::Kind::Return && st.loc.valid())
                at = st.loc;
        fail(loc.valid() ? loc : at, "not supported by ModuleLab yet: " + flatError + " (" + m.typeName() + ".forward() returns it)",
             ErrorKind::NotYet);
    }
    if (first && m_analysis.stopsAt)
        m_analysis.nodes[&m].outputAfterError = true;
    if (first && out.isTensor()) {
        m_analysis.nodes[&m].outputShape = out.shape;
    } else if (first) {
        std::vector<Shape> shapes;
        for (const FlatOutput& o : flat)
            shapes.push_back(o.value.shape);
        m_analysis.nodes[&m].outputShapes = std::move(shapes);
    }
    if (m_observer && *m_observer && input.isTensor() && input.data && out.isTensor() && out.data)
        (*m_observer)(m, Tensor::borrow(input.shape, input.data->data()), Tensor::borrow(out.shape, out.data->data()));
    return out;
}

Value Interpreter::runProgram(const Module& m, const ForwardProgram& p, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (p.body.empty())
        throw EvalError{loc, m.typeName() + " has no forward(): PyTorch raises NotImplementedError (Module [" + m.typeName()
                                 + "] is missing the required \"forward\" function)",
                        ErrorKind::Python, m.path()};
    auto it = m_forwardCache.find(&p);
    if (it == m_forwardCache.end()) {
        auto fn = std::make_shared<FunctionDef>();
        fn->name = "forward";
        fn->params.push_back(Param{"self", std::nullopt, {}, 0});
        fn->hasDefault.push_back(false);
        fn->defaults.emplace_back();
        const size_t firstDefault = p.params.size() - std::min(p.params.size(), p.defaults.size());
        Frame empty;
        for (size_t k = 0; k < p.params.size(); ++k) {
            fn->params.push_back(Param{p.params[k], std::nullopt, {}, 0});
            const bool has = k >= firstDefault;
            fn->hasDefault.push_back(has);
            fn->defaults.push_back(has ? eval(p.defaults[k - firstDefault], empty) : Value());
        }
        fn->body = &p.body;
        it = m_forwardCache.emplace(&p, std::move(fn)).first;
    }
    for (const Method& meth : p.methods) // the file's functions forward calls
        if (meth.isFunction) {
            Value fn;
            fn.kind = Value::Kind::Function;
            fn.fn = programFunction(meth);
            m_globals[meth.name] = std::move(fn);
        }
    const Value self = Value::ofModule(&m);
    try {
        return callFunction(*it->second, &self, std::move(args), std::move(kwargs), loc);
    } catch (EvalError& e) {
        if (e.message.rfind("TypeError: forward() takes", 0) == 0 || e.message.rfind("TypeError: forward() missing", 0) == 0)
            e.message = m.typeName() + "." + e.message.substr(11);
        throw;
    }
}

Value Interpreter::callLayer(const Layer& layer, const Value& in, const std::string& path, SourceLoc loc, bool record)
{
    auto raiseHere = [&](std::string msg) { throw EvalError{loc, std::move(msg), ErrorKind::Shape, path}; };
    if (!in.isTensor())
        raiseHere(layer.typeName() + " expects a tensor, got " + typeNameOf(in));
    const ShapeResult r = layer.outputShape(in.shape);
    if (record)
        m_analysis.layerCalls.push_back({&layer, in.shape, r.ok() ? std::optional<Shape>(r.shape) : std::nullopt, r.error,
                                         m_analysis.stopsAt.has_value()});
    if (!r.ok()) {
        if (record)
            m_analysis.nodes[&layer].failed = true;
        Value assumed;
        if (record && continuePastError(layer, in.shape, EvalError{loc, r.error, ErrorKind::Shape, path}, assumed))
            return assumed;
        raiseHere(r.error);
    }
    Value out = Value::ofTensor(r.shape, nullptr);
    if (m_real) {
        if (!in.data)
            raiseHere("internal: no input data for " + layer.typeName());
        if (!layer.hasTensors())
            raiseHere(layer.typeName() + " has no weights: initialise or load them before running");
        if (m_fusion.passThrough(layer, in.data.get()) || (!m_recorder && !isTraining(layer) && isViewInEval(layer))) {
            out.data = in.data; // shared storage, as a view; out.shape is authoritative
        } else {
            const Tensor input = Tensor::borrow(in.shape, in.data->data());
            auto t = std::make_shared<Tensor>(r.shape);
            if (m_recorder)
                m_recorder->layerCall(layer, record, in.data, in.shape, t);
            else if (m_fusion.compute(layer, input, *t))
                ; // with the BatchNorm, activation and residual after it, which then pass through
            else if (isTraining(layer))
                layer.trainForward(input, *t);
            else
                layer.forward(input, *t);
            out.data = std::move(t);
        }
    }
    if (record) {
        const int64_t ma = layer.multAdds(in.shape, r.shape);
        m_analysis.nodes[&layer].multAdds += ma;
        if (!m_analysis.stopsAt) // the total counts what PyTorch runs
            m_analysis.totalMultAdds += ma;
    }
    return out;
}

Value Interpreter::copied(const Value& x, std::vector<int64_t> dims, const std::vector<int64_t>& strides, int64_t base)
{
    if (!m_real || !x.data)
        return Value::ofTensor(Shape(std::move(dims)), nullptr);
    Value out = Value::ofTensor(Shape(dims), gather(x, dims, strides, base));
    if (m_recorder) {
        RecordedOp op;
        op.kind = RecordedOp::Kind::Gather;
        op.inputs = {x};
        op.output = out;
        op.dims = std::move(dims);
        op.strides = strides;
        op.base = base;
        m_recorder->op(std::move(op));
    }
    return out;
}

Value Interpreter::recordOp(RecordedOp::Kind kind, std::vector<Value> inputs, Value out, int64_t dim, std::vector<int64_t> dims,
                            bool keepdim)
{
    if (m_recorder && out.data) {
        RecordedOp op;
        op.kind = kind;
        op.inputs = std::move(inputs);
        op.output = out;
        op.dim = dim;
        op.dims = std::move(dims);
        op.keepdim = keepdim;
        m_recorder->op(std::move(op));
    }
    return out;
}

Value Interpreter::tensorMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc)
{
    const std::string path = pathHere();
    const std::string what = m_callExpr ? toSource(*m_callExpr) : "x." + name + "()";
    auto kwarg = [&](std::string_view key) -> const Value* {
        for (const auto& [k, v] : kwargs)
            if (k == key)
                return &v;
        return nullptr;
    };
    auto intArg = [&](const Value& v, const char* which) -> int64_t {
        if (!v.isInt())
            fail(loc, "TypeError: " + name + "(): argument '" + which + "' must be int, not " + typeNameOf(v));
        return v.integer();
    };
    auto intList = [&](const std::vector<Value>& vs) {
        std::vector<int64_t> out;
        if (vs.size() == 1 && vs[0].isSequence())
            for (const Value& d : vs[0].elements())
                out.push_back(intArg(d, "size"));
        else
            for (const Value& d : vs)
                out.push_back(intArg(d, "size"));
        return out;
    };
    auto check = [&](const OpResult& r) -> Value {
        if (!r.ok())
            fail(loc, r.error, ErrorKind::Shape);
        return r.value;
    };
    auto record = [&] { pushCall({nullptr, m_frame && m_frame->self.kind == Value::Kind::Module ? m_frame->self.module : nullptr, "." + name, loc, m_moduleDepth}); };
    const Shape& s = x.shape;
    auto dimArg = [&](const Value& v, int rank) -> int {
        const int64_t d = intArg(v, "dim");
        const auto w = wrapDim(d, std::max(rank, 1));
        if (!w)
            fail(loc, "IndexError: " + dimOutOfRange(d, rank));
        return *w;
    };

    if (name == "@shape" || name == "size") {
        if (name == "size" && (!args.empty() || kwarg("dim"))) {
            const Value& d = args.empty() ? *kwarg("dim") : args[0];
            return Value::ofInt(s[dimArg(d, s.rank())]);
        }
        std::vector<Value> dims;
        for (int64_t d : s.dims())
            dims.push_back(Value::ofInt(d));
        return Value::ofTuple(std::move(dims));
    }
    if (name == "@ndim" || name == "dim")
        return Value::ofInt(s.rank());
    if (name == "numel")
        return Value::ofInt(s.numel().value_or(0));
    if (name == "@data" || name == "contiguous" || name == "detach" || name == "clone" || name == "float" || name == "to"
        || name == "cpu" || name == "cuda" || name == "@T" || name == "requires_grad_")
        return x;
    if (name == "@device")
        return Value::ofStr("cpu");
    if (name == "@dtype")
        return Value::ofStr("torch.float32");
    if (name == "@is_cuda" || name == "@requires_grad")
        return Value::ofBool(false);
    if (name == "view" || name == "reshape") {
        record();
        const std::vector<int64_t> spec = intList(args);
        OpResult r = reshapeOp(x, spec);
        if (!r.ok())
            fail(loc, what + " cannot reshape " + s.toString() + " (" + std::to_string(s.numel().value_or(0))
                          + " elements) (PyTorch: " + r.error + ")",
                 ErrorKind::Shape);
        if (s.rank() >= 2 && r.value.shape.rank() >= 1 && r.value.shape[0] != s[0])
            warn(loc, batchChangeWarning(what, name, s, r.value.shape));
        return r.value;
    }
    if (name == "flatten") {
        record();
        const int64_t a = !args.empty() ? intArg(args[0], "start_dim") : kwarg("start_dim") ? intArg(*kwarg("start_dim"), "start_dim") : 0;
        const int64_t b = args.size() > 1 ? intArg(args[1], "end_dim") : kwarg("end_dim") ? intArg(*kwarg("end_dim"), "end_dim") : -1;
        return check(flattenOp(x, a, b));
    }
    if (name == "squeeze" || name == "unsqueeze") {
        record();
        std::vector<int64_t> dims = s.dims();
        if (name == "unsqueeze") {
            if (args.empty() && !kwarg("dim"))
                fail(loc, "TypeError: unsqueeze() missing 1 required positional arguments: \"dim\"");
            const int64_t d = intArg(args.empty() ? *kwarg("dim") : args[0], "dim");
            const auto w = wrapDim(d, s.rank() + 1);
            if (!w)
                fail(loc, "IndexError: " + dimOutOfRange(d, s.rank() + 1));
            dims.insert(dims.begin() + *w, 1);
        } else if (args.empty() && !kwarg("dim")) {
            dims.erase(std::remove(dims.begin(), dims.end(), 1), dims.end());
        } else {
            const int w = dimArg(args.empty() ? *kwarg("dim") : args[0], s.rank());
            if (s.rank() > 0 && dims[static_cast<size_t>(w)] == 1)
                dims.erase(dims.begin() + w);
        }
        return check(reshapeOp(x, dims));
    }
    if (name == "permute" || name == "transpose" || name == "t") {
        record();
        std::vector<int64_t> order;
        if (name == "permute") {
            for (int64_t d : intList(args)) {
                const auto w = wrapDim(d, s.rank());
                if (!w)
                    fail(loc, "IndexError: " + dimOutOfRange(d, s.rank()));
                order.push_back(*w);
            }
            if (static_cast<int>(order.size()) != s.rank())
                fail(loc, "RuntimeError: permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = "
                              + std::to_string(s.rank()) + " is not equal to len(dims) = " + std::to_string(order.size()));
        } else {
            for (int k = 0; k < s.rank(); ++k)
                order.push_back(k);
            if (name == "t" ? s.rank() == 2 : args.size() == 2) {
                const int a = name == "t" ? 0 : dimArg(args[0], s.rank());
                const int b = name == "t" ? 1 : dimArg(args[1], s.rank());
                std::swap(order[static_cast<size_t>(a)], order[static_cast<size_t>(b)]);
            } else if (name != "t") {
                fail(loc, "TypeError: transpose() takes 2 dimensions");
            }
        }
        std::vector<int64_t> dims, strides;
        const std::vector<int64_t> inStrides = contiguousStrides(s);
        for (int64_t k : order) {
            dims.push_back(s[static_cast<int>(k)]);
            strides.push_back(inStrides[static_cast<size_t>(k)]);
        }
        return copied(x, std::move(dims), strides, 0);
    }
    if (name == "chunk" || name == "split") {
        record();
        if (args.empty())
            fail(loc, "TypeError: " + name + "() missing required argument");
        const int d = args.size() > 1 ? dimArg(args[1], s.rank()) : kwarg("dim") ? dimArg(*kwarg("dim"), s.rank()) : 0;
        const int64_t size = s[d];
        std::vector<int64_t> parts;
        if (name == "chunk") {
            const int64_t n = intArg(args[0], "chunks");
            if (n <= 0)
                fail(loc, "RuntimeError: chunk expects `chunks` to be greater than 0, got: " + std::to_string(n));
            const int64_t each = (size + n - 1) / n;
            for (int64_t at = 0; at < size; at += each)
                parts.push_back(std::min(each, size - at));
        } else if (args[0].isSequence()) {
            int64_t total = 0;
            for (const Value& v : args[0].elements()) {
                parts.push_back(intArg(v, "split_size"));
                total += parts.back();
            }
            if (total != size)
                fail(loc, "RuntimeError: split_with_sizes expects split_sizes to sum exactly to " + std::to_string(size));
        } else {
            const int64_t each = intArg(args[0], "split_size");
            if (each <= 0)
                fail(loc, "RuntimeError: split expects split_size be non-negative");
            for (int64_t at = 0; at < size; at += each)
                parts.push_back(std::min(each, size - at));
        }
        std::vector<Value> out;
        const std::vector<int64_t> inStrides = contiguousStrides(s);
        int64_t at = 0;
        for (int64_t p : parts) {
            std::vector<int64_t> dims = s.dims();
            dims[static_cast<size_t>(d)] = p;
            out.push_back(copied(x, std::move(dims), inStrides, at * inStrides[static_cast<size_t>(d)]));
            at += p;
        }
        return Value::ofTuple(std::move(out));
    }
    if (name == "mean" || name == "sum" || name == "max" || name == "min" || name == "amax" || name == "amin") {
        record();
        std::vector<int64_t> dims;
        const Value* d = !args.empty() ? &args[0] : kwarg("dim");
        if (d && d->kind != Value::Kind::None)
            dims = intList({*d});
        const Value* kd = args.size() > 1 ? &args[1] : kwarg("keepdim");
        const bool keep = kd && truthy(*kd, loc);
        if (name == "mean")
            return recordOp(RecordedOp::Kind::Mean, {x}, check(meanOp(x, dims, keep)), 0, dims, keep);
        if (name == "sum")
            return recordOp(RecordedOp::Kind::Sum, {x}, check(sumOp(x, dims, keep)), 0, dims, keep);
        // max(dim) and min(dim) give (values, indices) and pass the gradient to the index;
        // amax, amin, max() and min() share it among equal extremes, as PyTorch does.
        const bool withIndices = (name == "max" || name == "min") && d && d->kind != Value::Kind::None;
        if (withIndices && dims.size() != 1)
            fail(loc, "TypeError: " + name + "(): argument 'dim' must be int, not " + typeNameOf(*d));
        RecordedOp op;
        op.kind = RecordedOp::Kind::Max;
        op.inputs = {x};
        Value indices;
        op.output = check(extremumOp(x, dims, keep, name == "min" || name == "amin", withIndices, m_recorder ? &op.picked : nullptr,
                                     &indices));
        Value values = op.output;
        if (m_recorder && values.data)
            m_recorder->op(std::move(op));
        if (withIndices)
            return Value::ofTuple({values, indices});
        return values;
    }
    if (name == "__getitem__") {
        record();
        std::vector<Value> idx = args[0].kind == Value::Kind::Tuple ? args[0].items : std::vector<Value>{args[0]};
        std::vector<int64_t> dims, strides;
        const std::vector<int64_t> inStrides = contiguousStrides(s);
        int64_t base = 0;
        int k = 0;
        for (const Value& i : idx) {
            if (i.kind == Value::Kind::None) {
                dims.push_back(1);
                strides.push_back(0);
                continue;
            }
            if (k >= s.rank())
                fail(loc, "IndexError: too many indices for tensor of dimension " + std::to_string(s.rank()));
            if (i.isInt()) {
                int64_t v = i.integer();
                if (v < -s[k] || v >= s[k])
                    fail(loc, "IndexError: index " + std::to_string(v) + " is out of bounds for dimension " + std::to_string(k) + " with size " + std::to_string(s[k]));
                base += (v < 0 ? v + s[k] : v) * inStrides[static_cast<size_t>(k)];
                ++k;
                continue;
            }
            if (i.kind == Value::Kind::Slice) {
                int64_t start = i.items[0].kind == Value::Kind::None ? 0 : i.items[0].integer();
                int64_t stop = i.items[1].kind == Value::Kind::None ? s[k] : i.items[1].integer();
                const int64_t st = i.items[2].kind == Value::Kind::None ? 1 : i.items[2].integer();
                if (st <= 0)
                    fail(loc, "ValueError: step must be greater than zero");
                if (start < 0)
                    start = std::max<int64_t>(0, start + s[k]);
                if (stop < 0)
                    stop = std::max<int64_t>(0, stop + s[k]);
                start = std::min(start, s[k]);
                stop = std::min(stop, s[k]);
                dims.push_back(stop > start ? (stop - start + st - 1) / st : 0);
                strides.push_back(st * inStrides[static_cast<size_t>(k)]);
                base += start * inStrides[static_cast<size_t>(k)];
                ++k;
                continue;
            }
            notYet(loc, "indexing a tensor with " + typeNameOf(i));
        }
        for (; k < s.rank(); ++k) {
            dims.push_back(s[k]);
            strides.push_back(inStrides[static_cast<size_t>(k)]);
        }
        return copied(x, std::move(dims), strides, base);
    }
    if (name == "view_as" || name == "reshape_as" || name == "expand_as") {
        if (args.size() != 1 || !args[0].isTensor())
            fail(loc, "TypeError: " + name + "() needs a tensor");
        return check(reshapeOp(x, args[0].shape.dims()));
    }
    if (name == "add" || name == "mul" || name == "sub" || name == "div" || name == "add_" || name == "mul_") {
        if (args.size() != 1)
            fail(loc, "TypeError: " + name + "() takes 1 argument");
        const char op = name[0] == 'a' ? '+' : name[0] == 's' ? '-' : name[0] == 'm' ? '*' : '/';
        return tensorFunction(std::string("operator") + op, {x, args[0]}, {}, loc);
    }
    if (findFunctional(name))
        return functionalLayer(name, x, std::move(args), std::move(kwargs), loc);
    notYet(loc, "the tensor method ." + (name[0] == '@' ? name.substr(1) : name + "()") + (path.empty() ? "" : ""));
}

Value Interpreter::tensorFunction(const std::string& qname, Args args, Kwargs kwargs, SourceLoc loc)
{
    auto kwarg = [&](std::string_view key) -> const Value* {
        for (const auto& [k, v] : kwargs)
            if (k == key)
                return &v;
        return nullptr;
    };
    auto intArg = [&](const Value& v, const char* which) -> int64_t {
        if (!v.isInt())
            fail(loc, std::string("TypeError: ") + which + " must be int, not " + typeNameOf(v));
        return v.integer();
    };
    auto check = [&](const OpResult& r) -> Value {
        if (!r.ok())
            fail(loc, shortName(qname) + ": " + r.error, ErrorKind::Shape);
        return r.value;
    };
    auto tensorArg = [&](size_t k) -> const Value& {
        if (k >= args.size() || !args[k].isTensor())
            fail(loc, "TypeError: " + shortName(qname) + "() expects a tensor");
        return args[k];
    };
    const Module* caller = m_frame && m_frame->self.kind == Value::Kind::Module ? m_frame->self.module : nullptr;
    auto record = [&] { pushCall({nullptr, caller, shortName(qname), loc, m_moduleDepth}); };

    if (qname.rfind("operator", 0) == 0) {
        const std::string op = qname.substr(8);
        const Value& a = args[0];
        const Value& b = args[1];
        if (op == "+" || op == "-" || op == "*") {
            if (const Value* sum = op == "+" ? m_fusion.passThroughAdd(a, b) : nullptr)
                return recordOp(RecordedOp::Kind::Add, {a, b}, *sum); // added by the fused convolution
            OpResult r = binaryOp(op[0], a, b);
            if (!r.ok())
                fail(loc, a.shape.toString() + " " + op + " " + b.shape.toString() + " do not broadcast (PyTorch: " + r.error + ")",
                     ErrorKind::Shape);
            const auto kind = op == "+" ? RecordedOp::Kind::Add : op == "-" ? RecordedOp::Kind::Sub : RecordedOp::Kind::Mul;
            return recordOp(kind, {a, b}, r.value);
        }
        if (op == "/" && b.isNumber() && b.number() != 0) {
            const double inv = 1.0 / b.number();
            if (std::exp2(std::round(std::log2(std::fabs(inv)))) == std::fabs(inv) || !m_real)
                return recordOp(RecordedOp::Kind::Mul, {a, Value::ofFloat(inv)}, check(binaryOp('*', a, Value::ofFloat(inv))));
        }
        notYet(loc, "the operator " + op + " on tensors");
    }
    const std::string ns = qname.substr(0, qname.rfind('.'));
    const std::string fn = qname.substr(qname.rfind('.') + 1);
    if (ns == "torch") {
        if (fn == "zeros" || fn == "ones" || fn == "randn" || fn == "rand" || fn == "empty" || fn == "Tensor" || fn == "FloatTensor") {
            std::vector<int64_t> dims;
            std::vector<Value> sizes = args.size() == 1 && args[0].isSequence() ? args[0].elements() : args;
            for (const Value& v : sizes)
                dims.push_back(intArg(v, "size"));
            if (m_real)
                notYet(loc, "torch." + fn + "() inside forward when running on tensors");
            return Value::ofTensor(Shape(std::move(dims)), nullptr);
        }
        if (fn == "flatten") {
            record();
            const Value& x = tensorArg(0);
            const int64_t a = args.size() > 1 ? intArg(args[1], "start_dim") : kwarg("start_dim") ? intArg(*kwarg("start_dim"), "start_dim") : 0;
            const int64_t b = args.size() > 2 ? intArg(args[2], "end_dim") : kwarg("end_dim") ? intArg(*kwarg("end_dim"), "end_dim") : -1;
            return check(flattenOp(x, a, b));
        }
        if (fn == "cat" || fn == "concat" || fn == "stack") {
            record();
            if (args.empty() || !args[0].isSequence())
                fail(loc, "TypeError: torch." + fn + "() expects a list of tensors");
            std::vector<Value> ts = args[0].elements();
            for (const Value& t : ts)
                if (!t.isTensor())
                    fail(loc, "TypeError: expected Tensor as element in argument 0, but got " + typeNameOf(t));
            const int64_t d = args.size() > 1 ? intArg(args[1], "dim") : kwarg("dim") ? intArg(*kwarg("dim"), "dim") : 0;
            if (fn == "stack") {
                if (ts.empty())
                    fail(loc, "RuntimeError: stack expects a non-empty TensorList");
                for (size_t k = 1; k < ts.size(); ++k)
                    if (!(ts[k].shape == ts[0].shape))
                        fail(loc, "RuntimeError: stack expects each tensor to be equal size, but got " + ts[0].shape.toString()
                                      + " at entry 0 and " + ts[k].shape.toString() + " at entry " + std::to_string(k),
                             ErrorKind::Shape);
                const auto w = wrapDim(d, ts[0].shape.rank() + 1);
                if (!w)
                    fail(loc, "IndexError: " + dimOutOfRange(d, ts[0].shape.rank() + 1));
                for (Value& t : ts) {
                    std::vector<int64_t> dims = t.shape.dims();
                    dims.insert(dims.begin() + *w, 1);
                    t = check(reshapeOp(t, dims));
                }
                return recordOp(RecordedOp::Kind::Cat, ts, check(catOp(ts, *w)), *w);
            }
            return recordOp(RecordedOp::Kind::Cat, ts, check(catOp(ts, d)), d);
        }
        if (fn == "add" || fn == "mul" || fn == "sub") {
            record();
            if (args.size() != 2)
                fail(loc, "TypeError: torch." + fn + "() takes two arguments");
            return tensorFunction(std::string("operator") + (fn == "add" ? "+" : fn == "mul" ? "*" : "-"), args, {}, loc);
        }
        if (fn == "mean" || fn == "sum" || fn == "max" || fn == "min" || fn == "amax" || fn == "amin" || fn == "squeeze" || fn == "unsqueeze" || fn == "transpose" || fn == "permute"
            || fn == "chunk" || fn == "split" || fn == "reshape") {
            Value x = tensorArg(0);
            args.erase(args.begin());
            return tensorMethod(x, fn, std::move(args), std::move(kwargs), loc);
        }
    }
    if ((ns == "torch" || ns == "torch.nn.functional") && findFunctional(fn)) {
        Value x = tensorArg(0);
        args.erase(args.begin());
        return functionalLayer(fn, x, std::move(args), std::move(kwargs), loc);
    }
    if (ns == "torch.nn.functional" && fn == "pad") {
        record();
        const Value& x = tensorArg(0);
        const Value* padv = args.size() > 1 ? &args[1] : kwarg("pad");
        if (!padv || !padv->isSequence())
            fail(loc, "TypeError: pad() missing required argument 'pad' (pos 2)");
        std::vector<int64_t> pad;
        for (const Value& p : padv->elements())
            pad.push_back(intArg(p, "pad"));
        const Value* modev = args.size() > 2 ? &args[2] : kwarg("mode");
        const Value* valuev = args.size() > 3 ? &args[3] : kwarg("value");
        if (modev && modev->kind != Value::Kind::Str)
            fail(loc, "TypeError: pad(): argument 'mode' must be str, not " + typeNameOf(*modev));
        if (valuev && valuev->kind != Value::Kind::None && !valuev->isNumber())
            fail(loc, "TypeError: pad(): argument 'value' must be float, not " + typeNameOf(*valuev));
        const double value = valuev && valuev->isNumber() ? valuev->number() : 0.0;
        if (m_recorder && x.data)
            notYet(loc, "training through F.pad() (its forward runs)");
        return check(padOp(x, pad, modev ? modev->s : "constant", value));
    }
    if (ns == "torch.nn.functional" || ns == "torch") {
        std::vector<std::string> known = supportedFunctionalOps();
        for (const char* extra : {"interpolate", "upsample", "pad", "flatten", "cat", "stack", "add", "mul"})
            known.emplace_back(extra);
        if (auto hint = didYouMean(fn, known))
            fail(loc, "AttributeError: module '" + ns + "' has no attribute '" + fn + "': did you mean '" + shortName(ns + "." + *hint) + "'?");
    }
    notYet(loc, shortName(qname) + "()");
}

Value Interpreter::functionalLayer(const std::string& fn, const Value& x, Args args, Kwargs kwargs, SourceLoc loc)
{
    const std::string path = pathHere();
    const FunctionalOp* op = findFunctional(fn);
    const std::string what = m_callExpr ? toSource(*m_callExpr) : "F." + fn + "(...)";
    const Module* caller = m_frame && m_frame->self.kind == Value::Kind::Module ? m_frame->self.module : nullptr;
    pushCall({nullptr, caller, "F." + fn, loc, m_moduleDepth});
    if (!x.isTensor())
        fail(loc, "TypeError: " + what + " expects a tensor, got " + typeNameOf(x));
    if (args.size() > op->params.size())
        fail(loc, "TypeError: " + what + ": too many positional arguments");
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
                notYet(loc, what + " with return_indices=True");
            continue;
        }
        ArgValue a;
        if (!toArgValue(value, a))
            fail(loc, "TypeError: " + what + ": argument " + key + " must be a number, bool, string or tuple of ints");
        call.push_back({key, std::move(a)});
    }
    if (training && !m_recorder)
        warn(loc, what + " drops activations even in eval mode, because training defaults to True in F." + fn
                      + ": pass training=self.training or use nn." + std::string(op->layer)
                      + ". ModuleLab evaluates it as model.eval() would evaluate nn." + std::string(op->layer));
    if (fn == "softmax" || fn == "log_softmax") {
        bool hasDim = false;
        for (const LayerArgument& a : call)
            hasDim = hasDim || a.name == "dim";
        if (!hasDim)
            warn(loc, what + " has no dim: PyTorch guesses one and warns \"Implicit dimension choice for " + fn
                          + " has been deprecated\". Pass dim=1 for class scores");
    }
    auto made = createLayer(op->layer, call);
    if (auto* err = std::get_if<std::string>(&made))
        fail(loc, what + ": " + *err);
    Layer& layer = *std::get<std::unique_ptr<Layer>>(made);
    // A training pass honours training=...; otherwise F.dropout runs as nn.Dropout after eval().
    layer.setTraining(m_recorder && training);
    return callLayer(layer, x, path, loc, false);
}

} // namespace ml::detail
