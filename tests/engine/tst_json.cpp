#include "engine/io/json.h"

#include <QtTest/QTest>

#include <bit>
#include <cstring>
#include <random>

using namespace ml;

namespace {

JsonValue parseOk(std::string_view text)
{
    auto r = parseJson(text, "t.json");
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("unexpected parse error: %s", e->toString().c_str());
    return std::get<JsonValue>(std::move(r));
}

ParseError parseFail(std::string_view text)
{
    auto r = parseJson(text, "t.json");
    if (std::holds_alternative<JsonValue>(r))
        qFatal("expected a parse error for: %s", std::string(text.substr(0, 80)).c_str());
    return std::get<ParseError>(r);
}

} // namespace

class TestJson : public QObject {
    Q_OBJECT

private slots:
    void scalars();
    void unicode();
    void structureAndLocations();
    void errors_data();
    void errors();
    void depthLimitAllowsExactly200();
    void manyKeysDuplicateDetected();
    void writerFormats();
    void floats();
    void integersStayIntegers();
    void typedAccess();
    void randomBytesNeverCrash();
};

void TestJson::scalars()
{
    QVERIFY(parseOk("null").isNull());
    QCOMPARE(parseOk("true").boolValue(), true);
    QCOMPARE(parseOk(" false ").boolValue(), false);
    const JsonValue i = parseOk("42");
    QVERIFY(i.isInt());
    QCOMPARE(i.intValue(), int64_t(42));
    const JsonValue f = parseOk("42.0");
    QVERIFY(f.isFloat());
    QCOMPARE(f.floatValue(), 42.0);
    QVERIFY(parseOk("4e1").isFloat());
    QVERIFY(parseOk("-0").isInt());
    QCOMPARE(parseOk("9223372036854775807").intValue(), INT64_MAX);
    QCOMPARE(parseOk("-9223372036854775808").intValue(), INT64_MIN);
    QCOMPARE(parseOk("1e-400").floatValue(), 0.0); // underflow reads as zero
    QCOMPARE(parseOk("1.5E+3").floatValue(), 1500.0);
    QCOMPARE(parseOk("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"").stringValue(), std::string("a\"b\\c/d\b\f\n\r\t"));
}

void TestJson::unicode()
{
    QCOMPARE(parseOk("\"\\" "u00e9\"").stringValue(), std::string("\xC3\xA9"));
    QCOMPARE(parseOk("\"\\" "u20AC\"").stringValue(), std::string("\xE2\x82\xAC"));
    QCOMPARE(parseOk("\"\\" "uD83D\\" "uDE00\"").stringValue(), std::string("\xF0\x9F\x98\x80"));
    QCOMPARE(parseOk("\"\xF0\x9F\x98\x80 \xC3\xA9\"").stringValue(), std::string("\xF0\x9F\x98\x80 \xC3\xA9"));
    QCOMPARE(parseOk("\"\\" "u0000\"").stringValue(), std::string(1, '\0'));
    QVERIFY(parseOk("\xEF\xBB\xBF{}").isObject()); // byte order mark skipped
    // Columns count characters: the x after a 2-byte and a 4-byte character.
    const ParseError e = parseFail("[\"\xC3\xA9\xF0\x9F\x98\x80\" x]");
    QCOMPARE(e.loc, (SourceLoc{1, 7}));
}

void TestJson::structureAndLocations()
{
    const JsonValue v = parseOk("{\n  \"b\": [1, 2.5, \"s\"],\n  \"a\": {\"n\": null}\n}");
    QVERIFY(v.isObject());
    QCOMPARE(v.members().size(), size_t(2));
    QCOMPARE(v.members()[0].key, std::string("b")); // insertion order, not sorted
    QCOMPARE(v.members()[1].key, std::string("a"));
    QCOMPARE(v.members()[1].keyLoc, (SourceLoc{3, 3}));
    const JsonValue& arr = *v.find("b");
    QCOMPARE(arr.loc(), (SourceLoc{2, 8}));
    QCOMPARE(arr.items()[1].loc(), (SourceLoc{2, 12}));
    QCOMPARE(arr.items()[2].loc(), (SourceLoc{2, 17}));
    QCOMPARE(v.find("a")->find("n")->loc(), (SourceLoc{3, 14}));
    QVERIFY(!v.find("c"));
}

void TestJson::errors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, QByteArray text, int line, int column, const char* msg) {
        QTest::newRow(name) << text << line << column << QString::fromUtf8(msg);
    };
    row("empty", "", 1, 1, "unexpected end of input, expected a value");
    row("spaces only", "  \n ", 2, 2, "unexpected end of input, expected a value");
    row("object trailing comma", "{\"a\":1,}", 1, 8, "trailing comma before '}'");
    row("array trailing comma", "[1,]", 1, 4, "trailing comma before ']'");
    row("missing colon", "{\"a\" 1}", 1, 6, "expected ':' after object key");
    row("missing comma in object", "{\"a\":1 \"b\":2}", 1, 8, "expected ',' or '}' after object member");
    row("missing comma in array", "[1 2]", 1, 4, "expected ',' or ']' after array element");
    row("unclosed object", "{\"a\":1", 1, 7, "unexpected end of input, expected ',' or '}' after object member");
    row("unquoted key", "{a:1}", 1, 2, "expected a string key, got 'a'");
    row("duplicate key", "{\"a\":1,\n \"a\":2}", 2, 2, "duplicate key \"a\" (first at line 1, column 2)");
    row("leading zero", "[01]", 1, 2, "leading zeros are not allowed in numbers");
    row("bare minus", "-", 1, 2, "expected a digit after '-'");
    row("dot without digits", "1.", 1, 3, "expected a digit after the decimal point");
    row("leading dot", ".5", 1, 1, "unexpected '.', expected a value");
    row("empty exponent", "1e+", 1, 4, "expected a digit in the exponent");
    row("int64 overflow", "[9223372036854775808]", 1, 2, "integer 9223372036854775808 does not fit in 64 bits");
    row("int64 underflow", "-9223372036854775809", 1, 1, "integer -9223372036854775809 does not fit in 64 bits");
    row("float overflow", "1e999", 1, 1, "number 1e999 is too large for a 64-bit float");
    row("unterminated string", "[\"abc", 1, 2, "unterminated string");
    row("newline in string", "\"a\nb\"", 1, 3, "unterminated string (a newline inside a string must be written \\n)");
    row("tab in string", "\"a\tb\"", 1, 3, "control character U+0009 must be escaped in a string");
    row("bad escape", "\"ab\\x\"", 1, 4, "invalid escape '\\x' in string");
    row("short unicode escape", "\"\\" "u12\"", 1, 6, "expected 4 hex digits after \\" "u");
    row("lone high surrogate", "\"\\" "uD800\"", 1, 2, "high surrogate \\" "u escape must be followed by a low surrogate");
    row("high + non-low", "\"\\" "uD800\\" "u0041\"", 1, 2, "high surrogate \\" "u escape must be followed by a low surrogate");
    row("lone low surrogate", "\"\\" "uDC00\"", 1, 2, "unpaired low surrogate in \\" "u escape");
    row("invalid utf8", "\"\xC3\x28\"", 1, 2, "invalid UTF-8 in string (byte 0xC3)");
    row("overlong utf8", "\"\xC0\xAF\"", 1, 2, "invalid UTF-8 in string (byte 0xC0)");
    row("utf8 surrogate", "\"\xED\xA0\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xED)");
    row("utf8 above max", "\"\xF4\x90\x80\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xF4)");
    row("truncated utf8", "\"\xE2\x82", 1, 2, "invalid UTF-8 in string (byte 0xE2)");
    row("python True", "[True]", 1, 2, "unexpected word 'True', expected a value (JSON writes true)");
    row("python None", "None", 1, 1, "unexpected word 'None', expected a value (JSON writes null)");
    row("NaN", "NaN", 1, 1, "unexpected word 'NaN', expected a value (JSON has no NaN or Infinity)");
    row("single quotes", "['a']", 1, 2, "strings must be in double quotes");
    row("comment", "{} // c", 1, 4, "unexpected '/' after the JSON value");
    row("two values", "[1] [2]", 1, 5, "unexpected '[' after the JSON value");
    row("nested line", "{\n  \"a\": [1,\n  2,, 3]\n}", 3, 5, "unexpected ',', expected a value");
    row("binary", QByteArray("\x01\x02", 2), 1, 1, "unexpected byte 0x01, expected a value");
    row("nul byte", QByteArray("[1,\0]", 5), 1, 4, "unexpected byte 0x00, expected a value");
    row("depth 201", QByteArray(201, '[') + QByteArray(201, ']'), 1, 201, "nesting deeper than 200 levels");
    row("depth 10000", QByteArray(10000, '[') + QByteArray(10000, ']'), 1, 201, "nesting deeper than 200 levels");
    row("deep objects", QByteArray(10000 * 5, ' ').replace(QByteArray(5, ' '), "{\"a\":"), 1, 1001,
        "nesting deeper than 200 levels");
}

void TestJson::errors()
{
    QFETCH(QByteArray, text);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const ParseError e = parseFail(std::string_view(text.constData(), static_cast<size_t>(text.size())));
    QCOMPARE(QString::fromStdString(e.message), message);
    QCOMPARE(e.loc.line, line);
    QCOMPARE(e.loc.column, column);
    QCOMPARE(e.file, std::string("t.json"));
    QVERIFY(e.toString().starts_with("t.json:" + std::to_string(line) + ":" + std::to_string(column) + ": "));
}

void TestJson::depthLimitAllowsExactly200()
{
    const std::string ok = std::string(200, '[') + std::string(200, ']');
    QVERIFY(std::holds_alternative<JsonValue>(parseJson(ok)));
}

void TestJson::manyKeysDuplicateDetected()
{
    std::string text = "{";
    for (int k = 0; k < 5000; ++k)
        text += "\"k" + std::to_string(k) + "\":" + std::to_string(k) + ",";
    text += "\"k4321\":0}";
    const ParseError e = parseFail(text);
    QVERIFY(e.message.starts_with("duplicate key \"k4321\""));
    text.replace(text.size() - 10, 10, "\"z\":0}");
    QCOMPARE(parseOk(text).members().size(), size_t(5001));
}

void TestJson::writerFormats()
{
    JsonValue v = JsonValue::object();
    v.set("name", JsonValue::string("a\"b\n\x01"));
    JsonValue& shape = v.set("shape", JsonValue::array());
    shape.append(JsonValue::integer(1));
    shape.append(JsonValue::integer(28));
    JsonValue& nested = v.set("list", JsonValue::array());
    nested.append(JsonValue::object()).set("x", JsonValue::number(1.0));
    nested.append(JsonValue::null());
    v.set("empty", JsonValue::object());
    v.set("none", JsonValue::array());
    v.set("flag", JsonValue::boolean(true));

    QCOMPARE(writeJson(v, {.indent = 0}),
             std::string(R"({"name":"a\"b\n\u0001","shape":[1,28],"list":[{"x":1.0},null],"empty":{},"none":[],"flag":true})"));
    QCOMPARE(writeJson(v, {.indent = 2}), std::string("{\n"
                                                      "  \"name\": \"a\\\"b\\n\\" "u0001\",\n"
                                                      "  \"shape\": [1, 28],\n"
                                                      "  \"list\": [\n"
                                                      "    {\n"
                                                      "      \"x\": 1.0\n"
                                                      "    },\n"
                                                      "    null\n"
                                                      "  ],\n"
                                                      "  \"empty\": {},\n"
                                                      "  \"none\": [],\n"
                                                      "  \"flag\": true\n"
                                                      "}\n"));
    QCOMPARE(writeJson(v, {.indent = 1}).substr(0, 22), std::string("{\n \"name\": \"a\\\"b\\n\\" "u00"));
    // Written text reads back equal, and writing is stable.
    for (int indent : {0, 1, 2}) {
        const std::string text = writeJson(v, {.indent = indent});
        const JsonValue back = parseOk(text);
        QVERIFY(back == v);
        QCOMPARE(writeJson(back, {.indent = indent}), text);
    }
}

void TestJson::floats()
{
    QCOMPARE(jsonFloat(1.0), std::string("1.0"));
    QCOMPARE(jsonFloat(-0.0), std::string("-0.0"));
    QCOMPARE(jsonFloat(0.1), std::string("0.1"));
    QCOMPARE(jsonFloat(1e-05), std::string("1e-05"));
    QCOMPARE(jsonFloat(1e20), std::string("1e+20"));
    QCOMPARE(jsonFloat(123456789.0), std::string("123456789.0"));
    QCOMPARE(jsonFloat(std::numeric_limits<double>::infinity()), std::string("null"));
    QVERIFY(parseOk(jsonFloat(1e20)).isFloat());
    // Shortest round trip of arbitrary doubles.
    std::mt19937_64 rng(7);
    for (int k = 0; k < 20000; ++k) {
        const double d = std::bit_cast<double>(rng());
        if (!std::isfinite(d))
            continue;
        const JsonValue back = parseOk(jsonFloat(d));
        QVERIFY(back.isFloat());
        QCOMPARE(std::bit_cast<uint64_t>(back.floatValue()), std::bit_cast<uint64_t>(d));
    }
}

void TestJson::integersStayIntegers()
{
    const JsonValue v = parseOk("[1, 1.0, -5, 1e0]");
    QVERIFY(v.items()[0].isInt());
    QVERIFY(v.items()[1].isFloat());
    QVERIFY(v.items()[2].isInt());
    QVERIFY(v.items()[3].isFloat());
    QVERIFY(!(v.items()[0] == v.items()[1]));
    QCOMPARE(writeJson(v, {.indent = 0}), std::string("[1,1.0,-5,1.0]"));
}

void TestJson::typedAccess()
{
    const JsonValue v = parseOk("{\"input_shape\": [1, 0, 28], \"s\": 3, \"argz\": {}}");
    try {
        json::expectIntArray(*v.find("input_shape"), "input_shape", 1);
        QFAIL("no error");
    } catch (const JsonError& e) {
        QCOMPARE(std::string(e.what()), std::string("input_shape must be an array of positive integers, got 0"));
        QCOMPARE(e.loc(), (SourceLoc{1, 21}));
    }
    QCOMPARE(json::expectIntArray(*v.find("input_shape"), "input_shape", 0), (std::vector<int64_t>{1, 0, 28}));
    try {
        json::expectString(*v.find("s"), "layer");
        QFAIL("no error");
    } catch (const JsonError& e) {
        QCOMPARE(std::string(e.what()), std::string("layer must be a string, got an integer"));
        QCOMPARE(e.loc(), (SourceLoc{1, 34}));
    }
    try {
        json::allowOnly(v, {"input_shape", "s", "args"}, "a layer node");
        QFAIL("no error");
    } catch (const JsonError& e) {
        QCOMPARE(std::string(e.what()), std::string("unknown field \"argz\" in a layer node: did you mean \"args\"?"));
        QCOMPARE(e.loc(), (SourceLoc{1, 37}));
    }
    try {
        json::require(v, "model", "the project file");
        QFAIL("no error");
    } catch (const JsonError& e) {
        QCOMPARE(std::string(e.what()), std::string("the project file is missing the field \"model\""));
        QCOMPARE(e.loc(), (SourceLoc{1, 1}));
    }
}

void TestJson::randomBytesNeverCrash()
{
    std::mt19937 rng(1);
    const std::string alphabet = "{}[],:\"\\ 0123456789.eE+-truefalsnu\xC3\xA9\n\t";
    for (int k = 0; k < 3000; ++k) {
        std::string s(static_cast<size_t>(rng() % 64), ' ');
        for (char& c : s)
            c = (k % 2) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
        auto r = parseJson(s, "r.json");
        if (auto* e = std::get_if<ParseError>(&r)) {
            QVERIFY(!e->message.empty());
            QVERIFY(e->loc.valid());
        } else {
            // Whatever parses must survive a write/read round trip.
            const JsonValue& v = std::get<JsonValue>(r);
            QVERIFY(parseOk(writeJson(v)) == v);
        }
    }
}


QTEST_APPLESS_MAIN(TestJson)
#include "tst_json.moc"
