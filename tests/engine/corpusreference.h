#pragma once

// A corpus file's PyTorch answers (tests/data/corpus*/reference/NAME.json and .safetensors,
// written by gen_reference.py) and the comparison of a built model with them: repr, every
// node's type, parameters, shapes, calls and mult-adds, the totals, state_dict keys and shapes,
// and for models under 2M parameters the eval forward output with gen_reference.py's weights.
// Used by the corpus test and by the export round trip over the corpus.

#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/module.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cmath>

namespace corpus {

using namespace ml;


inline QJsonObject readJsonFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(path));
    return QJsonDocument::fromJson(f.readAll()).object();
}

// Shapes and other small values as one comparable text: "[1,3,32,32]", "null", "[[1,2],[3]]".
inline std::string text(const JsonValue& v)
{
    if (v.isInt())
        return std::to_string(v.intValue());
    if (v.isArray()) {
        std::string s = "[";
        for (size_t i = 0; i < v.items().size(); ++i)
            s += (i ? "," : "") + text(v.items()[i]);
        return s + "]";
    }
    if (v.isString())
        return v.stringValue();
    return "null";
}

inline std::string text(const QJsonValue& v)
{
    if (v.isDouble())
        return std::to_string(v.toInteger());
    if (v.isArray()) {
        std::string s = "[";
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i)
            s += (i ? "," : "") + text(a[i]);
        return s + "]";
    }
    if (v.isString())
        return v.toString().toStdString();
    return "null";
}

inline std::string text(const Shape& s)
{
    std::string out = "[";
    for (int i = 0; i < s.rank(); ++i)
        out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

// gen_reference.py's fill_value(): the weights both sides run the forward pass with.
inline uint32_t fnv1a(const std::string& s)
{
    uint32_t h = 0x811C9DC5u;
    for (unsigned char c : s)
        h = (h ^ c) * 0x01000193u;
    return h;
}

inline Tensor filledTensor(const std::string& key, const Shape& shape)
{
    Tensor t = Tensor::zeros(shape);
    const std::string last = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
    int64_t fan = 1;
    for (int d = 1; d < shape.rank(); ++d)
        fan *= shape[d];
    const int64_t h = fnv1a(key);
    for (int64_t i = 0; i < t.numel(); ++i) {
        double v = static_cast<double>((i * 7919 + h) % 251) / 251.0 - 0.5;
        if (last == "running_var")
            v = 1.0 + 0.5 * (v + 0.5);
        else if (last == "running_mean" || last == "bias")
            v = 0.1 * v;
        else if (shape.rank() <= 1)
            v = 1.0 + 0.1 * v;
        else
            v = v / std::sqrt(static_cast<double>(std::max<int64_t>(fan, 1)));
        t[i] = static_cast<float>(v);
    }
    return t;
}

struct Entry {
    QString name;
    std::string className, args;
    Shape input;
};

inline Entry entryOf(const QJsonObject& o)
{
    Entry e;
    e.name = o["name"].toString();
    static const QRegularExpression call(R"(^(\w+)\((.*)\)$)");
    const auto m = call.match(o["model"].toString());
    e.className = m.captured(1).toStdString();
    e.args = m.captured(2).toStdString();
    std::vector<int64_t> dims;
    for (const QJsonValue& d : o["input"].toArray())
        dims.push_back(d.toInteger());
    e.input = Shape(dims);
    return e;
}

// The first difference between the engine's summary of an accepted file and PyTorch's.
// withForward false leaves out the forward pass (the numbers of the same forward programs on the
// same tree are checked once, by the corpus test).
inline std::string firstDifference(Module& root, const Entry& e, const Analysis& a, const QJsonObject& ref, const QString& dir,
                                   bool withForward = true)
{
    if (repr(root) != ref["repr"].toString().toStdString())
        return "repr differs:\n" + repr(root) + "\nPyTorch:\n" + ref["repr"].toString().toStdString();
    const JsonValue s = summaryJson(root, e.input, a);
    for (const char* key : {"total_params", "trainable_params", "total_mult_adds", "output_shape"}) {
        const std::string mine = text(*s.find(key)), theirs = text(ref[key]);
        if (mine != theirs)
            return std::string(key) + " " + mine + ", PyTorch " + theirs;
    }
    std::vector<const JsonValue*> nodes;
    for (const JsonValue& n : s.find("nodes")->items())
        if (const JsonValue* r = n.find("registered"); !r || r->boolValue())
            nodes.push_back(&n);
    const QJsonArray refNodes = ref["nodes"].toArray();
    if (nodes.size() != static_cast<size_t>(refNodes.size()))
        return std::to_string(nodes.size()) + " registered nodes, PyTorch " + std::to_string(refNodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        const QJsonObject r = refNodes[static_cast<qsizetype>(i)].toObject();
        for (const char* key : {"path", "type", "params", "input_shape", "output_shape", "calls", "mult_adds"}) {
            const std::string mine = text(*nodes[i]->find(key)), theirs = text(r[key]);
            if (mine != theirs)
                return "node '" + text(r["path"]) + "' " + key + " " + mine + ", PyTorch " + theirs;
        }
    }
    const std::vector<StateEntry> state = stateDict(root);
    const QJsonArray refState = ref["state_dict"].toArray();
    if (state.size() != static_cast<size_t>(refState.size()))
        return std::to_string(state.size()) + " state_dict entries, PyTorch " + std::to_string(refState.size());
    for (size_t i = 0; i < state.size(); ++i) {
        const QJsonArray r = refState[static_cast<qsizetype>(i)].toArray();
        if (state[i].key != r[0].toString().toStdString() || text(state[i].spec.shape) != text(r[1]))
            return "state_dict entry " + state[i].key + " " + text(state[i].spec.shape) + ", PyTorch " + text(r[0]) + " "
                + text(r[1]);
    }
    if (!withForward || !ref["forward"].toBool())
        return {};

    // gen_reference.py builds the model after torch.manual_seed(0) and sets every state_dict
    // entry: the layers of a plain Python list (not in state_dict) keep that first initialisation
    initWeights(root, 0);
    SafeTensors weights;
    for (const StateEntry& se : state)
        weights.tensors.push_back({se.key, se.spec.isInteger ? Tensor::zeros(se.spec.shape) : filledTensor(se.key, se.spec.shape),
                                   se.spec.isInteger ? DType::I64 : DType::F32}); // gen_reference.py zeroes integer buffers
    if (const StateDictReport rep = loadStateDict(root, weights); !rep.loaded)
        return "weights do not load: " + rep.message();
    auto io = readSafeTensors((dir + "/reference/" + e.name + ".safetensors").toStdString());
    if (auto* err = std::get_if<ParseError>(&io))
        qFatal("%s", err->toString().c_str());
    const SafeTensors& st = std::get<SafeTensors>(io);
    const ForwardResult fr = runForward(root, st.find("input")->tensor);
    if (fr.outputs.empty())
        return "forward fails";
    // One tensor under "output", several under "output.0", "output.1", ... as run --output names them.
    if (fr.outputs.size() + 1 != st.tensors.size())
        return "forward returns " + std::to_string(fr.outputs.size()) + " outputs, PyTorch " + std::to_string(st.tensors.size() - 1);
    for (const OutputTensor& out : fr.outputs) {
        const NamedTensor* expected = st.find(out.name);
        if (!expected)
            return "forward output " + out.name + " is not among PyTorch's";
        const Tensor& got = out.tensor;
        if (!(got.shape() == expected->tensor.shape()))
            return "forward " + out.name + " " + got.shape().toString() + ", PyTorch " + expected->tensor.shape().toString();
        double scale = 0.0;
        for (int64_t i = 0; i < got.numel(); ++i)
            scale = std::max(scale, std::fabs(static_cast<double>(expected->tensor[i])));
        for (int64_t i = 0; i < got.numel(); ++i) {
            const double d = std::fabs(static_cast<double>(got[i]) - expected->tensor[i]);
            if (!(d <= 1e-4 * (1.0 + scale)))
                return "forward " + out.name + "[" + std::to_string(i) + "] " + std::to_string(got[i]) + ", PyTorch "
                    + std::to_string(expected->tensor[i]);
        }
    }
    return {};
}

} // namespace corpus
