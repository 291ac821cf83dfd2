#include "engine/argvalue.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ml {

std::string_view argTypeName(ArgValue::Type t)
{
    switch (t) {
    case ArgValue::Type::None: return "None";
    case ArgValue::Type::Bool: return "bool";
    case ArgValue::Type::Int: return "int";
    case ArgValue::Type::Float: return "float";
    case ArgValue::Type::Str: return "str";
    case ArgValue::Type::Tuple: return "tuple";
    }
    return "?";
}

std::string pythonFloatRepr(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    // Shortest digits that round-trip, in scientific form: d.ddddde[+-]xx
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const size_t e = sci.find('e');
    std::string mant = sci.substr(0, e);
    const int exp = std::atoi(sci.c_str() + e + 1);
    const bool neg = !mant.empty() && mant[0] == '-';
    if (neg)
        mant.erase(0, 1);
    std::string digits;
    for (char c : mant)
        if (c != '.')
            digits += c;
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    std::string out;
    // Python's float_repr_style 'short': fixed notation when -4 <= exp < 16.
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            std::string intPart, frac;
            if (static_cast<int>(digits.size()) <= exp + 1) {
                intPart = digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0');
                frac = "0";
            } else {
                intPart = digits.substr(0, static_cast<size_t>(exp + 1));
                frac = digits.substr(static_cast<size_t>(exp + 1));
            }
            out = intPart + "." + frac;
        } else {
            out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char eb[16];
        std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
        out += eb;
    }
    return neg ? "-" + out : out;
}

std::string pythonTupleRepr(const std::vector<int64_t>& t)
{
    std::string s = "(";
    for (size_t k = 0; k < t.size(); ++k) {
        if (k)
            s += ", ";
        s += t[k] == kTupleNone ? std::string("None") : std::to_string(t[k]);
    }
    if (t.size() == 1)
        s += ",";
    return s + ")";
}

std::string ArgValue::repr() const
{
    switch (type) {
    case Type::None: return "None";
    case Type::Bool: return b ? "True" : "False";
    case Type::Int: return std::to_string(i);
    case Type::Float: return pythonFloatRepr(f);
    case Type::Str: return "'" + s + "'";
    case Type::Tuple: return pythonTupleRepr(tuple);
    }
    return {};
}

std::string ArgValue::str() const { return type == Type::Str ? s : repr(); }

} // namespace ml
