#include "engine/train/tape.h"

#include "engine/analysis/analysis.h"
#include "engine/analysis/interpreter.h"
#include "engine/analysis/stridedwalk.h"
#include "engine/analysis/tensorops.h"
#include "engine/layer.h"
#include "engine/train/layerbackward.h"
#include "engine/train/mathbackward.h"

#include <algorithm>

namespace ml {

using detail::RecordedOp;
using detail::Value;

struct Tape::Node {
    // A layer call ...
    const Layer* layer = nullptr;
    std::unique_ptr<Module> owned; // the functional call's layer (F.relu), which dies with the call
    std::shared_ptr<const Tensor> in;
    Shape inShape;
    std::shared_ptr<const Tensor> out;
    LayerSaved saved;
    // ... or a tensor op.
    std::optional<RecordedOp> op;
};

Tape::Tape() = default;
Tape::~Tape() = default;

void Tape::clear()
{
    m_nodes.clear();
    m_parameterReads.clear();
    m_grads.clear();
    m_input.reset();
    m_output = Value::none();
    m_outputCopy.reset();
    m_error.clear();
    m_outputName.clear();
    m_note.clear();
    m_needsChoice = false;
    m_flatOutput.clear();
    m_flatError.clear();
}

const Tensor* Tape::forward(const Module& root, const Tensor& input, const std::string& output)
{
    clear();
    m_input = std::make_shared<const Tensor>(input);
    const Analysis a = runRecordedForward(root, m_input, *this);
    if (m_error.empty() && a.hasErrors())
        for (const Diagnostic& d : a.diagnostics)
            if (d.severity == Severity::Error) {
                m_error = (d.path.empty() ? std::string() : d.path + ": ") + d.message;
                break;
            }
    if (!m_error.empty())
        return nullptr;
    if (!m_output.isTensor()) {
        // Several outputs (a tuple, namedtuple, list or dict): the loss is computed on the one
        // chosen, as the user's training loop picks it in PyTorch.
        const std::vector<detail::FlatOutput>& flat = m_flatOutput;
        if (!m_flatError.empty()) {
            m_error = root.typeName() + ".forward() returns " + typeNameOf(m_output) + ", not a tensor: " + m_flatError;
            return nullptr;
        }
        std::vector<OutputCandidate> candidates;
        for (const detail::FlatOutput& o : flat)
            candidates.push_back({o.name, o.position, o.value.isTensor() ? std::optional<Shape>(o.value.shape) : std::nullopt});
        const OutputPick pick = pickOutput(candidates, output, root.typeName() + ".forward() returns " + typeNameOf(m_output));
        if (!pick.error.empty()) {
            m_error = pick.error;
            m_needsChoice = pick.needsChoice;
            return nullptr;
        }
        m_note = pick.note;
        m_outputName = flat[static_cast<size_t>(pick.index)].name;
        m_output = flat[static_cast<size_t>(pick.index)].value;
    } else if (!output.empty()) {
        m_note = root.typeName() + ".forward() returns one tensor here, " + m_output.shape.toString()
            + ", and the loss is computed on it (choosing an output applies to several)";
    }
    if (!m_output.data) {
        m_error = root.typeName() + ".forward() does not return a tensor";
        return nullptr;
    }
    // The output as its Value's shape says (a view may have reshaped the data).
    m_outputCopy = std::make_unique<Tensor>(Tensor::borrow(m_output.shape, m_output.data->data()));
    return m_outputCopy.get();
}

namespace {

std::string shownName(const std::string& name)
{
    return name.rfind("output.", 0) == 0 ? name.substr(7) : name;
}

// "0 logits [2, 10]", "1 None", "1.0 [2, 5]": the element's index, its name when it has one,
// its shape.
std::string describeOutput(const OutputCandidate& o)
{
    const std::string name = shownName(o.name);
    std::string s = o.position >= 0 && name != std::to_string(o.position) ? std::to_string(o.position) + " " + name : name;
    return s + " " + (o.shape ? o.shape->toString() : std::string("None"));
}

std::string listOutputs(const std::vector<OutputCandidate>& outputs)
{
    std::string s;
    for (const OutputCandidate& o : outputs)
        s += (s.empty() ? "" : ", ") + describeOutput(o);
    return s;
}

std::optional<int64_t> integerChoice(const std::string& s)
{
    if (s.empty() || s.size() > 9)
        return std::nullopt;
    size_t k = s[0] == '-' ? 1 : 0;
    if (k == s.size())
        return std::nullopt;
    for (size_t i = k; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9')
            return std::nullopt;
    return std::stoll(s);
}

} // namespace

OutputPick pickOutput(const std::vector<OutputCandidate>& outputs, const std::string& choice, const std::string& returned)
{
    OutputPick p;
    int tensors = 0;
    for (const OutputCandidate& o : outputs)
        tensors += o.shape.has_value();
    const std::string what = returned + " of " + std::to_string(outputs.size()) + (outputs.size() == 1 ? " output" : " outputs") + " ("
        + listOutputs(outputs) + ")";
    if (choice.empty()) {
        if (tensors == 1) {
            for (size_t k = 0; k < outputs.size(); ++k)
                if (outputs[k].shape)
                    p.index = static_cast<int>(k);
            p.note = what + "; the loss is computed on its only tensor, " + shownName(outputs[static_cast<size_t>(p.index)].name);
            return p;
        }
        p.needsChoice = true;
        p.error = what + ": in PyTorch the training loop picks the output the loss is computed on; choose one by its index or name";
        return p;
    }
    std::vector<size_t> matches;
    const std::optional<int64_t> k = integerChoice(choice);
    int64_t positions = 0;
    bool known = true;
    for (const OutputCandidate& o : outputs) {
        positions = std::max(positions, o.position + 1);
        known = known && o.position >= 0;
    }
    if (k && known) {
        const int64_t at = *k < 0 ? *k + positions : *k;
        if (at < 0 || at >= positions) {
            p.error = "output " + choice + " is out of range: " + what;
            return p;
        }
        for (size_t i = 0; i < outputs.size(); ++i)
            if (outputs[i].position == at)
                matches.push_back(i);
    } else {
        for (size_t i = 0; i < outputs.size(); ++i)
            if (shownName(outputs[i].name) == choice)
                matches.push_back(i);
    }
    if (matches.empty()) {
        p.error = "no output named " + choice + ": " + what + "; choose one by its index or name";
        return p;
    }
    if (matches.size() > 1) {
        std::string names;
        for (size_t i : matches)
            names += (names.empty() ? "" : ", ") + shownName(outputs[i].name);
        p.error = "output " + choice + " holds several tensors (" + names + "): choose one of them by its name";
        return p;
    }
    if (!outputs[matches.front()].shape) {
        p.error = "output " + choice + " is None, not a tensor: " + what;
        return p;
    }
    p.index = static_cast<int>(matches.front());
    return p;
}

void Tape::layerCall(const Layer& layer, bool inTree, const std::shared_ptr<const Tensor>& in, const Shape& inShape,
                     const std::shared_ptr<Tensor>& out)
{
    Node n;
    n.in = in;
    n.inShape = inShape;
    n.out = out;
    if (inTree) {
        n.layer = &layer;
    } else {
        n.owned = layer.clone();
        n.layer = static_cast<const Layer*>(n.owned.get());
    }
    // The tape's caller owns the model and lets it train: BatchNorm's statistics change here.
    Layer& mutableLayer = const_cast<Layer&>(*n.layer);
    const Tensor x = Tensor::borrow(inShape, in->data());
    if (auto err = layerForward(mutableLayer, x, *out, n.saved); err && m_error.empty())
        m_error = (layer.path().empty() ? std::string() : layer.path() + ": ") + *err;
    if (auto err = backwardSupport(layer); err && m_error.empty())
        m_error = (layer.path().empty() ? std::string() : layer.path() + ": ") + *err;
    m_nodes.push_back(std::move(n));
}

void Tape::visitLayerCalls(const std::function<void(const Layer& layer, const Tensor& out)>& visit) const
{
    for (const Node& n : m_nodes)
        if (n.layer && !n.owned && n.out)
            visit(*n.layer, *n.out);
}

void Tape::op(RecordedOp op)
{
    Node n;
    n.op = std::move(op);
    m_nodes.push_back(std::move(n));
}

void Tape::parameterRead(const Tensor& parameter, const std::shared_ptr<const Tensor>& copy)
{
    m_parameterReads.emplace_back(&parameter, copy); // kept alive: its address identifies it
}

void Tape::result(const Value& out)
{
    m_output = out;
    // Named while the forward's classes live (a namedtuple's fields).
    m_flatOutput.clear();
    if (!out.isTensor())
        m_flatOutput = detail::flattenOutput(out, m_flatError);
}

const Tensor* Tape::gradOf(const Tensor* t) const
{
    const auto it = m_grads.find(t);
    return it == m_grads.end() ? nullptr : &it->second;
}

Tensor& Tape::gradFor(const Tensor* t, int64_t numel)
{
    auto it = m_grads.find(t);
    if (it == m_grads.end())
        it = m_grads.emplace(t, Tensor::zeros(Shape{numel})).first;
    return it->second;
}

namespace {

std::vector<int64_t> stridesOf(const Shape& s)
{
    std::vector<int64_t> st(static_cast<size_t>(s.rank()), 1);
    for (int d = s.rank() - 2; d >= 0; --d)
        st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * s[d + 1];
    return st;
}

// The gradient of a strided copy (permute, indexing, chunk) added back where each element came
// from: output dim k steps op.strides[k] input elements from input element op.base.
void scatterBack(const RecordedOp& op, const Tensor& gOut, Tensor& acc)
{
    detail::forEachStrided(op.dims, op.strides, op.base, [&](int64_t i, int64_t off) { acc[off] += gOut[i]; });
}

// a / b as PyTorch differentiates it: grad_a = g / b, grad_b = -g * ((a / b) / b), each summed
// over the dims it was broadcast along (into accA, accB; null for a number operand).
void divideBack(const RecordedOp& op, const Tensor& gOut, Tensor* accA, Tensor* accB)
{
    const Value& a = op.inputs[0];
    const Value& b = op.inputs[1];
    const int64_t total = gOut.numel();
    const float* out = op.output.data->data();
    auto walk = [&](const Value& v) {
        return v.isTensor() ? detail::broadcastIndex(op.output.shape, v.shape) : std::vector<int64_t>(static_cast<size_t>(total), 0);
    };
    const std::vector<int64_t> ia = walk(a), ib = walk(b);
    auto bAt = [&](int64_t k) { return b.isTensor() ? (*b.data)[ib[static_cast<size_t>(k)]] : static_cast<float>(b.number()); };
    if (accA)
        for (int64_t k = 0; k < total; ++k)
            (*accA)[ia[static_cast<size_t>(k)]] += gOut[k] / bAt(k);
    if (accB)
        for (int64_t k = 0; k < total; ++k)
            (*accB)[ib[static_cast<size_t>(k)]] += -gOut[k] * (out[k] / bAt(k));
}

} // namespace

bool Tape::differentiates(RecordedOp::Kind kind)
{
    switch (kind) { // every kind backward() below has a case for
    case RecordedOp::Kind::Add:
    case RecordedOp::Kind::Sub:
    case RecordedOp::Kind::Mul:
    case RecordedOp::Kind::Div:
    case RecordedOp::Kind::Cat:
    case RecordedOp::Kind::Gather:
    case RecordedOp::Kind::Max:
    case RecordedOp::Kind::Pick:
    case RecordedOp::Kind::Sum:
    case RecordedOp::Kind::Mean:
    case RecordedOp::Kind::MatMul:
    case RecordedOp::Kind::Pow:
    case RecordedOp::Kind::Sqrt:
    case RecordedOp::Kind::Rsqrt:
    case RecordedOp::Kind::Exp:
    case RecordedOp::Kind::Log: return true;
    }
    return false;
}

Tensor Tape::backward(const Tensor& gradOutput, ParamGrads& grads, bool inputGrad)
{
    m_grads.clear();
    if (m_output.data) {
        Tensor& g = gradFor(m_output.data.get(), m_output.data->numel());
        std::copy_n(gradOutput.data(), std::min(gradOutput.numel(), g.numel()), g.data());
    }
    for (auto it = m_nodes.rbegin(); it != m_nodes.rend(); ++it) {
        Node& n = *it;
        if (!n.op) {
            const Tensor* gOut = gradOf(n.out.get());
            if (!gOut)
                continue;
            const Tensor x = Tensor::borrow(n.inShape, n.in->data());
            const bool wanted = inputGrad || n.in != m_input;
            Tensor gIn(wanted ? n.inShape : Shape{0});
            layerBackward(*n.layer, x, *n.out, Tensor::borrow(n.out->shape(), gOut->data()), wanted ? &gIn : nullptr, grads, n.saved);
            n.saved = {};
            if (!wanted)
                continue;
            // The first gradient reaching a tensor is stored as it is; later ones add to it.
            const auto found = m_grads.find(n.in.get());
            if (found == m_grads.end()) {
                m_grads.emplace(n.in.get(), std::move(gIn));
            } else {
                float* acc = found->second.data();
                for (int64_t k = 0; k < gIn.numel(); ++k)
                    acc[k] += gIn[k];
            }
            continue;
        }
        const RecordedOp& op = *n.op;
        const Tensor* gOutPtr = gradOf(op.output.data.get());
        if (!gOutPtr)
            continue;
        const Tensor gOut = Tensor::borrow(op.output.shape, gOutPtr->data()); // stable: map nodes do not move
        switch (op.kind) {
        case RecordedOp::Kind::Add:
        case RecordedOp::Kind::Sub:
        case RecordedOp::Kind::Mul: {
            for (size_t side = 0; side < 2; ++side) {
                const Value& v = op.inputs[side];
                if (!v.isTensor() || !v.data)
                    continue;
                const Value& other = op.inputs[1 - side];
                float sign = op.kind == RecordedOp::Kind::Sub && side == 1 ? -1.0f : 1.0f;
                Tensor& acc = gradFor(v.data.get(), v.data->numel());
                const int64_t total = gOut.numel();
                if (!other.isTensor()) {
                    if (op.kind == RecordedOp::Kind::Mul)
                        sign = static_cast<float>(other.number());
                    for (int64_t k = 0; k < total; ++k)
                        acc[k] += sign * gOut[k];
                    continue;
                }
                const std::vector<int64_t> mine = detail::broadcastIndex(op.output.shape, v.shape);
                if (op.kind == RecordedOp::Kind::Mul) {
                    const std::vector<int64_t> theirs = detail::broadcastIndex(op.output.shape, other.shape);
                    for (int64_t k = 0; k < total; ++k)
                        acc[mine[static_cast<size_t>(k)]] += gOut[k] * (*other.data)[theirs[static_cast<size_t>(k)]];
                } else {
                    for (int64_t k = 0; k < total; ++k)
                        acc[mine[static_cast<size_t>(k)]] += sign * gOut[k];
                }
            }
            break;
        }
        case RecordedOp::Kind::Div: {
            auto acc = [&](const Value& v) { return v.isTensor() && v.data ? &gradFor(v.data.get(), v.data->numel()) : nullptr; };
            Tensor* accA = acc(op.inputs[0]);
            divideBack(op, gOut, accA, acc(op.inputs[1]));
            break;
        }
        case RecordedOp::Kind::MatMul: {
            Tensor* accA = &gradFor(op.inputs[0].data.get(), op.inputs[0].data->numel());
            matmulBack(op, gOut, accA, &gradFor(op.inputs[1].data.get(), op.inputs[1].data->numel()));
            break;
        }
        case RecordedOp::Kind::Pow:
        case RecordedOp::Kind::Sqrt:
        case RecordedOp::Kind::Rsqrt:
        case RecordedOp::Kind::Exp:
        case RecordedOp::Kind::Log:
            elementwiseBack(op, gOut, gradFor(op.inputs[0].data.get(), op.inputs[0].data->numel()));
            break;
        case RecordedOp::Kind::Cat: {
            const Shape& os = op.output.shape;
            const int rank = os.rank();
            const int d = static_cast<int>(op.dim < 0 ? op.dim + rank : op.dim);
            const int64_t outer = os.product(0, d), inner = os.product(d + 1, rank), total = os[d];
            int64_t offset = 0;
            for (const Value& v : op.inputs) {
                const int64_t chunk = v.shape[d] * inner;
                Tensor& acc = gradFor(v.data.get(), v.data->numel());
                for (int64_t o = 0; o < outer; ++o)
                    for (int64_t j = 0; j < chunk; ++j)
                        acc[o * chunk + j] += gOut[o * total * inner + offset + j];
                offset += chunk;
            }
            break;
        }
        case RecordedOp::Kind::Gather:
            scatterBack(op, gOut, gradFor(op.inputs[0].data.get(), op.inputs[0].data->numel()));
            break;
        case RecordedOp::Kind::Max: {
            Tensor& acc = gradFor(op.inputs[0].data.get(), op.inputs[0].data->numel());
            for (size_t o = 0; o < op.picked.size(); ++o) {
                const std::vector<int64_t>& from = op.picked[o];
                const float share = gOut[static_cast<int64_t>(o)] / static_cast<float>(std::max<size_t>(1, from.size()));
                for (int64_t i : from)
                    acc[i] += share;
            }
            break;
        }
        case RecordedOp::Kind::Pick: {
            Tensor& acc = gradFor(op.inputs[0].data.get(), op.inputs[0].data->numel());
            for (size_t o = 0; o < op.source.size(); ++o)
                if (op.source[o] >= 0)
                    acc[op.source[o]] += gOut[static_cast<int64_t>(o)];
            break;
        }
        case RecordedOp::Kind::Sum:
        case RecordedOp::Kind::Mean: {
            const Value& x = op.inputs[0];
            const int rank = x.shape.rank();
            std::vector<bool> reduce(static_cast<size_t>(rank), op.dims.empty());
            for (int64_t dim : op.dims)
                reduce[static_cast<size_t>(dim < 0 ? dim + rank : dim)] = true;
            int64_t count = 1;
            for (int k = 0; k < rank; ++k)
                if (reduce[static_cast<size_t>(k)])
                    count *= x.shape[k];
            const std::vector<int64_t> st = stridesOf(x.shape);
            Tensor& acc = gradFor(x.data.get(), x.data->numel());
            const float scale = op.kind == RecordedOp::Kind::Sum ? 1.0f : 1.0f / static_cast<float>(count);
            for (int64_t idx = 0; idx < x.data->numel(); ++idx) {
                int64_t rem = idx, o = 0;
                for (int k = 0; k < rank; ++k) {
                    const int64_t c = rem / st[static_cast<size_t>(k)];
                    rem %= st[static_cast<size_t>(k)];
                    if (!reduce[static_cast<size_t>(k)])
                        o = o * x.shape[k] + c;
                }
                acc[idx] += gOut[o] * scale;
            }
            break;
        }
        }
    }
    // A parameter read several times (or a shared module's) sums what reached each read.
    for (const auto& [parameter, copy] : m_parameterReads) {
        const Tensor* g = gradOf(copy.get());
        if (!g)
            continue;
        auto it = grads.find(parameter);
        if (it == grads.end())
            it = grads.emplace(parameter, Tensor::zeros(parameter->shape())).first;
        for (int64_t k = 0; k < it->second.numel() && k < g->numel(); ++k)
            it->second[k] += (*g)[k];
    }
    if (!inputGrad)
        return {};
    Tensor gIn = Tensor::zeros(m_input->shape());
    if (const Tensor* g = gradOf(m_input.get()))
        std::copy_n(g->data(), gIn.numel(), gIn.data());
    return gIn;
}

} // namespace ml
