#include "engine/layer.h"

#include "engine/names.h"

#include <cmath>

namespace ml {

int LayerSchema::indexOf(std::string_view argName) const
{
    for (size_t i = 0; i < args.size(); ++i)
        if (args[i].name == argName)
            return static_cast<int>(i);
    return -1;
}

std::unique_ptr<Module> Layer::clone() const
{
    std::unique_ptr<Layer> l = schema().create();
    [[maybe_unused]] auto err = l->setArgs(m_args);
    copyTreeInto(*l);
    return l;
}

const ArgValue& Layer::arg(std::string_view name) const
{
    static const ArgValue none;
    const int i = schema().indexOf(name);
    return i < 0 || static_cast<size_t>(i) >= m_args.size() ? none : m_args[static_cast<size_t>(i)];
}

namespace {

bool accepts(const ArgSpec& spec, const ArgValue& v)
{
    switch (v.type) {
    case ArgValue::Type::None: return spec.accepts & kAcceptNone;
    case ArgValue::Type::Bool: return spec.accepts & kAcceptBool;
    case ArgValue::Type::Int: return spec.accepts & (kAcceptInt | kAcceptFloat);
    case ArgValue::Type::Float: return spec.accepts & kAcceptFloat;
    case ArgValue::Type::Str: return spec.accepts & kAcceptStr;
    case ArgValue::Type::Tuple: return spec.accepts & kAcceptTuple;
    }
    return false;
}

std::string acceptedTypes(const ArgSpec& spec)
{
    std::vector<std::string> names;
    if (spec.accepts & kAcceptInt) names.emplace_back("int");
    if (spec.accepts & kAcceptFloat) names.emplace_back("float");
    if (spec.accepts & kAcceptBool) names.emplace_back("bool");
    if (spec.accepts & kAcceptTuple)
        names.emplace_back(spec.tupleLength ? "tuple of " + std::to_string(spec.tupleLength) + " ints" : "tuple of ints");
    if (spec.accepts & kAcceptStr) {
        std::string s;
        for (auto c : spec.choices)
            s += (s.empty() ? "'" : ", '") + std::string(c) + "'";
        names.emplace_back(s.empty() ? "str" : s);
    }
    if (spec.accepts & kAcceptNone) names.emplace_back("None");
    std::string out;
    for (size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ")) + names[i];
    return out;
}

} // namespace

std::optional<std::string> checkArgType(std::string_view layer, const ArgSpec& spec, const ArgValue& v)
{
    if (!accepts(spec, v))
        return std::string(layer) + ": " + std::string(spec.name) + " must be " + acceptedTypes(spec) + ", got " + v.repr();
    if (v.type == ArgValue::Type::Tuple && spec.tupleLength && static_cast<int>(v.tuple.size()) != spec.tupleLength)
        return std::string(layer) + ": " + std::string(spec.name) + " must have " + std::to_string(spec.tupleLength)
            + " elements, got " + v.repr();
    if (v.type == ArgValue::Type::Str && !spec.choices.empty()) {
        bool found = false;
        for (auto c : spec.choices)
            found = found || c == v.s;
        if (!found)
            return std::string(layer) + ": " + std::string(spec.name) + " must be " + acceptedTypes(spec) + ", got " + v.repr();
    }
    return std::nullopt;
}

std::optional<std::string> Layer::setArgs(std::vector<ArgValue> args)
{
    const LayerSchema& s = schema();
    if (args.size() != s.args.size())
        return std::string(s.typeName) + ": expected " + std::to_string(s.args.size()) + " arguments";
    for (size_t i = 0; i < args.size(); ++i)
        if (auto err = checkArgType(s.typeName, s.args[i], args[i]))
            return err;
    if (auto err = configure(args))
        return err;
    m_args = std::move(args);
    if (!hasTensors())
        dropTensors();
    return std::nullopt;
}

std::optional<std::string> Layer::setArg(std::string_view name, ArgValue value)
{
    const int i = schema().indexOf(name);
    if (i < 0)
        return std::string(schema().typeName) + " has no argument '" + std::string(name) + "'";
    std::vector<ArgValue> args = m_args;
    args[static_cast<size_t>(i)] = std::move(value);
    return setArgs(std::move(args));
}

std::vector<std::pair<std::string_view, const ArgValue*>> Layer::nonDefaultArgs() const
{
    std::vector<std::pair<std::string_view, const ArgValue*>> out;
    const LayerSchema& s = schema();
    for (size_t i = 0; i < s.args.size() && i < m_args.size(); ++i)
        if (s.args[i].required || !(m_args[i] == s.args[i].defaultValue))
            out.emplace_back(s.args[i].name, &m_args[i]);
    return out;
}

int64_t Layer::multAdds(const Shape& in, const Shape&) const
{
    const int64_t params = ownParameterCount(*this);
    if (params == 0 || in.rank() == 0)
        return 0;
    int64_t out = 0;
    return checkedMul(in[0], params, out) ? out : INT64_MAX;
}

void Layer::initTensors(TorchGenerator&)
{
    tensors().clear();
    for (const TensorSpec& s : tensorSpecs())
        tensors().push_back(Tensor::zeros(s.shape));
}

const LayerSchema* findLayerSchema(std::string_view typeName)
{
    for (const LayerSchema* s : layerRegistry())
        if (s->typeName == typeName)
            return s;
    return nullptr;
}

std::variant<std::unique_ptr<Layer>, std::string> createLayer(std::string_view typeName,
                                                               const std::vector<LayerArgument>& callArgs)
{
    const LayerSchema* s = findLayerSchema(typeName);
    if (!s) {
        std::vector<std::string> known;
        for (const LayerSchema* k : layerRegistry())
            known.emplace_back(k->typeName);
        std::string msg = "unknown layer type '" + std::string(typeName) + "'";
        if (auto hint = didYouMean(typeName, known))
            msg += ": did you mean '" + *hint + "'?";
        return msg;
    }
    const std::string who = std::string(s->typeName) + "()";
    std::vector<ArgValue> args(s->args.size());
    std::vector<bool> given(s->args.size(), false);
    size_t positional = 0;
    for (const LayerArgument& a : callArgs) {
        size_t index;
        if (a.name.empty()) {
            if (positional >= s->args.size())
                return who + " takes at most " + std::to_string(s->args.size()) + " arguments but "
                    + std::to_string(positional + 1) + " or more were given";
            index = positional++;
        } else {
            const int i = s->indexOf(a.name);
            if (i < 0) {
                std::vector<std::string> names;
                for (const ArgSpec& spec : s->args)
                    names.emplace_back(spec.name);
                std::string msg = who + " got an unexpected keyword argument '" + a.name + "'";
                if (auto hint = didYouMean(a.name, names))
                    msg += ": did you mean '" + *hint + "'?";
                return msg;
            }
            index = static_cast<size_t>(i);
            if (given[index])
                return who + " got multiple values for argument '" + a.name + "'";
        }
        given[index] = true;
        args[index] = a.value;
    }
    for (size_t i = 0; i < s->args.size(); ++i) {
        if (given[i])
            continue;
        if (s->args[i].required)
            return who + " missing required argument '" + std::string(s->args[i].name) + "'";
        args[i] = s->args[i].defaultValue;
    }
    std::unique_ptr<Layer> layer = s->create();
    if (auto err = layer->setArgs(std::move(args)))
        return *err;
    return layer;
}

std::unique_ptr<Layer> createExampleLayer(std::string_view typeName)
{
    const LayerSchema* s = findLayerSchema(typeName);
    if (!s)
        return nullptr;
    std::vector<LayerArgument> call;
    for (const ArgSpec& a : s->args)
        if (a.required || !a.example.isNone()) // optional arguments with an example: Upsample(scale_factor=2)
            call.push_back({std::string(a.name), a.example});
    auto r = createLayer(typeName, call);
    return std::holds_alternative<std::unique_ptr<Layer>>(r) ? std::move(std::get<std::unique_ptr<Layer>>(r)) : nullptr;
}

} // namespace ml
