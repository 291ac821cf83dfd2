#pragma once

#include "engine/diagnostic.h"

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml {

struct JsonMember;

// A JSON document node that remembers where it was written. Numbers keep the form they were
// written in: 3 is an Int (exact int64), 3.0 and 3e0 are Floats. Objects keep their members in
// file order.
class JsonValue {
public:
    enum class Type { Null, Bool, Int, Float, String, Array, Object };

    JsonValue() = default;
    static JsonValue null(SourceLoc loc = {});
    static JsonValue boolean(bool v, SourceLoc loc = {});
    static JsonValue integer(int64_t v, SourceLoc loc = {});
    static JsonValue number(double v, SourceLoc loc = {}); // always a Float
    static JsonValue string(std::string v, SourceLoc loc = {});
    static JsonValue array(SourceLoc loc = {});
    static JsonValue object(SourceLoc loc = {});

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isInt() const { return m_type == Type::Int; }
    bool isFloat() const { return m_type == Type::Float; }
    bool isString() const { return m_type == Type::String; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }

    bool boolValue() const { return m_bool; }
    int64_t intValue() const { return m_int; }
    double floatValue() const { return m_float; }
    const std::string& stringValue() const { return m_string; }

    // Arrays.
    const std::vector<JsonValue>& items() const { return m_items; }
    JsonValue& append(JsonValue v);
    // Objects. append() of an existing key is the caller's error; the parser rejects it.
    const std::vector<JsonMember>& members() const { return m_members; }
    JsonValue& set(std::string key, JsonValue v, SourceLoc keyLoc = {});
    const JsonValue* find(std::string_view key) const;
    const JsonMember* findMember(std::string_view key) const;

    // Where the value starts in its file (the opening quote, bracket or first digit).
    SourceLoc loc() const { return m_loc; }

    // Same type and content, ignoring locations; Int 1 and Float 1.0 differ.
    friend bool operator==(const JsonValue& a, const JsonValue& b);

private:
    Type m_type = Type::Null;
    bool m_bool = false;
    int64_t m_int = 0;
    double m_float = 0.0;
    std::string m_string;
    std::vector<JsonValue> m_items;
    std::vector<JsonMember> m_members;
    SourceLoc m_loc;
};

struct JsonMember {
    std::string key;
    SourceLoc keyLoc;
    JsonValue value;
    friend bool operator==(const JsonMember& a, const JsonMember& b) { return a.key == b.key && a.value == b.value; }
};

std::string_view jsonTypeName(JsonValue::Type t); // "null", "a boolean", "an integer", ...

// Deepest nesting of arrays and objects the parser accepts.
inline constexpr int kJsonMaxDepth = 200;

// Strict RFC 8259: UTF-8 validated, \u escapes with surrogate pairs, no duplicate keys, no
// trailing commas or comments, integers must fit in int64, at most kJsonMaxDepth levels.
// A leading UTF-8 byte order mark is skipped. Columns count characters, starting at 1.
std::variant<JsonValue, ParseError> parseJson(std::string_view text, std::string_view fileName = {});

struct JsonWriteOptions {
    // 0: compact, no whitespace at all (the safetensors header). 1 or 2: one member or item per
    // line, indented by that many spaces; arrays holding only scalars stay on one line.
    int indent = 2;
};
// Stable output: members in stored order, floats in shortest round-trip form and always with a
// '.' or an exponent. Non-finite floats have no JSON form and are written as null.
std::string writeJson(const JsonValue& v, JsonWriteOptions options = {});
// A JSON string literal with quotes.
std::string jsonQuote(std::string_view s);
// Shortest round-trip form of a finite double that reads back as a float ("1.0", "1e-05").
std::string jsonFloat(double v);

// ---- typed access for file loaders ---------------------------------------------------------
// The helpers throw JsonError at the offending value; loaders catch it at their API boundary and
// turn it into a ParseError with the file name.
class JsonError : public std::runtime_error {
public:
    // Control characters the message quotes from the file (a name with a NUL or an escape
    // sequence) are written as \u001b: they neither cut the message short nor reach the terminal.
    JsonError(SourceLoc loc, const std::string& message) : std::runtime_error(printable(message)), m_loc(loc) {}
    static std::string printable(const std::string& message);
    SourceLoc loc() const { return m_loc; }

private:
    SourceLoc m_loc;
};

namespace json {

// `what` names the value in messages: "input_shape", "the model", "args of Conv2d".
const JsonValue& expectObject(const JsonValue& v, std::string_view what);
const JsonValue& expectArray(const JsonValue& v, std::string_view what);
const std::string& expectString(const JsonValue& v, std::string_view what);
int64_t expectInt(const JsonValue& v, std::string_view what);
bool expectBool(const JsonValue& v, std::string_view what);
// "input_shape must be an array of positive integers" (min = 1) / "non-negative" (min = 0).
std::vector<int64_t> expectIntArray(const JsonValue& v, std::string_view what, int64_t min);
// A member that must be present: "Conv2d node is missing the field 'args'" at the object.
const JsonValue& require(const JsonValue& object, std::string_view key, std::string_view what);
// Rejects members outside `allowed`, with a did-you-mean hint.
void allowOnly(const JsonValue& object, std::initializer_list<std::string_view> allowed, std::string_view what);

} // namespace json

} // namespace ml
