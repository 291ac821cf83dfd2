#include "engine/analysis/analysis.h"

#include "engine/analysis/runmemory.h"

#include "engine/analysis/interpreter.h"
#include "engine/initrecipe.h"
#include "engine/layer.h"
#include "engine/layers/activation.h"
#include "engine/names.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <unordered_map>
#include <utility>

namespace ml {

using detail::ForwardAbort;
using detail::Interpreter;
using detail::Value;

const NodeInfo* Analysis::info(const Module* m) const
{
    const auto it = nodes.find(m);
    return it == nodes.end() ? nullptr : &it->second;
}

std::string Analysis::outputText() const
{
    if (outputs.empty())
        return "--";
    if (outputValues.size() <= 1)
        return outputs.front().shape.toString();
    std::string t;
    for (const std::optional<Shape>& o : outputValues)
        t += (t.empty() ? "" : ", ") + (o ? o->toString() : "None");
    return t;
}

ForwardSteps Analysis::stepsOf(const Module& m) const
{
    ForwardSteps steps;
    const auto first = firstCall.find(&m);
    if (first == firstCall.end() || first->second >= calls.size())
        return steps;
    auto it = calls.begin() + static_cast<std::ptrdiff_t>(first->second);
    steps.reached = true;
    const int depth = it->depth;
    std::vector<std::string> ops;
    for (++it; it != calls.end() && it->depth > depth; ++it) {
        if (it->depth != depth + 1 || it->caller != &m)
            continue;
        if (it->callee)
            steps.calls.push_back({it->callee, std::exchange(ops, {}), it->loc, it->afterError});
        else
            ops.push_back(it->op);
    }
    steps.trailingOps = std::move(ops);
    return steps;
}

namespace {

std::string describe(const Module& m)
{
    const std::string p = m.path();
    return (p.empty() ? std::string("the model") : p) + " (" + m.typeName() + ")";
}

void versionNotes(const Expr& e, const std::string& path, Analysis& a)
{
    if (e.kind == Expr::Kind::Call && e.items[0].kind == Expr::Kind::Attr && e.items[0].items[0].kind == Expr::Kind::Name
        && e.items[0].items[0].text == "F" && (e.items[0].text == "sigmoid" || e.items[0].text == "tanh")) {
        const std::string& fn = e.items[0].text;
        a.diagnostics.push_back({path, Severity::Info,
                                 "F." + fn + " is fine in PyTorch 2.x (1.x warns \"nn.functional." + fn
                                     + " is deprecated. Use torch." + fn + " instead.\")",
                                 e.loc});
    }
    for (const Expr& x : e.items)
        versionNotes(x, path, a);
    for (const auto& kw : e.keywords)
        versionNotes(kw.second, path, a);
}

void versionNotes(const std::vector<Stmt>& body, const std::string& path, Analysis& a)
{
    for (const Stmt& s : body) {
        versionNotes(s.value, path, a);
        versionNotes(s.body, path, a);
    }
}

// nn.Softmax() and nn.LogSoftmax() without dim: PyTorch picks one from the input's rank and
// warns, as it does for F.softmax(x).
void implicitSoftmaxDim(const NamedModule& nm, Analysis& a)
{
    const Module& m = *nm.module;
    const bool log = m.typeName() == LogSoftmax::kTypeName;
    if (m.kind() != ModuleKind::Layer || (m.typeName() != Softmax::kTypeName && !log))
        return;
    if (static_cast<const SoftmaxBase&>(m).options().dim)
        return;
    const std::string fn = log ? "log_softmax" : "softmax";
    a.diagnostics.push_back({nm.path, Severity::Warning,
                             "nn." + m.typeName() + "() has no dim: PyTorch guesses one and warns \"Implicit dimension choice for "
                                 + fn + " has been deprecated. Change the call to include dim=X as an argument.\" Pass dim=1 "
                                        "for class scores",
                             m.sourceLoc()});
}

// Checks that need no forward pass: plain lists are invisible to PyTorch; functions whose
// PyTorch 1.x and 2.x behaviour differ; softmax layers without dim.
void staticChecks(const Module& root, Analysis& a)
{
    for (const NamedModule& nm : namedModules(root, false))
        implicitSoftmaxDim(nm, a);
    for (const NamedModule& nm : namedModules(root, true))
        if (nm.module->kind() == ModuleKind::Custom)
            versionNotes(static_cast<const CustomModule*>(nm.module)->program().body, nm.path, a);
    for (const NamedModule& nm : namedModules(root, true)) {
        const Module& m = *nm.module;
        if (m.kind() != ModuleKind::PlainList || !m.parent() || !m.parent()->isRegistered())
            continue;
        const int64_t hidden = countParameters(m).total; // its modules', none of which PyTorch registers
        a.diagnostics.push_back(
            {nm.path, Severity::Warning,
             "self." + m.name() + " is a plain Python list: PyTorch does not register its " + std::to_string(m.childCount())
                 + (m.childCount() == 1 ? " module" : " modules") + ": "
                 + (hidden > 0 ? withThousands(hidden) + " parameters are missing from parameters() (an optimizer never "
                                                         "updates them) and from state_dict(); "
                               : std::string())
                 + "print(model) does not show them, and model.eval(), .to(device) and .half() never reach them. "
                   "Use nn.ModuleList([...])",
             m.sourceLoc()});
    }
}

bool readsTraining(const Expr& e)
{
    if (e.kind == Expr::Kind::Attr && e.text == "training" && e.items[0].kind == Expr::Kind::Name && e.items[0].text == "self")
        return true;
    for (const Expr& x : e.items)
        if (readsTraining(x))
            return true;
    return false;
}

bool readsTraining(const std::vector<Stmt>& body)
{
    for (const Stmt& s : body)
        if (readsTraining(s.value) || readsTraining(s.body) || readsTraining(s.orelse))
            return true;
    return false;
}

// forward (or a helper method) asks self.training: a child it skips may run in training mode.
bool dependsOnMode(const Module& m)
{
    const ForwardProgram* p = m.ownForward();
    if (!p)
        return false;
    if (readsTraining(p->body))
        return true;
    for (const Method& meth : p->methods)
        if (readsTraining(meth.body))
            return true;
    return false;
}

// Registered children of a custom Module, ModuleList or ModuleDict that forward never calls.
void unusedChecks(const Module& root, Analysis& a)
{
    std::unordered_map<const void*, int64_t> callsOf; // a shared module is called through any of its places
    for (const NamedModule& nm : namedModules(root, true))
        if (const NodeInfo* info = a.info(nm.module))
            callsOf[nm.module->identity()] += info->calls;
    for (const NamedModule& nm : namedModules(root)) {
        const Module& m = *nm.module;
        const Module* parent = m.parent();
        if (!parent || m.kind() == ModuleKind::PlainList)
            continue;
        const ModuleKind pk = parent->kind();
        if (pk != ModuleKind::ModuleList && pk != ModuleKind::ModuleDict && pk != ModuleKind::Custom)
            continue;
        const Module* owner = parent;
        while (owner && owner->kind() != ModuleKind::Custom)
            owner = owner->parent();
        const NodeInfo* ownerInfo = owner ? a.info(owner) : nullptr;
        if (!ownerInfo || ownerInfo->calls == 0 || callsOf[m.identity()] > 0)
            continue;
        if (m.kind() == ModuleKind::ModuleList || m.kind() == ModuleKind::ModuleDict) {
            // Reported per entry; an empty or fully used container is fine.
            continue;
        }
        const int64_t params = countParameters(m).total;
        if (dependsOnMode(*owner)) { // GoogLeNet's auxiliary heads: PyTorch runs them in training mode
            a.diagnostics.push_back({nm.path, Severity::Info,
                                     describe(m) + " is not called by " + owner->typeName()
                                         + ".forward() in eval mode; forward reads self.training, so training mode may call it",
                                     m.sourceLoc()});
            continue;
        }
        std::string msg = describe(m) + " is never called by " + owner->typeName() + ".forward()";
        msg += params > 0 ? ": its " + withThousands(params)
                                + " parameters are registered, counted and saved, but do nothing"
                          : ": it has no effect";
        if (pk == ModuleKind::ModuleList)
            msg += ". A ModuleList runs only what forward calls, in the order forward calls it";
        a.diagnostics.push_back({nm.path, Severity::Warning, msg, m.sourceLoc()});
    }
}

Analysis run(const Module& root, const Value& input, bool real, const ForwardObserver* observer, std::vector<OutputTensor>* outputs,
             bool* cancelled = nullptr, detail::ForwardRecorder* recorder = nullptr)
{
    Analysis a;
    staticChecks(root, a);
    Interpreter interp(a, real, observer);
    interp.setRecorder(recorder);
    try {
        Value out = interp.callModule(root, {input}, {});
        if (recorder)
            recorder->result(out);
        std::string flatError;
        const std::vector<detail::FlatOutput> flat = detail::flattenOutput(out, flatError);
        if (a.stopsAt) {
            // went on past an error for shapes only: PyTorch gives no output
        } else if (!flat.empty()) {
            if (out.isTensor())
                a.outputShape = out.shape;
            for (const detail::FlatOutput& o : flat) {
                if (!out.isTensor())
                    a.outputValues.push_back(o.value.isTensor() ? std::optional<Shape>(o.value.shape) : std::nullopt);
                if (!o.value.isTensor())
                    continue; // a None in a tuple: no tensor
                a.outputs.push_back({o.name, o.value.shape});
                if (outputs && o.value.data) {
                    // An owning copy under the Value's shape (Tensor(Tensor::borrow(...)) would stay a
                    // borrow of data that dies with `out`).
                    const Tensor view = Tensor::borrow(o.value.shape, o.value.data->data());
                    outputs->push_back({o.name, Tensor(view)});
                }
            }
        } else {
            a.diagnostics.push_back({"", Severity::Error,
                                     root.typeName() + ".forward() returns " + detail::typeNameOf(out)
                                         + ", not a tensor" + (out.kind == Value::Kind::None ? " (missing return statement?)" : ""),
                                     {}});
        }
    } catch (const ForwardAbort&) {
    } catch (const ForwardCancelled&) {
        if (!cancelled)
            throw;
        *cancelled = true;
        return a;
    }
    if (!a.hasErrors())
        unusedChecks(root, a);
    return a;
}

} // namespace

Analysis analyze(const Module& root, const Shape& input)
{
    return run(root, Value::ofTensor(input, nullptr), false, nullptr, nullptr);
}

ForwardResult runForward(const Module& root, const Tensor& input, const ForwardObserver& observer)
{
    ForwardResult r;
    auto data = std::make_shared<Tensor>(input);
    r.analysis = run(root, Value::ofTensor(input.shape(), std::move(data)), true, &observer, &r.outputs, &r.cancelled);
    if (r.cancelled)
        r.outputs.clear();
    else if (r.analysis.outputShape && r.outputs.size() == 1)
        r.output = r.outputs.front().tensor;
    return r;
}

Analysis runRecordedForward(const Module& root, const std::shared_ptr<const Tensor>& input, detail::ForwardRecorder& recorder)
{
    return run(root, Value::ofTensor(input->shape(), input), true, nullptr, nullptr, nullptr, &recorder);
}

void initWeights(Module& root, uint64_t seed)
{
    if (replayInitRecipe(root, seed)) // the model's code initialises in its own way, and still applies
        return;
    TorchGenerator gen(seed);
    std::unordered_map<const void*, const Module*> first; // a module stored in several places is one object
    for (const NamedModule& nm : namedModules(root, true)) {
        Module& m = const_cast<Module&>(*nm.module); // modules of the non-const root
        const auto [it, isNew] = first.emplace(m.identity(), &m);
        if (!isNew)
            m.shareTensors(*it->second);
        else if (m.kind() == ModuleKind::Layer)
            static_cast<Layer&>(m).initTensors(gen);
        else if (m.kind() == ModuleKind::Custom)
            static_cast<CustomModule&>(m).resetOwnTensors();
    }
}

int64_t tensorBytes(const Module& root)
{
    int64_t bytes = 0;
    for (const NamedModule& nm : namedModules(root, true))
        for (const TensorSpec& s : nm.module->tensorSpecs()) {
            int64_t b = 0;
            if (!checkedMul(s.shape.numel().value_or(INT64_MAX / 4), 4, b) || !checkedAdd(bytes, b, bytes))
                return INT64_MAX;
        }
    return bytes;
}

int64_t availableMemoryBytes()
{
    std::ifstream f("/proc/meminfo");
    std::string key, unit;
    int64_t kb = 0;
    while (f >> key >> kb >> unit)
        if (key == "MemAvailable:")
            return kb * 1024;
    return INT64_MAX;
}

std::optional<std::string> memoryProblem(const Module& root, const Analysis& analysis)
{
    return runMemoryProblem(runMemory(root, analysis, false), availableMemoryBytes(), INT64_MAX);
}

} // namespace ml
