#include "engine/analysis/value.h"

namespace ml::detail {

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
        for (const Value& x : v.elements()) {
            if (!x.isInt())
                return false;
            t.push_back(x.integer());
        }
        out = ArgValue::ofTuple(std::move(t));
        return true;
    }
    default: return false;
    }
}

Value fromArgValue(const ArgValue& a)
{
    switch (a.type) {
    case ArgValue::Type::None: return Value::none();
    case ArgValue::Type::Bool: return Value::ofBool(a.b);
    case ArgValue::Type::Int: return Value::ofInt(a.i);
    case ArgValue::Type::Float: return Value::ofFloat(a.f);
    case ArgValue::Type::Str: return Value::ofStr(a.s);
    case ArgValue::Type::Tuple: {
        std::vector<Value> t;
        for (int64_t x : a.tuple)
            t.push_back(Value::ofInt(x));
        return Value::ofTuple(std::move(t));
    }
    }
    return {};
}

} // namespace ml::detail
