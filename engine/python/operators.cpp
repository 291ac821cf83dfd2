// Python's operators, conversions to text and indexing for the Evaluator.
#include "engine/python/evaluator.h"

#include "engine/analysis/tensorops.h"
#include "engine/argvalue.h"
#include "engine/names.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ml::detail {

namespace {

int64_t floorDiv(int64_t x, int64_t y)
{
    int64_t r = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0)))
        --r;
    return r;
}

int64_t floorMod(int64_t x, int64_t y)
{
    int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0)))
        r += y;
    return r;
}

} // namespace

Value Evaluator::binary(const std::string& op, const Value& a, const Value& b, SourceLoc loc)
{
    auto typeError = [&]() {
        fail(loc, "TypeError: unsupported operand type(s) for " + op + ": '" + typeNameOf(a) + "' and '" + typeNameOf(b) + "'");
    };
    if (a.isNumber() && b.isNumber()) {
        const bool ints = a.isInt() && b.isInt();
        if (ints && op != "/") {
            const int64_t x = a.integer(), y = b.integer();
            int64_t r = 0;
            bool ok = true;
            if (op == "+")
                ok = !__builtin_add_overflow(x, y, &r);
            else if (op == "-")
                ok = !__builtin_sub_overflow(x, y, &r);
            else if (op == "*")
                ok = !__builtin_mul_overflow(x, y, &r);
            else if (op == "//" || op == "%") {
                if (y == 0)
                    fail(loc, op == "//" ? "ZeroDivisionError: integer division or modulo by zero"
                                         : "ZeroDivisionError: integer division or modulo by zero");
                if (x == std::numeric_limits<int64_t>::min() && y == -1)
                    ok = false;
                else
                    r = op == "//" ? floorDiv(x, y) : floorMod(x, y);
            } else if (op == "**") {
                if (y < 0)
                    return Value::ofFloat(std::pow(static_cast<double>(x), static_cast<double>(y)));
                r = 1;
                for (int64_t k = 0; k < y && ok; ++k) {
                    ok = !__builtin_mul_overflow(r, x, &r);
                    if (r == 0 || r == 1)
                        break;
                    if (r == -1 && k >= 1) {
                        r = (y % 2) ? -1 : 1;
                        break;
                    }
                }
            } else if (op == "&")
                r = x & y;
            else if (op == "|")
                r = x | y;
            else if (op == "^")
                r = x ^ y;
            else if (op == "<<") {
                if (y < 0)
                    fail(loc, "ValueError: negative shift count");
                ok = y < 63 && (x == 0 || (std::llabs(x) < (int64_t{1} << (62 - y))));
                r = ok ? x * (int64_t{1} << y) : 0;
            } else if (op == ">>") {
                if (y < 0)
                    fail(loc, "ValueError: negative shift count");
                r = y >= 63 ? (x < 0 ? -1 : 0) : (x >> y);
            } else
                typeError();
            if (!ok)
                notYet(loc, "integers beyond 64 bits (" + std::to_string(x) + " " + op + " " + std::to_string(y) + ")");
            if (a.kind == Value::Kind::Bool && b.kind == Value::Kind::Bool && (op == "&" || op == "|" || op == "^"))
                return Value::ofBool(r != 0);
            return Value::ofInt(r);
        }
        const double x = a.number(), y = b.number();
        if (op == "+")
            return Value::ofFloat(x + y);
        if (op == "-")
            return Value::ofFloat(x - y);
        if (op == "*")
            return Value::ofFloat(x * y);
        if (op == "/" || op == "//" || op == "%") {
            if (y == 0)
                fail(loc, op == "/" ? "ZeroDivisionError: division by zero" : "ZeroDivisionError: float divmod()");
            if (op == "/")
                return Value::ofFloat(x / y);
            double m = std::fmod(x, y);
            if (m != 0 && ((m < 0) != (y < 0)))
                m += y;
            if (op == "%")
                return Value::ofFloat(m);
            return Value::ofFloat(std::floor((x - m) / y + 0.5) == (x - m) / y ? (x - m) / y : std::floor(x / y));
        }
        if (op == "**") {
            if (x == 0 && y < 0)
                fail(loc, "ZeroDivisionError: 0.0 cannot be raised to a negative power");
            if (x < 0 && y != std::floor(y))
                notYet(loc, "complex numbers (a negative number to a fractional power)");
            return Value::ofFloat(std::pow(x, y));
        }
        typeError();
    }
    if (a.kind == Value::Kind::Str && b.kind == Value::Kind::Str && op == "+") {
        checkedCount(static_cast<int64_t>(a.s.size() + b.s.size()), loc, "a string");
        return Value::ofStr(a.s + b.s);
    }
    if (a.kind == Value::Kind::Str && op == "%")
        return percentFormat(a.s, b, loc);
    if (((a.kind == Value::Kind::Str || a.isSequence()) && b.isInt() && op == "*")
        || (a.isInt() && (b.kind == Value::Kind::Str || b.isSequence()) && op == "*")) {
        const Value& seq = a.isInt() ? b : a;
        const int64_t n = std::max<int64_t>(0, (a.isInt() ? a : b).integer());
        const int64_t len = seq.kind == Value::Kind::Str ? static_cast<int64_t>(seq.s.size()) : static_cast<int64_t>(seq.elements().size());
        if (len > 0 && n > m_limits.collection / len)
            checkedCount(m_limits.collection + 1, loc, seq.kind == Value::Kind::Str ? "a string" : "a list");
        if (seq.kind == Value::Kind::Str) {
            std::string out;
            for (int64_t k = 0; k < n; ++k)
                out += seq.s;
            return Value::ofStr(std::move(out));
        }
        chargeHeld(seq.elements(), loc, n);
        std::vector<Value> out;
        for (int64_t k = 0; k < n; ++k)
            out.insert(out.end(), seq.elements().begin(), seq.elements().end());
        return Value::ofSequence(seq.kind, std::move(out));
    }
    if (a.isSequence() && b.isSequence() && op == "+") {
        if (a.kind != b.kind)
            fail(loc, "TypeError: can only concatenate " + typeNameOf(a) + " (not \"" + typeNameOf(b) + "\") to " + typeNameOf(a));
        std::vector<Value> out = a.elements();
        out.insert(out.end(), b.elements().begin(), b.elements().end());
        checkedCount(static_cast<int64_t>(out.size()), loc, "a list");
        return Value::ofSequence(a.kind, std::move(out));
    }
    if (a.isTensor() || b.isTensor()) {
        if (!(a.isTensor() || a.isNumber()) || !(b.isTensor() || b.isNumber()))
            typeError();
        return tensorFunction("operator" + op, {a, b}, {}, loc);
    }
    typeError();
    return {};
}

// ---- text --------------------------------------------------------------------------------

std::string Evaluator::str(const Value& v)
{
    switch (v.kind) {
    case Value::Kind::Str: return v.s;
    default: return repr(v);
    }
}

std::string pyStrRepr(const std::string& s)
{
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = useDouble ? '"' : '\'';
    std::string out(1, q);
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == q) {
            out += '\\';
            out += c;
        } else
            out += c;
    }
    return out + q;
}

std::string Evaluator::repr(const Value& v)
{
    const ValueNesting nesting(*this, " while getting the repr of an object");
    // A list or dict that holds itself prints as [...] or {...} where it recurs, as in Python.
    const void* container = v.kind == Value::Kind::List ? static_cast<const void*>(v.list.get())
        : v.kind == Value::Kind::Dict                    ? static_cast<const void*>(v.dict.get())
                                                         : nullptr;
    if (container && std::find(m_reprActive.begin(), m_reprActive.end(), container) != m_reprActive.end())
        return v.kind == Value::Kind::List ? "[...]" : "{...}";
    struct Active {
        std::vector<const void*>& stack;
        Active(std::vector<const void*>& s, const void* c) : stack(s) { stack.push_back(c); }
        ~Active() { stack.pop_back(); }
    } active(m_reprActive, container);
    switch (v.kind) {
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.b ? "True" : "False";
    case Value::Kind::Int: return std::to_string(v.i);
    case Value::Kind::Float: return pythonFloatRepr(v.f);
    case Value::Kind::Str: return pyStrRepr(v.s);
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        const bool list = v.kind == Value::Kind::List;
        std::string out = list ? "[" : "(";
        const auto& items = v.elements();
        for (size_t k = 0; k < items.size(); ++k)
            out += (k ? ", " : "") + repr(items[k]);
        if (!list && items.size() == 1)
            out += ",";
        return out + (list ? "]" : ")");
    }
    case Value::Kind::Dict: {
        std::string out = "{";
        for (size_t k = 0; k < v.dict->entries.size(); ++k)
            out += (k ? ", " : "") + repr(v.dict->entries[k].first) + ": " + repr(v.dict->entries[k].second);
        return out + "}";
    }
    case Value::Kind::Range:
        return "range(" + std::to_string(v.items[0].i) + ", " + std::to_string(v.items[1].i)
            + (v.items[2].i != 1 ? ", " + std::to_string(v.items[2].i) : std::string()) + ")";
    case Value::Kind::Module: return v.module->typeName() + "(...)";
    case Value::Kind::Tensor: return "tensor of shape " + v.shape.toString();
    case Value::Kind::Class: return "<class '" + v.cls->name + "'>";
    case Value::Kind::Builtin: return "<" + v.s + ">";
    case Value::Kind::Namespace: return "<module '" + (v.s == kThisModule ? std::string("__main__") : v.s) + "'>";
    case Value::Kind::Function: return "<function " + v.fn->name + ">";
    default: return "<" + typeNameOf(v) + ">";
    }
}

// format(value, spec) for the specs model code uses: [[fill]align][sign][0][width][,][.precision][type]
namespace {

// Inserts SEP every EVERY digits into the run of digits that starts BODY (after a sign), as
// Python's ',' and '_' grouping options do.
std::string groupDigits(const std::string& body, char sep, size_t every)
{
    const size_t start = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    size_t end = start;
    while (end < body.size() && std::isxdigit(static_cast<unsigned char>(body[end])) && !(every == 3 && !std::isdigit(static_cast<unsigned char>(body[end]))))
        ++end;
    std::string out = body.substr(0, start);
    for (size_t k = start; k < end; ++k) {
        if (k > start && (end - k) % every == 0)
            out += sep;
        out += body[k];
    }
    return out + body.substr(end);
}

} // namespace

std::string Evaluator::formatValue(const Value& v, const std::string& spec, SourceLoc loc)
{
    if (spec.empty())
        return str(v);
    size_t p = 0;
    char fill = ' ', align = 0;
    auto isAlign = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (spec.size() >= 2 && isAlign(spec[1])) {
        fill = spec[0];
        align = spec[1];
        p = 2;
    } else if (!spec.empty() && isAlign(spec[0])) {
        align = spec[0];
        p = 1;
    }
    char sign = 0;
    if (p < spec.size() && (spec[p] == '+' || spec[p] == '-' || spec[p] == ' '))
        sign = spec[p++];
    bool alternate = false;
    if (p < spec.size() && spec[p] == '#') {
        alternate = true;
        ++p;
    }
    if (p < spec.size() && spec[p] == '0') {
        fill = '0';
        if (!align)
            align = '=';
        ++p;
    }
    int width = 0;
    while (p < spec.size() && std::isdigit(static_cast<unsigned char>(spec[p])) && width < 1000)
        width = width * 10 + (spec[p++] - '0');
    char group = 0;
    if (p < spec.size() && (spec[p] == ',' || spec[p] == '_'))
        group = spec[p++];
    int precision = -1;
    if (p < spec.size() && spec[p] == '.') {
        ++p;
        precision = 0;
        while (p < spec.size() && std::isdigit(static_cast<unsigned char>(spec[p])) && precision < 100)
            precision = precision * 10 + (spec[p++] - '0');
    }
    char type = p < spec.size() ? spec[p++] : 0;
    if (p != spec.size())
        fail(loc, "ValueError: Invalid format specifier '" + spec + "'");
    if (type == 'n')
        notYet(loc, "the format type 'n' (locale-dependent)");
    const bool intType = type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 'b' || type == 'c';
    std::string body;
    if (intType || (type == 0 && v.isInt() && v.kind != Value::Kind::Bool)) {
        if (!v.isInt())
            fail(loc, std::string("ValueError: Unknown format code '") + type + "' for object of type '" + typeNameOf(v) + "'");
        if (group == ',' && type != 'd' && type != 0)
            fail(loc, std::string("ValueError: Cannot specify ',' with '") + type + "'.");
        const int64_t n = v.integer();
        if (type == 'c') {
            if (n < 0 || n > 127)
                notYet(loc, "characters outside ASCII in format type 'c'");
            body = std::string(1, static_cast<char>(n));
        } else {
            // (GCC 12 at -O2 with the sanitizers miscompiles indexing a conditional string literal:
            // the digit tables are named arrays)
            static constexpr char kLower[] = "0123456789abcdef", kUpper[] = "0123456789ABCDEF";
            const char* symbols = type == 'X' ? kUpper : kLower;
            const unsigned base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
            uint64_t m = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
            std::string digits;
            do {
                digits.push_back(symbols[m % base]);
                m /= base;
            } while (m);
            std::reverse(digits.begin(), digits.end());
            if (group)
                digits = groupDigits(digits, group, base == 10 ? 3 : 4);
            const std::string prefix = !alternate || base == 10 ? "" : type == 'X' ? "0X" : type == 'x' ? "0x" : type == 'o' ? "0o" : "0b";
            body = (n < 0 ? "-" : "") + prefix + digits;
        }
    } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G' || type == '%' || (type == 0 && v.kind == Value::Kind::Float)) {
        if (!v.isNumber())
            fail(loc, std::string("ValueError: Unknown format code '") + type + "' for object of type '" + typeNameOf(v) + "'");
        if (type == 0 && precision < 0)
            body = pythonFloatRepr(v.number());
        else {
            char buf[512];
            const double x = type == '%' ? v.number() * 100 : v.number();
            const char t = type == '%' ? 'f' : type == 0 ? 'g' : type;
            const std::string fmt = std::string("%") + (alternate ? "#" : "") + ".*" + t;
            std::snprintf(buf, sizeof buf, fmt.c_str(), precision < 0 ? 6 : precision, x);
            body = buf;
            // no type with a precision: 'g', but a fixed-point result keeps one digit after the point
            if (type == 0 && std::isfinite(x) && body.find_first_of(".e") == std::string::npos)
                body += ".0";
            if (type == '%')
                body += '%';
        }
        if (group)
            body = groupDigits(body, group, 3);
    } else if (type == 's' || type == 0) {
        if (group)
            fail(loc, std::string("ValueError: Cannot specify '") + group + "' with 's'.");
        body = str(v);
        if (precision >= 0 && body.size() > static_cast<size_t>(precision))
            body.resize(static_cast<size_t>(precision));
        if (!align)
            align = '<';
    } else {
        fail(loc, std::string("ValueError: Unknown format code '") + type + "' for object of type '" + typeNameOf(v) + "'");
    }
    if ((sign == '+' || sign == ' ') && v.isNumber() && !body.empty() && body[0] != '-')
        body = sign + body;
    if (static_cast<int>(body.size()) < width) {
        const size_t pad = static_cast<size_t>(width) - body.size();
        if (!align)
            align = '>';
        if (align == '<')
            body += std::string(pad, fill);
        else if (align == '^')
            body = std::string(pad / 2, fill) + body + std::string(pad - pad / 2, fill);
        else if (align == '=' && !body.empty() && (body[0] == '-' || body[0] == '+'))
            body = body.substr(0, 1) + std::string(pad, fill) + body.substr(1);
        else
            body = std::string(pad, fill) + body;
    }
    return body;
}

Value Evaluator::percentFormat(const std::string& fmt, const Value& arg, SourceLoc loc)
{
    std::vector<Value> args = arg.kind == Value::Kind::Tuple ? arg.items : std::vector<Value>{arg};
    size_t next = 0;
    bool usedMapping = false;
    std::string out;
    for (size_t k = 0; k < fmt.size(); ++k) {
        if (fmt[k] != '%') {
            out += fmt[k];
            continue;
        }
        if (++k >= fmt.size())
            fail(loc, "ValueError: incomplete format");
        if (fmt[k] == '%') {
            out += '%';
            continue;
        }
        const Value* mapped = nullptr;
        if (fmt[k] == '(') { // %(name)s: a key of the dict on the right
            const size_t close = fmt.find(')', k);
            if (close == std::string::npos)
                fail(loc, "ValueError: incomplete format key");
            if (arg.kind != Value::Kind::Dict)
                fail(loc, "TypeError: format requires a mapping");
            const std::string key = fmt.substr(k + 1, close - k - 1);
            for (const auto& kv : arg.dict->entries)
                if (kv.first.kind == Value::Kind::Str && kv.first.s == key)
                    mapped = &kv.second;
            if (!mapped)
                fail(loc, "KeyError: '" + key + "'");
            usedMapping = true;
            k = close + 1;
        }
        std::string flags, spec;
        while (k < fmt.size() && (fmt[k] == '-' || fmt[k] == '+' || fmt[k] == ' ' || fmt[k] == '#' || fmt[k] == '0'))
            flags += fmt[k++];
        while (k < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[k])) || fmt[k] == '.'))
            spec += fmt[k++];
        if (k >= fmt.size())
            fail(loc, "ValueError: incomplete format");
        const char type = fmt[k];
        if (std::string_view("diouxXeEfFgGcrsa").find(type) == std::string_view::npos)
            fail(loc, std::string("ValueError: unsupported format character '") + type + "' (0x"
                          + formatValue(Value::ofInt(static_cast<unsigned char>(type)), "x", loc) + ") at index " + std::to_string(k));
        if (!mapped && next >= args.size())
            fail(loc, "TypeError: not enough arguments for format string");
        const Value& v = mapped ? *mapped : args[next++];
        // printf's flags as format()'s: '-' left-aligns, '0' pads with zeros after the sign
        std::string fspec = flags.find('-') != std::string::npos ? "<" : "";
        if (flags.find('+') != std::string::npos)
            fspec += '+';
        else if (flags.find(' ') != std::string::npos)
            fspec += ' ';
        if (flags.find('#') != std::string::npos)
            fspec += '#';
        if (flags.find('0') != std::string::npos && fspec.empty())
            fspec += '0';
        fspec += spec;
        // strings right-align in printf style unless '-' is given
        const std::string textSpec = (fspec.empty() || fspec[0] != '<' ? ">" : "<") + spec;
        if (type == 's' || type == 'a')
            out += formatValue(Value::ofStr(str(v)), textSpec, loc);
        else if (type == 'r')
            out += formatValue(Value::ofStr(repr(v)), textSpec, loc);
        else if (type == 'c') {
            if (v.kind == Value::Kind::Str && v.s.size() == 1)
                out += formatValue(v, textSpec, loc);
            else if (v.isInt())
                out += formatValue(v, fspec + "c", loc);
            else
                fail(loc, "TypeError: %c requires int or char");
        } else if (type == 'd' || type == 'i' || type == 'u' || type == 'o' || type == 'x' || type == 'X') {
            if (!v.isNumber())
                fail(loc, std::string("TypeError: %") + type + " format: " + (type == 'd' || type == 'i' || type == 'u' ? "a real number" : "an integer")
                              + " is required, not " + typeNameOf(v));
            if (!v.isInt() && type != 'd' && type != 'i' && type != 'u')
                fail(loc, std::string("TypeError: %") + type + " format: an integer is required, not " + typeNameOf(v));
            if (v.kind == Value::Kind::Float && std::isnan(v.f))
                fail(loc, "ValueError: cannot convert float NaN to integer");
            if (v.kind == Value::Kind::Float && std::isinf(v.f))
                fail(loc, "OverflowError: cannot convert float infinity to integer");
            if (v.kind == Value::Kind::Float && std::fabs(v.f) >= 9.2e18)
                notYet(loc, "integers beyond 64 bits");
            const Value n = Value::ofInt(v.kind == Value::Kind::Float ? static_cast<int64_t>(v.f) : v.integer());
            out += formatValue(n, fspec + (type == 'i' || type == 'u' ? 'd' : type), loc);
        } else {
            if (!v.isNumber())
                fail(loc, std::string("TypeError: must be real number, not ") + typeNameOf(v));
            out += formatValue(Value::ofFloat(v.number()), spec.find('.') == std::string::npos ? fspec + ".6" + type : fspec + type, loc);
        }
        checkedCount(static_cast<int64_t>(out.size()), loc, "a string");
    }
    if (!usedMapping && next < args.size() && arg.kind != Value::Kind::Dict)
        fail(loc, "TypeError: not all arguments converted during string formatting");
    return Value::ofStr(std::move(out));
}

Value Evaluator::strFormat(const std::string& fmt, const Args& args, const Kwargs& kwargs, SourceLoc loc)
{
    std::string out;
    size_t auto_ = 0;
    for (size_t k = 0; k < fmt.size(); ++k) {
        const char c = fmt[k];
        if (c == '}') {
            if (k + 1 < fmt.size() && fmt[k + 1] == '}')
                ++k;
            out += '}';
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (k + 1 < fmt.size() && fmt[k + 1] == '{') {
            out += '{';
            ++k;
            continue;
        }
        const size_t close = fmt.find('}', k);
        if (close == std::string::npos)
            fail(loc, "ValueError: Single '{' encountered in format string");
        std::string field = fmt.substr(k + 1, close - k - 1);
        std::string spec;
        if (const size_t colon = field.find(':'); colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field = field.substr(0, colon);
        }
        bool reprConv = false;
        if (const size_t bang = field.find('!'); bang != std::string::npos) {
            reprConv = field.substr(bang + 1) == "r";
            field = field.substr(0, bang);
        }
        const Value* v = nullptr;
        if (field.empty()) {
            if (auto_ >= args.size())
                fail(loc, "IndexError: Replacement index " + std::to_string(auto_) + " out of range for positional args tuple");
            v = &args[auto_++];
        } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
            const size_t idx = static_cast<size_t>(std::atoi(field.c_str()));
            if (idx >= args.size())
                fail(loc, "IndexError: Replacement index " + field + " out of range for positional args tuple");
            v = &args[idx];
        } else {
            for (const auto& [name, value] : kwargs)
                if (name == field)
                    v = &value;
            if (!v)
                fail(loc, "KeyError: '" + field + "'");
        }
        out += formatValue(reprConv ? Value::ofStr(repr(*v)) : *v, spec, loc);
        checkedCount(static_cast<int64_t>(out.size()), loc, "a string");
        k = close;
    }
    return Value::ofStr(std::move(out));
}

// ---- indexing ----------------------------------------------------------------------------

namespace {

// Python's slice.indices(): start, stop, step for a sequence of `size`.
void sliceIndices(const Value& s, int64_t size, int64_t& start, int64_t& stop, int64_t& step)
{
    step = s.items[2].kind == Value::Kind::None ? 1 : s.items[2].integer();
    const bool neg = step < 0;
    auto clamp = [&](const Value& v, int64_t def) {
        if (v.kind == Value::Kind::None)
            return def;
        int64_t k = v.integer();
        if (k < 0)
            k += size;
        if (neg)
            return std::clamp<int64_t>(k, -1, size - 1);
        return std::clamp<int64_t>(k, 0, size);
    };
    start = clamp(s.items[0], neg ? size - 1 : 0);
    stop = clamp(s.items[1], neg ? -1 : size);
}

} // namespace

Value Evaluator::subscript(const Value& obj, const Value& index, SourceLoc loc, Frame& f)
{
    if (obj.kind == Value::Kind::Dict) {
        for (const auto& kv : obj.dict->entries)
            if (equal(kv.first, index))
                return kv.second;
        fail(loc, "KeyError: " + repr(index));
    }
    if (obj.isTensor())
        return tensorMethod(obj, "__getitem__", {index}, {}, loc);
    if (obj.kind == Value::Kind::Module && obj.module->kind() == ModuleKind::ModuleDict) {
        if (index.kind != Value::Kind::Str)
            fail(loc, "KeyError: " + repr(index));
        if (const Module* c = obj.module->findChild(index.s))
            return Value::ofModule(c);
        std::vector<std::string> names;
        for (const Module::Child& c : obj.module->children())
            names.push_back(c.name);
        std::string msg = "KeyError: '" + index.s + "'";
        if (auto hint = didYouMean(index.s, names))
            msg += ": did you mean '" + *hint + "'?";
        fail(loc, msg);
    }
    if (obj.kind == Value::Kind::Class || obj.kind == Value::Kind::Builtin)
        return obj; // typing subscripts: List[int]
    if (obj.kind == Value::Kind::Namespace && obj.s == "sys.modules" && index.kind == Value::Kind::Str) {
        // sys.modules[__name__]: the file's own module, whose attributes are its global names
        auto name = m_globals.find("__name__");
        if (name != m_globals.end() && name->second.kind == Value::Kind::Str && name->second.s == index.s)
            return Value::ofNamespace(kThisModule);
    }
    if (obj.kind == Value::Kind::Namespace) // sys.modules['x'], np.r_[...]: a library's value ModuleLab does not have
        notYet(loc, "indexing '" + obj.s + "'");
    int64_t size = -1;
    const bool moduleSeq = obj.kind == Value::Kind::Module
        && (obj.module->kind() == ModuleKind::ModuleList || obj.module->kind() == ModuleKind::Sequential
            || obj.module->kind() == ModuleKind::PlainList);
    if (moduleSeq)
        size = obj.module->childCount();
    else if (obj.isSequence())
        size = static_cast<int64_t>(obj.elements().size());
    else if (obj.kind == Value::Kind::Str)
        size = static_cast<int64_t>(obj.s.size());
    else if (obj.kind == Value::Kind::Range)
        size = static_cast<int64_t>(iterate(obj, loc).size());
    if (size < 0)
        fail(loc, "TypeError: '" + typeNameOf(obj) + "' object is not subscriptable");
    if (index.kind == Value::Kind::Slice) {
        for (const Value& part : index.items)
            if (part.kind != Value::Kind::None && !part.isInt())
                fail(loc, "TypeError: slice indices must be integers or None");
        int64_t start = 0, stop = 0, stepBy = 1;
        if (index.items[2].isInt() && index.items[2].integer() == 0)
            fail(loc, "ValueError: slice step cannot be zero");
        sliceIndices(index, size, start, stop, stepBy);
        std::vector<int64_t> picked;
        for (int64_t k = start; stepBy > 0 ? k < stop : k > stop; k += stepBy)
            picked.push_back(k);
        if (moduleSeq)
            return moduleMethod(obj, "__slice__", {Value::ofTuple([&] {
                                                       std::vector<Value> v;
                                                       for (int64_t k : picked)
                                                           v.push_back(Value::ofInt(k));
                                                       return v;
                                                   }())},
                                {}, loc, f);
        if (obj.kind == Value::Kind::Str) {
            std::string out;
            for (int64_t k : picked)
                out += obj.s[static_cast<size_t>(k)];
            return Value::ofStr(std::move(out));
        }
        const std::vector<Value> all = obj.kind == Value::Kind::Range ? iterate(obj, loc) : obj.elements();
        std::vector<Value> out;
        for (int64_t k : picked)
            out.push_back(all[static_cast<size_t>(k)]);
        return Value::ofSequence(obj.kind == Value::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List, std::move(out));
    }
    if (!index.isInt())
        fail(loc, "TypeError: " + std::string(obj.kind == Value::Kind::Tuple ? "tuple" : "list") + " indices must be integers or slices, not "
                      + typeNameOf(index));
    int64_t k = index.integer();
    if (k < 0)
        k += size;
    if (k < 0 || k >= size) {
        if (moduleSeq && obj.module->kind() != ModuleKind::PlainList)
            fail(loc, "IndexError: index " + std::to_string(index.integer()) + " is out of range");
        fail(loc, std::string("IndexError: ") + (obj.kind == Value::Kind::Tuple ? "tuple" : obj.kind == Value::Kind::Str ? "string" : obj.kind == Value::Kind::Range ? "range object" : "list")
                      + " index out of range");
    }
    if (moduleSeq)
        return Value::ofModule(obj.module->child(static_cast<int>(k)));
    if (obj.kind == Value::Kind::Str)
        return Value::ofStr(std::string(1, obj.s[static_cast<size_t>(k)]));
    if (obj.kind == Value::Kind::Range)
        return Value::ofInt(obj.items[0].i + k * obj.items[2].i);
    return obj.elements()[static_cast<size_t>(k)];
}

} // namespace ml::detail
