// A parameter as a value of the evaluator (nn.Parameter, model.fc.weight, model.parameters()) and
// its requires_grad, which the module tree keeps per parameter.
#include "engine/python/evaluator.h"

namespace ml::detail {

Value Evaluator::parameterValue(Shape shape, std::shared_ptr<const Tensor> data, const Module* owner, const std::string& name)
{
    Value t = Value::ofTensor(std::move(shape), std::move(data));
    t.s = "parameter";
    t.module = owner;
    t.items = {Value::ofStr(name)};
    return t;
}

Value Evaluator::bufferValue(Shape shape, std::shared_ptr<const Tensor> data, const Module& owner, const std::string& name) const
{
    Value t = Value::ofTensor(std::move(shape), std::move(data));
    if (m_building) {
        t.s = "buffer";
        t.module = &owner;
        t.items = {Value::ofStr(name)};
    }
    return t;
}

std::optional<bool> Evaluator::parameterRequiresGrad(const Value& t)
{
    if (!t.isTensor() || t.s != "parameter")
        return std::nullopt;
    if (t.items.size() != 1)
        return true;
    if (t.module && t.items[0].kind == Value::Kind::Str)
        return t.module->requiresGrad(t.items[0].s);
    return !(t.items[0].kind == Value::Kind::Bool && !t.items[0].b);
}

Value Evaluator::setRequiresGrad(const Value& t, bool requiresGrad, SourceLoc loc)
{
    if (!t.module) { // a parameter not yet held by a module: the value carries it
        Value p = t;
        p.items = {Value::ofBool(requiresGrad)};
        return p;
    }
    if (!m_building)
        notYet(loc, "changing requires_grad inside forward");
    const std::string name = t.items.at(0).s;
    for (Module* place : placesOf(*t.module)) // one PyTorch object however many places hold it
        place->setParameterFrozen(name, !requiresGrad);
    return t;
}

} // namespace ml::detail
