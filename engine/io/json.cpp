#include "engine/io/json.h"

#include "engine/names.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace ml {

// ---- JsonValue -------------------------------------------------------------------------------

JsonValue JsonValue::null(SourceLoc loc)
{
    JsonValue v;
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::boolean(bool b, SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::Bool;
    v.m_bool = b;
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::integer(int64_t i, SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::Int;
    v.m_int = i;
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::number(double f, SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::Float;
    v.m_float = f;
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::string(std::string s, SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::String;
    v.m_string = std::move(s);
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::array(SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::Array;
    v.m_loc = loc;
    return v;
}

JsonValue JsonValue::object(SourceLoc loc)
{
    JsonValue v;
    v.m_type = Type::Object;
    v.m_loc = loc;
    return v;
}

JsonValue& JsonValue::append(JsonValue v)
{
    m_items.push_back(std::move(v));
    return m_items.back();
}

JsonValue& JsonValue::set(std::string key, JsonValue v, SourceLoc keyLoc)
{
    m_members.push_back(JsonMember{std::move(key), keyLoc, std::move(v)});
    return m_members.back().value;
}

const JsonMember* JsonValue::findMember(std::string_view key) const
{
    for (const JsonMember& m : m_members)
        if (m.key == key)
            return &m;
    return nullptr;
}

const JsonValue* JsonValue::find(std::string_view key) const
{
    const JsonMember* m = findMember(key);
    return m ? &m->value : nullptr;
}

bool operator==(const JsonValue& a, const JsonValue& b)
{
    if (a.m_type != b.m_type)
        return false;
    switch (a.m_type) {
    case JsonValue::Type::Null: return true;
    case JsonValue::Type::Bool: return a.m_bool == b.m_bool;
    case JsonValue::Type::Int: return a.m_int == b.m_int;
    case JsonValue::Type::Float: return a.m_float == b.m_float || (std::isnan(a.m_float) && std::isnan(b.m_float));
    case JsonValue::Type::String: return a.m_string == b.m_string;
    case JsonValue::Type::Array: return a.m_items == b.m_items;
    case JsonValue::Type::Object: return a.m_members == b.m_members;
    }
    return false;
}

std::string_view jsonTypeName(JsonValue::Type t)
{
    switch (t) {
    case JsonValue::Type::Null: return "null";
    case JsonValue::Type::Bool: return "a boolean";
    case JsonValue::Type::Int: return "an integer";
    case JsonValue::Type::Float: return "a float";
    case JsonValue::Type::String: return "a string";
    case JsonValue::Type::Array: return "an array";
    case JsonValue::Type::Object: return "an object";
    }
    return "a value";
}

// ---- parser ----------------------------------------------------------------------------------

namespace {

struct Failure {
    SourceLoc loc;
    std::string message;
};

std::string describeByte(unsigned char c)
{
    if (c >= 0x20 && c < 0x7F)
        return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
}

bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text)
    {
        if (m_text.substr(0, 3) == "\xEF\xBB\xBF")
            m_pos = 3;
    }

    JsonValue parseDocument()
    {
        skipSpace();
        JsonValue v = parseValue(0);
        skipSpace();
        if (!atEnd())
            fail("unexpected " + describeByte(peek()) + " after the JSON value");
        return v;
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    unsigned char peek() const { return static_cast<unsigned char>(m_text[m_pos]); }
    SourceLoc here() const { return {m_line, m_column}; }

    [[noreturn]] void fail(std::string message) const { fail(here(), std::move(message)); }
    [[noreturn]] static void fail(SourceLoc loc, std::string message) { throw Failure{loc, std::move(message)}; }

    void advance()
    {
        const unsigned char c = peek();
        ++m_pos;
        if (c == '\n') {
            ++m_line;
            m_column = 1;
        } else if (atEnd() || (peek() & 0xC0) != 0x80) {
            ++m_column; // columns count characters, not UTF-8 continuation bytes
        }
    }

    void skipSpace()
    {
        while (!atEnd()) {
            const unsigned char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            advance();
        }
    }

    JsonValue parseValue(int depth)
    {
        if (atEnd())
            fail("unexpected end of input, expected a value");
        const unsigned char c = peek();
        switch (c) {
        case '{': return parseObject(depth + 1);
        case '[': return parseArray(depth + 1);
        case '"': {
            const SourceLoc loc = here();
            return JsonValue::string(parseString(), loc);
        }
        default: break;
        }
        if (c == '-' || isDigit(c))
            return parseNumber();
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return parseLiteral();
        if (c == '\'')
            fail("strings must be in double quotes");
        fail("unexpected " + describeByte(c) + ", expected a value");
    }

    void enter(int depth) const
    {
        if (depth > kJsonMaxDepth)
            fail("nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels");
    }

    JsonValue parseObject(int depth)
    {
        enter(depth);
        JsonValue obj = JsonValue::object(here());
        advance(); // {
        skipSpace();
        if (!atEnd() && peek() == '}') {
            advance();
            return obj;
        }
        std::unordered_set<std::string> seen; // used once an object grows large
        while (true) {
            if (atEnd())
                fail("unexpected end of input inside an object");
            if (peek() != '"') {
                if (peek() == '}' && !obj.members().empty())
                    fail("trailing comma before '}'");
                fail("expected a string key, got " + describeByte(peek()));
            }
            const SourceLoc keyLoc = here();
            std::string key = parseString();
            checkDuplicate(obj, seen, key, keyLoc);
            skipSpace();
            if (atEnd() || peek() != ':')
                fail("expected ':' after object key");
            advance();
            skipSpace();
            JsonValue value = parseValue(depth);
            obj.set(std::move(key), std::move(value), keyLoc);
            skipSpace();
            if (atEnd())
                fail("unexpected end of input, expected ',' or '}' after object member");
            if (peek() == '}') {
                advance();
                return obj;
            }
            if (peek() != ',')
                fail("expected ',' or '}' after object member");
            advance();
            skipSpace();
        }
    }

    static void checkDuplicate(const JsonValue& obj, std::unordered_set<std::string>& seen, const std::string& key,
                               SourceLoc keyLoc)
    {
        constexpr size_t kLinearLimit = 16;
        const auto& members = obj.members();
        bool duplicate = false;
        if (members.size() < kLinearLimit) {
            duplicate = obj.findMember(key) != nullptr;
        } else {
            if (seen.empty())
                for (const JsonMember& m : members)
                    seen.insert(m.key);
            duplicate = !seen.insert(key).second;
        }
        if (duplicate) {
            const JsonMember* first = obj.findMember(key);
            fail(keyLoc, "duplicate key \"" + key + "\" (first at line " + std::to_string(first->keyLoc.line)
                             + ", column " + std::to_string(first->keyLoc.column) + ")");
        }
    }

    JsonValue parseArray(int depth)
    {
        enter(depth);
        JsonValue arr = JsonValue::array(here());
        advance(); // [
        skipSpace();
        if (!atEnd() && peek() == ']') {
            advance();
            return arr;
        }
        while (true) {
            if (!atEnd() && peek() == ']')
                fail("trailing comma before ']'");
            arr.append(parseValue(depth));
            skipSpace();
            if (atEnd())
                fail("unexpected end of input, expected ',' or ']' after array element");
            if (peek() == ']') {
                advance();
                return arr;
            }
            if (peek() != ',')
                fail("expected ',' or ']' after array element");
            advance();
            skipSpace();
        }
    }

    JsonValue parseLiteral()
    {
        const SourceLoc loc = here();
        const size_t start = m_pos;
        while (!atEnd() && ((peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z') || isDigit(peek()) || peek() == '_'))
            advance();
        const std::string_view word = m_text.substr(start, m_pos - start);
        if (word == "true")
            return JsonValue::boolean(true, loc);
        if (word == "false")
            return JsonValue::boolean(false, loc);
        if (word == "null")
            return JsonValue::null(loc);
        std::string msg = "unexpected word '" + std::string(word) + "', expected a value";
        if (word == "True" || word == "False" || word == "None") {
            const char* json = word == "True" ? "true" : word == "False" ? "false" : "null";
            msg += " (JSON writes " + std::string(json) + ")";
        } else if (word == "NaN" || word == "Infinity") {
            msg += " (JSON has no NaN or Infinity)";
        }
        fail(loc, msg);
    }

    static int hexValue(unsigned char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    unsigned readHex4()
    {
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            if (atEnd() || hexValue(peek()) < 0)
                fail("expected 4 hex digits after \\u");
            v = v * 16 + static_cast<unsigned>(hexValue(peek()));
            advance();
        }
        return v;
    }

    static void appendUtf8(std::string& out, unsigned cp)
    {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // Length of the valid UTF-8 sequence at m_pos (Unicode table 3-7), or 0.
    size_t utf8Length() const
    {
        auto at = [&](size_t k) -> unsigned { return m_pos + k < m_text.size() ? static_cast<unsigned char>(m_text[m_pos + k]) : 0u; };
        auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { const unsigned c = at(k); return c >= lo && c <= hi; };
        const unsigned c = at(0);
        if (c >= 0xC2 && c <= 0xDF)
            return cont(1) ? 2 : 0;
        if (c == 0xE0)
            return cont(1, 0xA0, 0xBF) && cont(2) ? 3 : 0;
        if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            return cont(1) && cont(2) ? 3 : 0;
        if (c == 0xED)
            return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
        if (c == 0xF0)
            return cont(1, 0x90, 0xBF) && cont(2) && cont(3) ? 4 : 0;
        if (c >= 0xF1 && c <= 0xF3)
            return cont(1) && cont(2) && cont(3) ? 4 : 0;
        if (c == 0xF4)
            return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
        return 0;
    }

    std::string parseString()
    {
        const SourceLoc open = here();
        advance(); // "
        std::string out;
        while (true) {
            if (atEnd())
                fail(open, "unterminated string");
            const unsigned char c = peek();
            if (c == '"') {
                advance();
                return out;
            }
            if (c < 0x20) {
                if (c == '\n')
                    fail("unterminated string (a newline inside a string must be written \\n)");
                char buf[64];
                std::snprintf(buf, sizeof buf, "control character U+%04X must be escaped in a string", c);
                fail(buf);
            }
            if (c == '\\') {
                advance();
                parseEscape(out);
                continue;
            }
            if (c < 0x80) {
                out += static_cast<char>(c);
                advance();
                continue;
            }
            const size_t n = utf8Length();
            if (n == 0)
                fail("invalid UTF-8 in string (" + describeByte(c) + ")");
            for (size_t k = 0; k < n; ++k) {
                out += m_text[m_pos];
                advance();
            }
        }
    }

    void parseEscape(std::string& out)
    {
        if (atEnd())
            fail("unterminated string");
        const SourceLoc escLoc{m_line, m_column - 1};
        const unsigned char e = peek();
        advance();
        switch (e) {
        case '"': out += '"'; return;
        case '\\': out += '\\'; return;
        case '/': out += '/'; return;
        case 'b': out += '\b'; return;
        case 'f': out += '\f'; return;
        case 'n': out += '\n'; return;
        case 'r': out += '\r'; return;
        case 't': out += '\t'; return;
        case 'u': break;
        default: fail(escLoc, "invalid escape '\\" + std::string(1, static_cast<char>(e)) + "' in string");
        }
        unsigned cp = readHex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            fail(escLoc, "unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (m_text.substr(m_pos, 2) != "\\u")
                fail(escLoc, "high surrogate \\u escape must be followed by a low surrogate");
            advance();
            advance();
            const unsigned low = readHex4();
            if (low < 0xDC00 || low > 0xDFFF)
                fail(escLoc, "high surrogate \\u escape must be followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
    }

    JsonValue parseNumber()
    {
        const SourceLoc loc = here();
        const size_t start = m_pos;
        bool isFloat = false;
        if (peek() == '-') {
            advance();
            if (atEnd() || !isDigit(peek()))
                fail("expected a digit after '-'");
        }
        if (peek() == '0') {
            advance();
            if (!atEnd() && isDigit(peek()))
                fail(loc, "leading zeros are not allowed in numbers");
        } else {
            while (!atEnd() && isDigit(peek()))
                advance();
        }
        if (!atEnd() && peek() == '.') {
            isFloat = true;
            advance();
            if (atEnd() || !isDigit(peek()))
                fail("expected a digit after the decimal point");
            while (!atEnd() && isDigit(peek()))
                advance();
        }
        if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
            isFloat = true;
            advance();
            if (!atEnd() && (peek() == '+' || peek() == '-'))
                advance();
            if (atEnd() || !isDigit(peek()))
                fail("expected a digit in the exponent");
            while (!atEnd() && isDigit(peek()))
                advance();
        }
        const std::string_view token = m_text.substr(start, m_pos - start);
        const char* first = token.data();
        const char* last = token.data() + token.size();
        if (!isFloat) {
            int64_t v = 0;
            const auto r = std::from_chars(first, last, v);
            if (r.ec != std::errc() || r.ptr != last)
                fail(loc, "integer " + std::string(token) + " does not fit in 64 bits");
            return JsonValue::integer(v, loc);
        }
        double d = 0.0;
        const auto r = std::from_chars(first, last, d);
        if (r.ec == std::errc::result_out_of_range) {
            if (decimalMagnitude(token) > 0)
                fail(loc, "number " + std::string(token) + " is too large for a 64-bit float");
            d = token[0] == '-' ? -0.0 : 0.0; // underflows to zero, as every JSON reader does
        } else if (r.ec != std::errc() || r.ptr != last) {
            fail(loc, "invalid number " + std::string(token));
        }
        return JsonValue::number(d, loc);
    }

    // Rough decimal exponent of a syntactically valid number: > 0 means |x| >= 1.
    static int64_t decimalMagnitude(std::string_view t)
    {
        size_t i = t[0] == '-' ? 1 : 0;
        int64_t mag = 0;
        bool nonzero = false;
        for (; i < t.size() && isDigit(static_cast<unsigned char>(t[i])); ++i) {
            if (t[i] != '0')
                nonzero = true;
            if (nonzero)
                ++mag;
        }
        if (i < t.size() && t[i] == '.') {
            for (++i; i < t.size() && isDigit(static_cast<unsigned char>(t[i])); ++i) {
                if (nonzero)
                    continue;
                if (t[i] != '0')
                    nonzero = true;
                else
                    --mag;
            }
        }
        if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
            ++i;
            const bool negative = t[i] == '-';
            if (t[i] == '+' || t[i] == '-')
                ++i;
            int64_t e = 0;
            for (; i < t.size(); ++i)
                e = std::min<int64_t>(e * 10 + (t[i] - '0'), int64_t(1) << 40);
            mag += negative ? -e : e;
        }
        return mag;
    }

    std::string_view m_text;
    size_t m_pos = 0;
    int m_line = 1;
    int m_column = 1;
};

} // namespace

std::variant<JsonValue, ParseError> parseJson(std::string_view text, std::string_view fileName)
{
    try {
        Parser p(text);
        return p.parseDocument();
    } catch (const Failure& f) {
        return ParseError{std::string(fileName), f.loc, JsonError::printable(f.message)};
    }
}

// ---- writer ----------------------------------------------------------------------------------

std::string jsonQuote(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    out += '"';
    return out;
}

std::string jsonFloat(double v)
{
    if (!std::isfinite(v))
        return "null";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos)
        s += ".0";
    return s;
}

namespace {

bool isScalar(const JsonValue& v) { return !v.isArray() && !v.isObject(); }

void write(const JsonValue& v, int indent, int level, std::string& out)
{
    switch (v.type()) {
    case JsonValue::Type::Null: out += "null"; return;
    case JsonValue::Type::Bool: out += v.boolValue() ? "true" : "false"; return;
    case JsonValue::Type::Int: out += std::to_string(v.intValue()); return;
    case JsonValue::Type::Float: out += jsonFloat(v.floatValue()); return;
    case JsonValue::Type::String: out += jsonQuote(v.stringValue()); return;
    case JsonValue::Type::Array: {
        const auto& items = v.items();
        const bool oneLine = indent == 0 || std::all_of(items.begin(), items.end(), isScalar);
        if (items.empty() || oneLine) {
            out += '[';
            for (size_t k = 0; k < items.size(); ++k) {
                if (k)
                    out += indent == 0 ? "," : ", ";
                write(items[k], indent, level + 1, out);
            }
            out += ']';
            return;
        }
        const std::string pad(static_cast<size_t>(indent * (level + 1)), ' ');
        out += "[\n";
        for (size_t k = 0; k < items.size(); ++k) {
            out += pad;
            write(items[k], indent, level + 1, out);
            out += k + 1 < items.size() ? ",\n" : "\n";
        }
        out.append(static_cast<size_t>(indent * level), ' ');
        out += ']';
        return;
    }
    case JsonValue::Type::Object: {
        const auto& members = v.members();
        if (members.empty()) {
            out += "{}";
            return;
        }
        if (indent == 0) {
            out += '{';
            for (size_t k = 0; k < members.size(); ++k) {
                if (k)
                    out += ',';
                out += jsonQuote(members[k].key);
                out += ':';
                write(members[k].value, indent, level + 1, out);
            }
            out += '}';
            return;
        }
        const std::string pad(static_cast<size_t>(indent * (level + 1)), ' ');
        out += "{\n";
        for (size_t k = 0; k < members.size(); ++k) {
            out += pad;
            out += jsonQuote(members[k].key);
            out += ": ";
            write(members[k].value, indent, level + 1, out);
            out += k + 1 < members.size() ? ",\n" : "\n";
        }
        out.append(static_cast<size_t>(indent * level), ' ');
        out += '}';
        return;
    }
    }
}

} // namespace

std::string writeJson(const JsonValue& v, JsonWriteOptions options)
{
    std::string out;
    write(v, std::max(0, options.indent), 0, out);
    if (options.indent > 0)
        out += '\n';
    return out;
}

// ---- typed access ----------------------------------------------------------------------------

namespace json {

namespace {
[[noreturn]] void wrongType(const JsonValue& v, std::string_view what, std::string_view expected)
{
    throw JsonError(v.loc(), std::string(what) + " must be " + std::string(expected) + ", got "
                                 + std::string(jsonTypeName(v.type())));
}
} // namespace

const JsonValue& expectObject(const JsonValue& v, std::string_view what)
{
    if (!v.isObject())
        wrongType(v, what, "an object");
    return v;
}

const JsonValue& expectArray(const JsonValue& v, std::string_view what)
{
    if (!v.isArray())
        wrongType(v, what, "an array");
    return v;
}

const std::string& expectString(const JsonValue& v, std::string_view what)
{
    if (!v.isString())
        wrongType(v, what, "a string");
    return v.stringValue();
}

int64_t expectInt(const JsonValue& v, std::string_view what)
{
    if (!v.isInt())
        wrongType(v, what, "an integer");
    return v.intValue();
}

bool expectBool(const JsonValue& v, std::string_view what)
{
    if (!v.isBool())
        wrongType(v, what, "true or false");
    return v.boolValue();
}

std::vector<int64_t> expectIntArray(const JsonValue& v, std::string_view what, int64_t min)
{
    const std::string msg = std::string(what) + " must be an array of " + (min > 0 ? "positive" : "non-negative") + " integers";
    if (!v.isArray())
        throw JsonError(v.loc(), msg + ", got " + std::string(jsonTypeName(v.type())));
    std::vector<int64_t> out;
    out.reserve(v.items().size());
    for (const JsonValue& item : v.items()) {
        if (!item.isInt())
            throw JsonError(item.loc(), msg + ", got " + std::string(jsonTypeName(item.type())));
        if (item.intValue() < min)
            throw JsonError(item.loc(), msg + ", got " + std::to_string(item.intValue()));
        out.push_back(item.intValue());
    }
    return out;
}

const JsonValue& require(const JsonValue& object, std::string_view key, std::string_view what)
{
    const JsonValue* v = object.find(key);
    if (!v)
        throw JsonError(object.loc(), std::string(what) + " is missing the field \"" + std::string(key) + "\"");
    return *v;
}

void allowOnly(const JsonValue& object, std::initializer_list<std::string_view> allowed, std::string_view what)
{
    for (const JsonMember& m : object.members()) {
        bool ok = false;
        for (std::string_view a : allowed)
            ok = ok || a == m.key;
        if (ok)
            continue;
        std::vector<std::string> names(allowed.begin(), allowed.end());
        std::string msg = "unknown field \"" + m.key + "\" in " + std::string(what);
        if (auto hint = didYouMean(m.key, names))
            msg += ": did you mean \"" + *hint + "\"?";
        throw JsonError(m.keyLoc, msg);
    }
}

} // namespace json

std::string JsonError::printable(const std::string& message)
{
    std::string out;
    out.reserve(message.size());
    for (const char ch : message) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

} // namespace ml
