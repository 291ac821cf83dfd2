// Python's builtin functions, math.* and the methods of str, list and dict.
#include "engine/python/evaluator.h"

#include "engine/argvalue.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <numeric>

namespace ml::detail {

namespace {

int64_t toIntChecked(double x, Evaluator& e, SourceLoc loc)
{
    if (std::isnan(x))
        e.fail(loc, "ValueError: cannot convert float NaN to integer");
    if (std::isinf(x))
        e.fail(loc, "OverflowError: cannot convert float infinity to integer");
    if (std::fabs(x) >= 9.2e18)
        e.notYet(loc, "integers beyond 64 bits");
    return static_cast<int64_t>(x);
}

// Rounds the decimal digit string `digits` (no sign) at its last `drop` digits, half to even;
// `inexactBelow` says the value has more (nonzero) digits after those, which breaks a tie
// upwards. Returns the kept digits (possibly one longer) followed by `drop` zeros.
std::string roundDecimalDigits(std::string digits, size_t drop, bool inexactBelow)
{
    if (digits.size() < drop + 1)
        digits.insert(0, drop + 1 - digits.size(), '0');
    const size_t keep = digits.size() - drop;
    const std::string lower = digits.substr(keep);
    const std::string half = drop ? "5" + std::string(drop - 1, '0') : "";
    bool up = false;
    if (drop) {
        const int c = lower.compare(half);
        up = c > 0 || (c == 0 && (inexactBelow || (digits[keep - 1] - '0') % 2 == 1));
    }
    std::string kept = digits.substr(0, keep);
    for (size_t i = kept.size(); up && i-- > 0;) {
        if (kept[i] == '9') {
            kept[i] = '0';
            if (i == 0)
                kept.insert(0, 1, '1');
        } else {
            ++kept[i];
            up = false;
        }
    }
    return kept + std::string(drop, '0');
}

// Python's round(x, ndigits) for a float: x's exact binary value rounded at 10^-ndigits, ties
// to even, then the nearest double (CPython rounds the exact value with dtoa; scaling by a
// power of ten first would round 2.675 to 2.68 where Python gives 2.67).
double roundHalfEven(double x, int ndigits)
{
    if (!std::isfinite(x) || ndigits > 323)
        return x;
    if (ndigits < -308)
        return 0.0 * x;
    if (ndigits >= 0) { // printf rounds the exact value to nearest, ties to even
        std::vector<char> buf(static_cast<size_t>(std::snprintf(nullptr, 0, "%.*f", ndigits, x)) + 1);
        std::snprintf(buf.data(), buf.size(), "%.*f", ndigits, x);
        return std::strtod(buf.data(), nullptr);
    }
    const double whole = std::trunc(std::fabs(x));
    std::vector<char> buf(static_cast<size_t>(std::snprintf(nullptr, 0, "%.0f", whole)) + 1);
    std::snprintf(buf.data(), buf.size(), "%.0f", whole); // exact: whole is an integer
    const std::string r = roundDecimalDigits(buf.data(), static_cast<size_t>(-ndigits), whole != std::fabs(x));
    return std::copysign(std::strtod(r.c_str(), nullptr), x);
}

// Python's round(n, ndigits) for an int: n itself for ndigits >= 0, else n rounded at
// 10^-ndigits, ties to even.
int64_t roundIntHalfEven(int64_t n, int64_t ndigits, Evaluator& e, SourceLoc loc)
{
    if (ndigits >= 0 || n == 0)
        return n;
    const std::string magnitude = std::to_string(n).substr(n < 0 ? 1 : 0);
    const std::string r = roundDecimalDigits(magnitude, static_cast<size_t>(std::min<int64_t>(-ndigits, 400)), false);
    const size_t firstNonZero = r.find_first_not_of('0');
    if (firstNonZero == std::string::npos)
        return 0;
    const std::string trimmed = r.substr(firstNonZero);
    if (trimmed.size() > 19 || (trimmed.size() == 19 && trimmed > "9223372036854775807"))
        e.notYet(loc, "integers beyond 64 bits (round(" + std::to_string(n) + ", " + std::to_string(ndigits) + "))");
    const int64_t v = std::stoll(trimmed);
    return n < 0 ? -v : v;
}

} // namespace

// One call of a builtin: the evaluator, the call's arguments and where it is written. Every
// builtin is one member function; builtinTable() names them all.
struct BuiltinCall {
    Evaluator& ev;
    const std::string& name;
    Evaluator::Args& args;
    Evaluator::Kwargs& kwargs;
    SourceLoc loc;
    Evaluator::Frame& f;

    void need(size_t lo, size_t hi) const
    {
        if (args.size() < lo || args.size() > hi)
            fail(loc, "TypeError: " + name + "() takes " + (lo == hi ? std::to_string(lo) : "from " + std::to_string(lo) + " to " + std::to_string(hi))
                          + " positional argument" + (hi == 1 ? "" : "s") + " but " + std::to_string(args.size()) + " were given");
    }
    const Value* kwarg(std::string_view key) const
    {
        for (const auto& [k, v] : kwargs)
            if (k == key)
                return &v;
        return nullptr;
    }
    int64_t intArg(const Value& v) const
    {
        if (!v.isInt())
            fail(loc, "TypeError: '" + typeNameOf(v) + "' object cannot be interpreted as an integer");
        return v.integer();
    }

    // the evaluator's Python semantics
    [[noreturn]] void fail(SourceLoc at, std::string message) const { ev.fail(at, std::move(message)); }
    [[noreturn]] void notYet(SourceLoc at, const std::string& what) const { ev.notYet(at, what); }
    std::vector<Value> iterate(const Value& v, SourceLoc at) const { return ev.iterate(v, at); }
    bool truthy(const Value& v, SourceLoc at) const { return ev.truthy(v, at); }
    bool equal(const Value& a, const Value& b) const { return ev.equal(a, b); }
    bool less(const Value& a, const Value& b, SourceLoc at) const { return ev.less(a, b, at); }
    std::string str(const Value& v) const { return ev.str(v); }
    std::string repr(const Value& v) const { return ev.repr(v); }
    std::string formatValue(const Value& v, const std::string& spec, SourceLoc at) const { return ev.formatValue(v, spec, at); }
    Value binary(const std::string& op, const Value& a, const Value& b, SourceLoc at) const { return ev.binary(op, a, b, at); }
    Value call(const Value& callee, Evaluator::Args a, Evaluator::Kwargs k, SourceLoc at, Evaluator::Frame& frame) const
    {
        return ev.call(callee, std::move(a), std::move(k), at, frame);
    }
    Value getAttr(const Value& obj, const std::string& attr, SourceLoc at, Evaluator::Frame& frame) const
    {
        return ev.getAttr(obj, attr, at, frame);
    }
    void setAttr(const Value& obj, const std::string& attr, Value v, SourceLoc at, Evaluator::Frame& frame) const
    {
        ev.setAttr(obj, attr, std::move(v), at, frame);
    }

    Value builtinPrint(); // print
    Value builtinLen(); // len
    Value builtinRange(); // range
    Value builtinEnumerate(); // enumerate
    Value builtinZip(); // zip
    Value builtinReversed(); // reversed
    Value builtinList(); // list, tuple, set
    Value builtinDict(); // dict
    Value builtinInt(); // int
    Value builtinFloat(); // float
    Value builtinBool(); // bool
    Value builtinStr(); // str, repr
    Value builtinFormat(); // format
    Value builtinRound(); // round
    Value builtinAbs(); // abs
    Value builtinMin(); // min, max
    Value builtinSum(); // sum
    Value builtinDivmod(); // divmod
    Value builtinPow(); // pow
    Value builtinSorted(); // sorted
    Value builtinAny(); // any, all
    Value builtinMap(); // map, filter
    Value builtinIter(); // iter
    Value builtinIsinstance(); // isinstance, issubclass
    Value builtinHasattr(); // hasattr, getattr
    Value builtinSetattr(); // setattr
    Value builtinSuper(); // super
    Value builtinType(); // type
    Value builtinCallable(); // callable
    Value builtinNext(); // next
    Value builtinImport(); // __import__
    Value builtinChr(); // chr
    Value builtinOrd(); // ord
    Value builtinIntBase(); // hex, oct, bin
    Value exceptionValue(); // NotImplementedError, ValueError, TypeError, RuntimeError, Exception, KeyError, IndexError, AssertionError, AttributeError, ZeroDivisionError, ImportError, StopIteration, OverflowError, Warning, UserWarning, DeprecationWarning, FutureWarning, RuntimeWarning
};

namespace {

using BuiltinHandler = Value (BuiltinCall::*)();

// Every builtin name the evaluator knows, with the function that calls it (nullptr: a name that
// is a value only, such as object or Ellipsis). The one definition of Python's builtins in ModuleLab.
const std::map<std::string, BuiltinHandler, std::less<>>& builtinTable()
{
    static const std::map<std::string, BuiltinHandler, std::less<>> table = {
        {"print", &BuiltinCall::builtinPrint},
        {"len", &BuiltinCall::builtinLen},
        {"range", &BuiltinCall::builtinRange},
        {"enumerate", &BuiltinCall::builtinEnumerate},
        {"zip", &BuiltinCall::builtinZip},
        {"reversed", &BuiltinCall::builtinReversed},
        {"list", &BuiltinCall::builtinList},
        {"tuple", &BuiltinCall::builtinList},
        {"set", &BuiltinCall::builtinList},
        {"dict", &BuiltinCall::builtinDict},
        {"int", &BuiltinCall::builtinInt},
        {"float", &BuiltinCall::builtinFloat},
        {"bool", &BuiltinCall::builtinBool},
        {"str", &BuiltinCall::builtinStr},
        {"repr", &BuiltinCall::builtinStr},
        {"format", &BuiltinCall::builtinFormat},
        {"round", &BuiltinCall::builtinRound},
        {"abs", &BuiltinCall::builtinAbs},
        {"min", &BuiltinCall::builtinMin},
        {"max", &BuiltinCall::builtinMin},
        {"sum", &BuiltinCall::builtinSum},
        {"divmod", &BuiltinCall::builtinDivmod},
        {"pow", &BuiltinCall::builtinPow},
        {"sorted", &BuiltinCall::builtinSorted},
        {"any", &BuiltinCall::builtinAny},
        {"all", &BuiltinCall::builtinAny},
        {"map", &BuiltinCall::builtinMap},
        {"filter", &BuiltinCall::builtinMap},
        {"iter", &BuiltinCall::builtinIter},
        {"isinstance", &BuiltinCall::builtinIsinstance},
        {"issubclass", &BuiltinCall::builtinIsinstance},
        {"hasattr", &BuiltinCall::builtinHasattr},
        {"getattr", &BuiltinCall::builtinHasattr},
        {"setattr", &BuiltinCall::builtinSetattr},
        {"super", &BuiltinCall::builtinSuper},
        {"type", &BuiltinCall::builtinType},
        {"callable", &BuiltinCall::builtinCallable},
        {"next", &BuiltinCall::builtinNext},
        {"__import__", &BuiltinCall::builtinImport},
        {"chr", &BuiltinCall::builtinChr},
        {"ord", &BuiltinCall::builtinOrd},
        {"hex", &BuiltinCall::builtinIntBase},
        {"oct", &BuiltinCall::builtinIntBase},
        {"bin", &BuiltinCall::builtinIntBase},
        {"NotImplementedError", &BuiltinCall::exceptionValue},
        {"ValueError", &BuiltinCall::exceptionValue},
        {"TypeError", &BuiltinCall::exceptionValue},
        {"RuntimeError", &BuiltinCall::exceptionValue},
        {"Exception", &BuiltinCall::exceptionValue},
        {"KeyError", &BuiltinCall::exceptionValue},
        {"IndexError", &BuiltinCall::exceptionValue},
        {"AssertionError", &BuiltinCall::exceptionValue},
        {"AttributeError", &BuiltinCall::exceptionValue},
        {"ZeroDivisionError", &BuiltinCall::exceptionValue},
        {"ImportError", &BuiltinCall::exceptionValue},
        {"StopIteration", &BuiltinCall::exceptionValue},
        {"OverflowError", &BuiltinCall::exceptionValue},
        {"Warning", &BuiltinCall::exceptionValue},
        {"UserWarning", &BuiltinCall::exceptionValue},
        {"DeprecationWarning", &BuiltinCall::exceptionValue},
        {"FutureWarning", &BuiltinCall::exceptionValue},
        {"RuntimeWarning", &BuiltinCall::exceptionValue},
        {"object", nullptr},
        {"Ellipsis", nullptr},
        {"NotImplemented", nullptr},
        {"id", nullptr},
    };
    return table;
}

} // namespace

Value BuiltinCall::builtinPrint()
{
    return Value::none();
}

Value BuiltinCall::builtinLen()
{
    need(1, 1);
    const Value& v = args[0];
    switch (v.kind) {
    case Value::Kind::Str: return Value::ofInt(static_cast<int64_t>(v.s.size()));
    case Value::Kind::List:
    case Value::Kind::Tuple: return Value::ofInt(static_cast<int64_t>(v.elements().size()));
    case Value::Kind::Dict: return Value::ofInt(static_cast<int64_t>(v.dict->entries.size()));
    case Value::Kind::Range: return Value::ofInt(static_cast<int64_t>(iterate(v, loc).size()));
    case Value::Kind::Module:
        if (v.module->kind() != ModuleKind::Custom && v.module->kind() != ModuleKind::Layer)
            return Value::ofInt(v.module->childCount());
        break;
    case Value::Kind::Tensor:
        if (v.shape.rank() > 0)
            return Value::ofInt(v.shape[0]);
        fail(loc, "TypeError: len() of a 0-d tensor");
    default: break;
    }
    fail(loc, "TypeError: object of type '" + typeNameOf(v) + "' has no len()");
}

Value BuiltinCall::builtinRange()
{
    need(1, 3);
    Value r;
    r.kind = Value::Kind::Range;
    int64_t start = 0, stop = 0, stepBy = 1;
    if (args.size() == 1)
        stop = intArg(args[0]);
    else {
        start = intArg(args[0]);
        stop = intArg(args[1]);
        if (args.size() == 3)
            stepBy = intArg(args[2]);
    }
    if (stepBy == 0)
        fail(loc, "ValueError: range() arg 3 must not be zero");
    r.items = {Value::ofInt(start), Value::ofInt(stop), Value::ofInt(stepBy)};
    return r;
}

Value BuiltinCall::builtinEnumerate()
{
    need(1, 2);
    int64_t start = args.size() > 1 ? intArg(args[1]) : kwarg("start") ? intArg(*kwarg("start")) : 0;
    std::vector<Value> out;
    for (Value& v : iterate(args[0], loc))
        out.push_back(Value::ofTuple({Value::ofInt(start++), std::move(v)}));
    return Value::ofList(std::move(out));
}

Value BuiltinCall::builtinZip()
{
    std::vector<std::vector<Value>> seqs;
    size_t n = SIZE_MAX;
    for (const Value& a : args) {
        seqs.push_back(iterate(a, loc));
        n = std::min(n, seqs.back().size());
    }
    if (seqs.empty())
        n = 0;
    std::vector<Value> out;
    for (size_t k = 0; k < n; ++k) {
        std::vector<Value> t;
        for (auto& s : seqs)
            t.push_back(s[k]);
        out.push_back(Value::ofTuple(std::move(t)));
    }
    return Value::ofList(std::move(out));
}

Value BuiltinCall::builtinReversed()
{
    need(1, 1);
    if (args[0].kind == Value::Kind::Dict || args[0].kind == Value::Kind::Str || args[0].isSequence() || args[0].kind == Value::Kind::Range
        || (args[0].kind == Value::Kind::Module && args[0].module->kind() != ModuleKind::Custom && args[0].module->kind() != ModuleKind::ModuleDict)) {
        std::vector<Value> items = iterate(args[0], loc);
        std::reverse(items.begin(), items.end());
        return Value::ofList(std::move(items));
    }
    fail(loc, "TypeError: '" + typeNameOf(args[0]) + "' object is not reversible");
}

Value BuiltinCall::builtinList()
{
    need(0, 1);
    std::vector<Value> items = args.empty() ? std::vector<Value>{} : iterate(args[0], loc);
    if (name == "set") {
        std::vector<Value> unique;
        for (Value& v : items)
            if (std::none_of(unique.begin(), unique.end(), [&](const Value& u) { return equal(u, v); }))
                unique.push_back(std::move(v));
        items = std::move(unique);
    }
    return Value::ofSequence(name == "tuple" ? Value::Kind::Tuple : Value::Kind::List, std::move(items));
}

Value BuiltinCall::builtinDict()
{
    Value d;
    d.kind = Value::Kind::Dict;
    d.dict = std::make_shared<DictData>();
    if (!args.empty()) {
        if (args[0].kind == Value::Kind::Dict)
            d.dict->entries = args[0].dict->entries;
        else
            for (const Value& pair : iterate(args[0], loc)) {
                std::vector<Value> kv = iterate(pair, loc);
                if (kv.size() != 2)
                    fail(loc, "ValueError: dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
                auto same = std::find_if(d.dict->entries.begin(), d.dict->entries.end(), [&](const auto& e) { return equal(e.first, kv[0]); });
                if (same != d.dict->entries.end())
                    same->second = kv[1]; // a repeated key keeps its place, the later value wins
                else
                    d.dict->entries.emplace_back(kv[0], kv[1]);
            }
    }
    for (auto& [k, v] : kwargs) {
        auto same = std::find_if(d.dict->entries.begin(), d.dict->entries.end(), [&](const auto& e) { return equal(e.first, Value::ofStr(k)); });
        if (same != d.dict->entries.end())
            same->second = v;
        else
            d.dict->entries.emplace_back(Value::ofStr(k), v);
    }
    return d;
}

Value BuiltinCall::builtinInt()
{
    need(0, 2);
    if (args.empty())
        return Value::ofInt(0);
    const Value& v = args[0];
    if (v.isInt())
        return Value::ofInt(v.integer());
    if (v.kind == Value::Kind::Float)
        return Value::ofInt(toIntChecked(std::trunc(v.f), ev, loc));
    if (v.kind == Value::Kind::Str) {
        try {
            size_t used = 0;
            const long long x = std::stoll(v.s, &used, args.size() > 1 ? static_cast<int>(intArg(args[1])) : 10);
            if (used == v.s.size())
                return Value::ofInt(x);
        } catch (...) {
        }
        fail(loc, "ValueError: invalid literal for int() with base 10: " + repr(v));
    }
    if (v.isTensor())
        notYet(loc, "int() of a tensor");
    fail(loc, "TypeError: int() argument must be a string or a number, not '" + typeNameOf(v) + "'");
}

Value BuiltinCall::builtinFloat()
{
    need(0, 1);
    if (args.empty())
        return Value::ofFloat(0);
    const Value& v = args[0];
    if (v.isNumber())
        return Value::ofFloat(v.number());
    if (v.kind == Value::Kind::Str) {
        std::string t = v.s;
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (t == "inf" || t == "+inf" || t == "infinity")
            return Value::ofFloat(INFINITY);
        if (t == "-inf" || t == "-infinity")
            return Value::ofFloat(-INFINITY);
        if (t == "nan")
            return Value::ofFloat(NAN);
        try {
            size_t used = 0;
            const double x = std::stod(v.s, &used);
            if (used == v.s.size())
                return Value::ofFloat(x);
        } catch (...) {
        }
        fail(loc, "ValueError: could not convert string to float: " + repr(v));
    }
    fail(loc, "TypeError: float() argument must be a string or a number, not '" + typeNameOf(v) + "'");
}

Value BuiltinCall::builtinBool()
{
    need(0, 1);
    return Value::ofBool(!args.empty() && truthy(args[0], loc));
}

Value BuiltinCall::builtinStr()
{
    need(0, 1);
    if (args.empty())
        return Value::ofStr("");
    return Value::ofStr(name == "str" ? str(args[0]) : repr(args[0]));
}

Value BuiltinCall::builtinFormat()
{
    need(1, 2);
    return Value::ofStr(formatValue(args[0], args.size() > 1 ? str(args[1]) : std::string(), loc));
}

Value BuiltinCall::builtinRound()
{
    need(1, 2);
    if (!args[0].isNumber())
        fail(loc, "TypeError: type " + typeNameOf(args[0]) + " doesn't define __round__ method");
    if (args.size() == 2 && args[1].kind != Value::Kind::None) {
        const int64_t digits = intArg(args[1]);
        if (args[0].isInt())
            return Value::ofInt(roundIntHalfEven(args[0].integer(), digits, ev, loc));
        return Value::ofFloat(roundHalfEven(args[0].f, static_cast<int>(std::clamp<int64_t>(digits, -400, 400))));
    }
    if (args[0].isInt())
        return Value::ofInt(args[0].integer());
    return Value::ofInt(toIntChecked(std::nearbyint(args[0].f), ev, loc));
}

Value BuiltinCall::builtinAbs()
{
    need(1, 1);
    if (args[0].isInt()) {
        if (args[0].integer() == INT64_MIN)
            notYet(loc, "integers beyond 64 bits");
        return Value::ofInt(std::llabs(args[0].integer()));
    }
    if (args[0].kind == Value::Kind::Float)
        return Value::ofFloat(std::fabs(args[0].f));
    fail(loc, "TypeError: bad operand type for abs(): '" + typeNameOf(args[0]) + "'");
}

Value BuiltinCall::builtinMin()
{
    if (args.empty())
        fail(loc, "TypeError: " + name + " expected at least 1 argument, got 0");
    std::vector<Value> items = args.size() == 1 ? iterate(args[0], loc) : args;
    if (items.empty()) {
        if (const Value* d = kwarg("default"))
            return *d;
        fail(loc, "ValueError: " + name + "() arg is an empty sequence");
    }
    const Value* keyFn = kwarg("key");
    auto key = [&](const Value& v) { return keyFn ? call(*keyFn, {v}, {}, loc, f) : v; };
    size_t best = 0;
    Value bestKey = key(items[0]);
    for (size_t k = 1; k < items.size(); ++k) {
        Value kk = key(items[k]);
        if (name == "min" ? less(kk, bestKey, loc) : less(bestKey, kk, loc)) {
            best = k;
            bestKey = kk;
        }
    }
    return items[best];
}

Value BuiltinCall::builtinSum()
{
    need(1, 2);
    Value acc = args.size() > 1 ? args[1] : kwarg("start") ? *kwarg("start") : Value::ofInt(0);
    for (const Value& v : iterate(args[0], loc))
        acc = binary("+", acc, v, loc);
    return acc;
}

Value BuiltinCall::builtinDivmod()
{
    need(2, 2);
    return Value::ofTuple({binary("//", args[0], args[1], loc), binary("%", args[0], args[1], loc)});
}

Value BuiltinCall::builtinPow()
{
    need(2, 2);
    return binary("**", args[0], args[1], loc);
}

Value BuiltinCall::builtinSorted()
{
    need(1, 1);
    std::vector<Value> items = iterate(args[0], loc);
    const Value* keyFn = kwarg("key");
    const Value* rev = kwarg("reverse");
    std::vector<std::pair<Value, Value>> keyed;
    for (Value& v : items)
        keyed.emplace_back(keyFn ? call(*keyFn, {v}, {}, loc, f) : v, v);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) { return less(a.first, b.first, loc); });
    if (rev && truthy(*rev, loc))
        std::reverse(keyed.begin(), keyed.end());
    std::vector<Value> out;
    for (auto& kv : keyed)
        out.push_back(std::move(kv.second));
    return Value::ofList(std::move(out));
}

Value BuiltinCall::builtinAny()
{
    need(1, 1);
    for (const Value& v : iterate(args[0], loc))
        if (truthy(v, loc) == (name == "any"))
            return Value::ofBool(name == "any");
    return Value::ofBool(name == "all");
}

Value BuiltinCall::builtinMap()
{
    need(2, 2);
    std::vector<Value> out;
    for (Value& v : iterate(args[1], loc)) {
        if (name == "map")
            out.push_back(call(args[0], {v}, {}, loc, f));
        else if (args[0].kind == Value::Kind::None ? truthy(v, loc) : truthy(call(args[0], {v}, {}, loc, f), loc))
            out.push_back(v);
    }
    return Value::ofList(std::move(out));
}

Value BuiltinCall::builtinIter()
{
    need(1, 1);
    return Value::ofList(iterate(args[0], loc));
}

Value BuiltinCall::builtinIsinstance()
{
    need(2, 2);
    std::vector<Value> types = args[1].kind == Value::Kind::Tuple ? args[1].items : std::vector<Value>{args[1]};
    const Value& v = args[0];
    for (const Value& t : types) {
        if (t.kind == Value::Kind::Builtin) {
            const std::string& tn = t.s;
            if ((tn == "int" && v.kind == Value::Kind::Int) || (tn == "int" && v.kind == Value::Kind::Bool) || (tn == "float" && v.kind == Value::Kind::Float)
                || (tn == "bool" && v.kind == Value::Kind::Bool) || (tn == "str" && v.kind == Value::Kind::Str)
                || (tn == "list" && v.kind == Value::Kind::List) || (tn == "tuple" && v.kind == Value::Kind::Tuple)
                || (tn == "dict" && v.kind == Value::Kind::Dict) || tn == "object")
                return Value::ofBool(true);
            if (v.kind == Value::Kind::Module) {
                if (tn == "torch.nn.Module")
                    return Value::ofBool(true);
                const std::string type = tn.rfind("torch.nn.", 0) == 0 ? tn.substr(9) : std::string();
                if (!type.empty() && v.module->kind() != ModuleKind::Custom && v.module->typeName() == type)
                    return Value::ofBool(true);
            }
            if (v.isTensor() && (tn == "torch.Tensor" || tn == "torch.nn.Parameter"))
                return Value::ofBool(true);
        } else if (t.kind == Value::Kind::Class && v.kind == Value::Kind::Module) {
            if (auto it = ev.m_instances.find(v.module); it != ev.m_instances.end() && it->second.cls->derivesFrom(t.cls.get()))
                return Value::ofBool(true);
        } else if (t.kind == Value::Kind::Class && v.kind == Value::Kind::Class) {
            if (v.cls->derivesFrom(t.cls.get()))
                return Value::ofBool(true);
        }
    }
    return Value::ofBool(false);
}

Value BuiltinCall::builtinHasattr()
{
    need(2, 3);
    if (args[1].kind != Value::Kind::Str)
        fail(loc, "TypeError: attribute name must be string");
    try {
        Value v = getAttr(args[0], args[1].s, loc, f);
        if (v.kind == Value::Kind::Method && !v.fn && args[0].kind != Value::Kind::Module && args[0].kind != Value::Kind::Tensor)
            throw EvalError{loc, "AttributeError", ErrorKind::Python, {}};
        return name == "hasattr" ? Value::ofBool(true) : v;
    } catch (const EvalError& e) {
        if (e.message.rfind("AttributeError", 0) != 0)
            throw;
        if (name == "hasattr")
            return Value::ofBool(false);
        if (args.size() == 3)
            return args[2];
        throw;
    }
}

Value BuiltinCall::builtinSetattr()
{
    need(3, 3);
    if (args[1].kind != Value::Kind::Str)
        fail(loc, "TypeError: attribute name must be string");
    setAttr(args[0], args[1].s, args[2], loc, f);
    return Value::none();
}

Value BuiltinCall::builtinSuper()
{
    if (!f.cls || f.self.kind == Value::Kind::None) {
        if (args.size() == 2) {
            Value s;
            s.kind = Value::Kind::Method;
            s.s = "super";
            s.items = {args[1]};
            s.cls = args[0].cls;
            return s;
        }
        if (!(args.empty() && f.self.kind == Value::Kind::Module))
            fail(loc, "RuntimeError: super(): no arguments");
    }
    Value s;
    s.kind = Value::Kind::Method;
    s.s = "super";
    s.items = {args.size() == 2 ? args[1] : f.self};
    s.cls = args.size() == 2 && args[0].kind == Value::Kind::Class ? args[0].cls : f.cls;
    return s;
}

Value BuiltinCall::builtinType()
{
    need(1, 1);
    if (args[0].kind == Value::Kind::Module)
        if (auto it = ev.m_instances.find(args[0].module); it != ev.m_instances.end()) {
            Value c;
            c.kind = Value::Kind::Class;
            c.cls = it->second.cls;
            return c;
        }
    return Value::ofBuiltin(args[0].kind == Value::Kind::Module ? "torch.nn." + args[0].module->typeName() : typeNameOf(args[0]));
}

Value BuiltinCall::builtinCallable()
{
    need(1, 1);
    const auto k = args[0].kind;
    return Value::ofBool(k == Value::Kind::Builtin || k == Value::Kind::Function || k == Value::Kind::Method || k == Value::Kind::Class
                         || k == Value::Kind::Module || k == Value::Kind::Partial);
}

Value BuiltinCall::builtinNext()
{
    need(1, 2);
    std::vector<Value> items = iterate(args[0], loc);
    if (items.empty()) {
        if (args.size() > 1)
            return args[1];
        fail(loc, "StopIteration");
    }
    return items[0];
}

// __import__(name, globals=None, locals=None, fromlist=(), level=0): the package NAME starts
// with, or NAME itself when fromlist names something (what an import inside a function runs).
Value BuiltinCall::builtinImport()
{
    need(1, 5);
    if (args[0].kind != Value::Kind::Str)
        fail(loc, "TypeError: __import__() argument 1 must be str, not " + typeNameOf(args[0]));
    const std::string& module = args[0].s;
    if (module.empty() || module[0] == '.')
        notYet(loc, "relative imports inside a function");
    const Value* from = kwarg("fromlist");
    const bool named = (from && truthy(*from, loc)) || (args.size() > 3 && truthy(args[3], loc));
    return Evaluator::importValue(named ? module : module.substr(0, module.find('.')));
}

Value BuiltinCall::builtinChr()
{
    need(1, 1);
    const int64_t c = intArg(args[0]);
    if (c < 0 || c > 0x10FFFF)
        fail(loc, "ValueError: chr() arg not in range(0x110000)");
    if (c > 127)
        notYet(loc, "characters outside ASCII (chr(" + std::to_string(c) + "))");
    return Value::ofStr(std::string(1, static_cast<char>(c)));
}

Value BuiltinCall::builtinOrd()
{
    need(1, 1);
    if (args[0].kind != Value::Kind::Str)
        fail(loc, "TypeError: ord() expected string of length 1, but " + typeNameOf(args[0]) + " found");
    if (args[0].s.size() != 1)
        fail(loc, "TypeError: ord() expected a character, but string of length " + std::to_string(args[0].s.size()) + " found");
    const auto c = static_cast<unsigned char>(args[0].s[0]);
    if (c > 127)
        notYet(loc, "characters outside ASCII in ord()");
    return Value::ofInt(c);
}

// hex(n), oct(n), bin(n): n in base 16, 8 or 2 with Python's prefix and sign.
Value BuiltinCall::builtinIntBase()
{
    need(1, 1);
    if (!args[0].isInt())
        fail(loc, "TypeError: '" + typeNameOf(args[0]) + "' object cannot be interpreted as an integer");
    const int64_t n = args[0].integer();
    const unsigned base = name == "hex" ? 16 : name == "oct" ? 8 : 2;
    uint64_t m = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    std::string digits;
    do {
        digits.insert(digits.begin(), "0123456789abcdef"[m % base]);
        m /= base;
    } while (m);
    return Value::ofStr(std::string(n < 0 ? "-" : "") + (base == 16 ? "0x" : base == 8 ? "0o" : "0b") + digits);
}

Value BuiltinCall::exceptionValue()
{
    return Value::ofStr(name + (args.empty() ? std::string() : ": " + str(args[0])));
}

bool Evaluator::isBuiltinName(const std::string& name)
{
    return builtinTable().count(name) > 0;
}

bool Evaluator::isPythonBuiltinName(const std::string& name)
{
    // Python 3's builtins (dir(builtins), exceptions and warnings aside)
    static const std::set<std::string, std::less<>> names = {
        "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr",
        "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval",
        "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id",
        "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max", "memoryview",
        "min", "next", "object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "repr", "reversed",
        "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip",
        "__import__", "__build_class__", "__debug__", "NotImplemented", "Ellipsis", "BaseException", "ArithmeticError",
        "BufferError", "EOFError", "FileNotFoundError", "FloatingPointError", "GeneratorExit", "IOError", "KeyboardInterrupt",
        "LookupError", "MemoryError", "ModuleNotFoundError", "NameError", "OSError", "PermissionError", "RecursionError",
        "ReferenceError", "StopAsyncIteration", "SyntaxError", "SystemError", "SystemExit", "UnboundLocalError",
        "UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError", "EnvironmentError", "TimeoutError",
        "BytesWarning", "ImportWarning", "PendingDeprecationWarning", "ResourceWarning", "SyntaxWarning", "UnicodeWarning",
    };
    return names.count(name) > 0;
}

bool Evaluator::isPythonMethod(const Value& receiver, const std::string& name)
{
    // the methods CPython's str, list, tuple, dict, int and float have
    static const std::set<std::string, std::less<>> strMethods = {
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
        "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill"};
    static const std::set<std::string, std::less<>> listMethods = {"append", "clear", "copy", "count", "extend", "index",
                                                                   "insert", "pop", "remove", "reverse", "sort"};
    static const std::set<std::string, std::less<>> dictMethods = {"clear", "copy", "fromkeys", "get", "items", "keys", "pop",
                                                                   "popitem", "setdefault", "update", "values"};
    static const std::set<std::string, std::less<>> numberMethods = {"as_integer_ratio", "bit_count", "bit_length", "conjugate",
                                                                     "denominator", "from_bytes", "fromhex", "hex", "imag",
                                                                     "is_integer", "numerator", "real", "to_bytes"};
    switch (receiver.kind) {
    case Value::Kind::Str: return strMethods.count(name) > 0;
    case Value::Kind::List: return listMethods.count(name) > 0;
    case Value::Kind::Tuple: return name == "count" || name == "index";
    case Value::Kind::Dict: return dictMethods.count(name) > 0;
    case Value::Kind::Int:
    case Value::Kind::Float:
    case Value::Kind::Bool: return numberMethods.count(name) > 0;
    default: return false;
    }
}

Value Evaluator::callBuiltin(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f)
{
    const auto it = builtinTable().find(name);
    if (it == builtinTable().end() || !it->second)
        notYet(loc, "the builtin '" + name + "'");
    BuiltinCall c{*this, name, args, kwargs, loc, f};
    return (c.*(it->second))();
}

Value Evaluator::callMethod(const Value& r, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f)
{
    auto need = [&](size_t lo, size_t hi) {
        if (args.size() < lo || args.size() > hi)
            fail(loc, "TypeError: " + name + "() takes " + std::to_string(hi) + " argument" + (hi == 1 ? "" : "s") + " ("
                          + std::to_string(args.size()) + " given)");
    };
    switch (r.kind) {
    case Value::Kind::Module: return moduleMethod(r, name, std::move(args), std::move(kwargs), loc, f);
    case Value::Kind::Tensor:
        if (name == "requires_grad_" && parameterRequiresGrad(r)) {
            // requires_grad_(requires_grad=True)
            if (args.size() > 1)
                fail(loc, "TypeError: requires_grad_() takes from 0 to 1 positional arguments but " + std::to_string(args.size()) + " were given");
            Value flag = args.empty() ? Value::ofBool(true) : args[0];
            for (const auto& [key, v] : kwargs) {
                if (key != "requires_grad")
                    fail(loc, "TypeError: requires_grad_() got an unexpected keyword argument '" + key + "'");
                if (!args.empty())
                    fail(loc, "TypeError: requires_grad_() got multiple values for argument 'requires_grad'");
                flag = v;
            }
            if (flag.kind != Value::Kind::Bool)
                fail(loc, "TypeError: requires_grad_(): argument 'requires_grad' (position 1) must be bool, not " + typeNameOf(flag));
            return setRequiresGrad(r, flag.b, loc);
        }
        return tensorMethod(r, name, std::move(args), std::move(kwargs), loc);
    case Value::Kind::Str: {
        const std::string& s = r.s;
        if (name == "format")
            return strFormat(s, args, kwargs, loc);
        if (name == "join") {
            need(1, 1);
            std::string out;
            bool first = true;
            for (const Value& v : iterate(args[0], loc)) {
                if (v.kind != Value::Kind::Str)
                    fail(loc, "TypeError: sequence item: expected str instance, " + typeNameOf(v) + " found");
                out += (first ? "" : s) + v.s;
                first = false;
                checkedCount(static_cast<int64_t>(out.size()), loc, "a string");
            }
            return Value::ofStr(std::move(out));
        }
        if (name == "upper" || name == "lower") {
            need(0, 0);
            std::string out = s;
            for (char& c : out)
                c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
            return Value::ofStr(out);
        }
        if (name == "startswith" || name == "endswith") {
            need(1, 1);
            if (args[0].kind != Value::Kind::Str)
                notYet(loc, name + "() with a tuple");
            const std::string& p = args[0].s;
            const bool ok = p.size() <= s.size() && (name == "startswith" ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0);
            return Value::ofBool(ok);
        }
        if (name == "replace") {
            need(2, 2);
            if (args[0].kind != Value::Kind::Str || args[1].kind != Value::Kind::Str || args[0].s.empty())
                notYet(loc, "this use of str.replace()");
            std::string out;
            size_t pos = 0, hit;
            while ((hit = s.find(args[0].s, pos)) != std::string::npos) {
                out += s.substr(pos, hit - pos) + args[1].s;
                pos = hit + args[0].s.size();
                checkedCount(static_cast<int64_t>(out.size()), loc, "a string");
            }
            return Value::ofStr(out + s.substr(pos));
        }
        if (name == "split") {
            if (args.size() > 1 || !kwargs.empty())
                notYet(loc, "str.split() with maxsplit");
            std::vector<Value> parts;
            if (args.empty() || args[0].kind == Value::Kind::None) {
                size_t k = 0;
                while (k < s.size()) {
                    while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k])))
                        ++k;
                    size_t e = k;
                    while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e])))
                        ++e;
                    if (e > k)
                        parts.push_back(Value::ofStr(s.substr(k, e - k)));
                    k = e;
                }
            } else {
                if (args[0].kind != Value::Kind::Str || args[0].s.empty())
                    fail(loc, "ValueError: empty separator");
                size_t pos = 0, hit;
                while ((hit = s.find(args[0].s, pos)) != std::string::npos) {
                    parts.push_back(Value::ofStr(s.substr(pos, hit - pos)));
                    pos = hit + args[0].s.size();
                }
                parts.push_back(Value::ofStr(s.substr(pos)));
            }
            return Value::ofList(std::move(parts));
        }
        if (name == "strip" || name == "lstrip" || name == "rstrip") {
            need(0, 1);
            const bool whitespace = args.empty() || args[0].kind == Value::Kind::None;
            if (!whitespace && args[0].kind != Value::Kind::Str)
                fail(loc, "TypeError: " + name + " arg must be None or str");
            const auto strip = [&](char c) {
                return whitespace ? std::isspace(static_cast<unsigned char>(c)) != 0 : args[0].s.find(c) != std::string::npos;
            };
            size_t a = 0, b = s.size();
            while (name != "rstrip" && a < b && strip(s[a]))
                ++a;
            while (name != "lstrip" && b > a && strip(s[b - 1]))
                --b;
            return Value::ofStr(s.substr(a, b - a));
        }
        if (name == "find" || name == "rfind" || name == "count") {
            need(1, 1);
            if (args[0].kind != Value::Kind::Str)
                fail(loc, "TypeError: must be str, not " + typeNameOf(args[0]));
            const std::string& sub = args[0].s;
            if (name == "count") {
                if (sub.empty())
                    return Value::ofInt(static_cast<int64_t>(s.size()) + 1);
                int64_t n = 0;
                for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size()))
                    ++n;
                return Value::ofInt(n);
            }
            const size_t at = name == "find" ? s.find(sub) : s.rfind(sub);
            return Value::ofInt(at == std::string::npos ? -1 : static_cast<int64_t>(at));
        }
        if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") {
            const bool zfill = name == "zfill";
            need(1, zfill ? 1 : 2);
            const int64_t width = args[0].isInt() ? args[0].integer() : 0;
            if (!args[0].isInt())
                fail(loc, "TypeError: '" + typeNameOf(args[0]) + "' object cannot be interpreted as an integer");
            if (args.size() > 1 && (args[1].kind != Value::Kind::Str || args[1].s.size() != 1))
                fail(loc, "TypeError: The fill character must be exactly one character long");
            const int64_t pad = width - static_cast<int64_t>(s.size());
            if (pad <= 0)
                return Value::ofStr(s);
            checkedCount(width, loc, "a string");
            const char fill = zfill ? '0' : args.size() > 1 ? args[1].s[0] : ' ';
            const auto n = static_cast<size_t>(pad);
            if (zfill) {
                const size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
                return Value::ofStr(s.substr(0, sign) + std::string(n, '0') + s.substr(sign));
            }
            if (name == "ljust")
                return Value::ofStr(s + std::string(n, fill));
            if (name == "rjust")
                return Value::ofStr(std::string(n, fill) + s);
            // CPython's center: the odd pad goes left when the width is odd
            const size_t left = n / 2 + (n & static_cast<size_t>(width) & 1);
            return Value::ofStr(std::string(left, fill) + s + std::string(n - left, fill));
        }
        if (name == "isdigit") {
            need(0, 0);
            return Value::ofBool(!s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }));
        }
        break;
    }
    case Value::Kind::List: {
        std::vector<Value>& l = *r.list;
        if (name == "append") {
            need(1, 1);
            l.push_back(std::move(args[0]));
            checkedCount(static_cast<int64_t>(l.size()), loc, "a list");
            return Value::none();
        }
        if (name == "extend") {
            need(1, 1);
            for (Value& v : iterate(args[0], loc))
                l.push_back(std::move(v));
            checkedCount(static_cast<int64_t>(l.size()), loc, "a list");
            return Value::none();
        }
        if (name == "insert") {
            need(2, 2);
            int64_t k = args[0].integer();
            const int64_t n = static_cast<int64_t>(l.size());
            if (k < 0)
                k = std::max<int64_t>(0, k + n);
            k = std::min(k, n);
            l.insert(l.begin() + k, std::move(args[1]));
            return Value::none();
        }
        if (name == "pop") {
            need(0, 1);
            if (l.empty())
                fail(loc, "IndexError: pop from empty list");
            int64_t k = args.empty() ? -1 : args[0].integer();
            const int64_t n = static_cast<int64_t>(l.size());
            if (k < 0)
                k += n;
            if (k < 0 || k >= n)
                fail(loc, "IndexError: pop index out of range");
            Value v = l[static_cast<size_t>(k)];
            l.erase(l.begin() + k);
            return v;
        }
        if (name == "reverse") {
            std::reverse(l.begin(), l.end());
            return Value::none();
        }
        if (name == "copy")
            return Value::ofList(l);
        if (name == "clear") {
            l.clear();
            return Value::none();
        }
        if (name == "remove") {
            need(1, 1);
            for (size_t k = 0; k < l.size(); ++k)
                if (equal(l[k], args[0])) {
                    l.erase(l.begin() + static_cast<long>(k));
                    return Value::none();
                }
            fail(loc, "ValueError: list.remove(x): x not in list");
        }
        [[fallthrough]];
    }
    case Value::Kind::Tuple: {
        const std::vector<Value>& l = r.elements();
        if (name == "index") {
            need(1, 1);
            for (size_t k = 0; k < l.size(); ++k)
                if (equal(l[k], args[0]))
                    return Value::ofInt(static_cast<int64_t>(k));
            fail(loc, "ValueError: " + repr(args[0]) + " is not in list");
        }
        if (name == "count") {
            need(1, 1);
            int64_t n = 0;
            for (const Value& v : l)
                n += equal(v, args[0]) ? 1 : 0;
            return Value::ofInt(n);
        }
        break;
    }
    case Value::Kind::Dict: {
        auto& entries = r.dict->entries;
        auto find = [&](const Value& k) -> Value* {
            for (auto& kv : entries)
                if (equal(kv.first, k))
                    return &kv.second;
            return nullptr;
        };
        if (name == "get") {
            need(1, 2);
            if (Value* v = find(args[0]))
                return *v;
            return args.size() > 1 ? args[1] : Value::none();
        }
        if (name == "keys" || name == "values" || name == "items") {
            std::vector<Value> out;
            for (const auto& kv : entries)
                out.push_back(name == "keys" ? kv.first : name == "values" ? kv.second : Value::ofTuple({kv.first, kv.second}));
            return Value::ofList(std::move(out));
        }
        if (name == "update") {
            Value other = args.empty() ? Value() : args[0];
            std::vector<std::pair<Value, Value>> add;
            if (other.kind == Value::Kind::Dict)
                add = other.dict->entries;
            else if (other.kind != Value::Kind::None)
                for (const Value& pair : iterate(other, loc)) {
                    std::vector<Value> kv = iterate(pair, loc);
                    if (kv.size() != 2)
                        fail(loc, "ValueError: dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
                    add.emplace_back(kv[0], kv[1]);
                }
            for (auto& [k, v] : kwargs)
                add.emplace_back(Value::ofStr(k), v);
            for (auto& [k, v] : add) {
                if (Value* cur = find(k))
                    *cur = v;
                else
                    entries.emplace_back(k, v);
            }
            return Value::none();
        }
        if (name == "pop") {
            need(1, 2);
            for (size_t k = 0; k < entries.size(); ++k)
                if (equal(entries[k].first, args[0])) {
                    Value v = entries[k].second;
                    entries.erase(entries.begin() + static_cast<long>(k));
                    return v;
                }
            if (args.size() > 1)
                return args[1];
            fail(loc, "KeyError: " + repr(args[0]));
        }
        if (name == "setdefault") {
            need(1, 2);
            if (Value* v = find(args[0]))
                return *v;
            entries.emplace_back(args[0], args.size() > 1 ? args[1] : Value::none());
            return entries.back().second;
        }
        if (name == "copy") {
            Value d;
            d.kind = Value::Kind::Dict;
            d.dict = std::make_shared<DictData>(*r.dict);
            return d;
        }
        break;
    }
    case Value::Kind::Int:
    case Value::Kind::Float:
        if (name == "is_integer" && r.kind == Value::Kind::Float)
            return Value::ofBool(std::floor(r.f) == r.f);
        break;
    case Value::Kind::Class:
        break;
    default: break;
    }
    if (isPythonMethod(r, name))
        notYet(loc, typeNameOf(r) + "." + name + "()");
    if (r.kind == Value::Kind::Builtin || r.kind == Value::Kind::Class)
        fail(loc, "AttributeError: type object '" + (r.kind == Value::Kind::Class ? r.cls->name : r.s) + "' has no attribute '" + name + "'");
    fail(loc, "AttributeError: '" + typeNameOf(r) + "' object has no attribute '" + name + "'");
}

} // namespace ml::detail
