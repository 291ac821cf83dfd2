#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ml {

// None inside a tuple argument, as in AdaptiveAvgPool2d((None, 7)): "keep the input's size".
// Only layers that document it accept it; repr prints it as None.
inline constexpr int64_t kTupleNone = INT64_MIN;

// A constructor argument as Python holds it. The type is kept as given: PyTorch prints
// MaxPool2d(kernel_size=2) and MaxPool2d(kernel_size=(2, 2)) differently.
struct ArgValue {
    enum class Type { None, Bool, Int, Float, Str, Tuple };

    Type type = Type::None;
    bool b = false;
    int64_t i = 0;
    double f = 0.0;
    std::string s;
    std::vector<int64_t> tuple;

    static ArgValue none() { return {}; }
    static ArgValue ofBool(bool v) { ArgValue a; a.type = Type::Bool; a.b = v; return a; }
    static ArgValue ofInt(int64_t v) { ArgValue a; a.type = Type::Int; a.i = v; return a; }
    static ArgValue ofFloat(double v) { ArgValue a; a.type = Type::Float; a.f = v; return a; }
    static ArgValue ofStr(std::string v) { ArgValue a; a.type = Type::Str; a.s = std::move(v); return a; }
    static ArgValue ofTuple(std::vector<int64_t> v) { ArgValue a; a.type = Type::Tuple; a.tuple = std::move(v); return a; }

    bool isNone() const { return type == Type::None; }
    // A number as double (Int or Float).
    double number() const { return type == Type::Int ? static_cast<double>(i) : f; }

    std::string repr() const;  // Python repr(): None, True, 3, 1e-05, 'same', (3, 3), (64,)
    std::string str() const;   // Python str(): like repr, strings unquoted

    friend bool operator==(const ArgValue&, const ArgValue&) = default;
};

std::string_view argTypeName(ArgValue::Type t);

// Python's repr of a float: shortest round-trip digits, "1.0", "1e-05", "inf", "nan".
std::string pythonFloatRepr(double v);
// Python's repr of a tuple of ints: "(3, 3)", "(64,)", "()", "(None, 7)".
std::string pythonTupleRepr(const std::vector<int64_t>& t);

} // namespace ml
