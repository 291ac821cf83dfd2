#include "engine/analysis/value.h"

#include <algorithm>

namespace ml::detail {

namespace {

bool ownsList(const Value& v)
{
    return v.list && v.list.use_count() == 1;
}

bool ownsDict(const Value& v)
{
    return v.dict && v.dict.use_count() == 1;
}

// A list, tuple or dict that holds something.
bool holdsValues(const Value& v)
{
    return !v.items.empty() || (v.list && !v.list->empty()) || (v.dict && !v.dict->entries.empty());
}

// Whether destroying v would destroy a container inside it (the only case that recurses).
bool ownsNested(const Value& v)
{
    if (std::any_of(v.items.begin(), v.items.end(), holdsValues))
        return true;
    if (ownsList(v) && std::any_of(v.list->begin(), v.list->end(), holdsValues))
        return true;
    return ownsDict(v) && std::any_of(v.dict->entries.begin(), v.dict->entries.end(), [](const auto& kv) {
        return holdsValues(kv.first) || holdsValues(kv.second);
    });
}

// Moves what v alone holds into out.
void takeApart(Value& v, std::vector<Value>& out)
{
    for (Value& c : v.items)
        out.push_back(std::move(c));
    v.items.clear();
    if (ownsList(v)) {
        for (Value& c : *v.list)
            out.push_back(std::move(c));
        v.list->clear();
    }
    if (ownsDict(v)) {
        for (auto& kv : v.dict->entries) {
            out.push_back(std::move(kv.first));
            out.push_back(std::move(kv.second));
        }
        v.dict->entries.clear();
    }
}

} // namespace

Value::~Value()
{
    if (items.empty() && !list && !dict)
        return;
    if (!ownsNested(*this))
        return;
    std::vector<Value> pending;
    takeApart(*this, pending);
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        takeApart(v, pending);
    } // v holds nothing any more when it is destroyed here
}

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
