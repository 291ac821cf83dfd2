#include "engine/analysis/interpreter.h"

#include "engine/analysis/forwardop.h"
#include "engine/analysis/opcall.h"
#include "engine/analysis/runmemory.h"
#include "engine/analysis/stridedwalk.h"
#include "engine/analysis/tensorops.h"
#include "engine/analysis/torchnames.h"
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

std::string shortName(const std::string& q)
{
    if (q.rfind("torch.nn.functional.", 0) == 0)
        return "F." + q.substr(20);
    return q;
}

// A strided view of x's data copied into a new tensor: output dim k steps `strides[k]` input
// elements, from input element `base` (permute, transpose, slicing, chunk and split).
std::shared_ptr<const Tensor> gather(const Value& x, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t base)
{
    auto t = std::make_shared<Tensor>(Shape(dims));
    const float* src = x.data->data();
    float* dst = t->data();
    forEachStrided(dims, strides, base, [&](int64_t i, int64_t off) { dst[i] = src[off]; });
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

void flattenInto(const Value& v, const std::string& name, int depth, std::vector<FlatOutput>& out, std::string& error,
                 int64_t position = -1)
{
    if (!error.empty())
        return;
    if (v.isTensor() || (depth > 0 && v.kind == Value::Kind::None)) { // a None in a tuple: PyTorch's hooks say None
        out.push_back({name, v, position});
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
            flattenInto(dict ? v.dict->entries[k].second : v.elements()[k], name + "." + key, depth + 1, out, error,
                        depth == 0 ? static_cast<int64_t>(k) : position);
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
    if (error.empty() && std::none_of(flat.begin(), flat.end(), [](const FlatOutput& o) { return o.value.isTensor(); }))
        error = "a model output that holds no tensor";
    if (!error.empty())
        flat.clear();
    return flat;
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
        std::vector<std::optional<Shape>> shapes;
        for (const FlatOutput& o : flat)
            shapes.push_back(o.value.isTensor() ? std::optional<Shape>(o.value.shape) : std::nullopt);
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
        // the total counts what PyTorch runs, as torchinfo's hooks see it: a layer in a plain
        // Python list (unregistered, also inside a module of the list) has no hook
        if (!m_analysis.stopsAt && layer.isRegistered())
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
    if (name == "__getitem__")
        return runOp(Spelling::Operator, "[]", x, std::move(args), std::move(kwargs), loc);
    if (!name.empty() && name[0] == '@')
        return runOp(Spelling::Attribute, name.substr(1), x, std::move(args), std::move(kwargs), loc);
    return runOp(Spelling::Method, name, x, std::move(args), std::move(kwargs), loc);
}

Value Interpreter::tensorFunction(const std::string& qname, Args args, Kwargs kwargs, SourceLoc loc)
{
    if (qname.rfind("operator", 0) == 0) {
        Value a = args.at(0);
        return runOp(Spelling::Operator, qname.substr(8), std::move(a), {args.at(1)}, std::move(kwargs), loc);
    }
    const std::string ns = qname.substr(0, qname.rfind('.'));
    const std::string fn = qname.substr(qname.rfind('.') + 1);
    if (ns == "torch")
        return runOp(Spelling::Torch, fn, Value::none(), std::move(args), std::move(kwargs), loc);
    if (ns == "torch.nn.functional")
        return runOp(Spelling::Functional, fn, Value::none(), std::move(args), std::move(kwargs), loc);
    notYet(loc, shortName(qname) + "()");
}

// The one dispatch of forward's tensor ops: the table's entry for the name as written, checked
// against what this run needs (tensor data, a backward), then its handler.
Value Interpreter::runOp(Spelling how, const std::string& name, Value x, Args args, Kwargs kwargs, SourceLoc loc)
{
    const ForwardOp* op = findForwardOp(how, name);
    if (!op)
        unknownOp(how, name, loc);
    if (op->receiver && (how == Spelling::Torch || how == Spelling::Functional)) {
        if (args.empty() || !args[0].isTensor())
            fail(loc, "TypeError: " + std::string(how == Spelling::Torch ? "torch." : "F.") + name + "() expects a tensor");
        x = std::move(args[0]);
        args.erase(args.begin());
    }
    if (m_real && !op->data)
        notYet(loc, notOnData(*op, how));
    if (m_recorder && op->gradient.via != OpGradient::Via::NoTensor && !hasBackward(*op))
        notYet(loc, notInTraining(*op, how));
    OpCall call(*this, *op, how, std::move(x), std::move(args), std::move(kwargs), loc);
    Value out = op->handler(call);
    if (out.isTensor() && op->gradient.via != OpGradient::Via::SharedData && op->gradient.via != OpGradient::Via::Stops) { // new data
        addBytes(m_analysis.opOutputBytes, float32Bytes(out.shape));
    }
    return out;
}

void Interpreter::unknownOp(Spelling how, const std::string& name, SourceLoc loc)
{
    if (how == Spelling::Torch || how == Spelling::Functional) {
        std::vector<std::string> known;
        for (const ForwardOp& op : forwardOps())
            if (op.spellings & static_cast<unsigned>(how))
                known.emplace_back(op.name);
        const std::string ns = how == Spelling::Torch ? "torch" : "torch.nn.functional";
        if (!pytorchHas(ns, name)) { // PyTorch fails here too
            const auto hint = didYouMean(name, known);
            fail(loc, "AttributeError: module '" + ns + "' has no attribute '" + name + "'"
                          + (hint ? ": did you mean '" + shortName(ns + "." + *hint) + "'?" : std::string()));
        }
    }
    notYet(loc, unsupportedOp(how, name));
}

Value Interpreter::functionalLayer(const ForwardOp& forwardOp, const Value& x, Args args, Kwargs kwargs, SourceLoc loc)
{
    const std::string path = pathHere();
    const ForwardOp* op = &forwardOp;
    const std::string fn(op->name);
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
