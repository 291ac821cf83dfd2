#include "engine/python/lexer.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace ml::python {

namespace {

bool isIdentStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentChar(char c)
{
    return isIdentStart(c) || (c >= '0' && c <= '9');
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

std::string describeChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
        return std::string("'") + c + "'";
    static const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

bool isStringPrefix(std::string_view w)
{
    if (w.empty() || w.size() > 2)
        return false;
    for (char c : w) {
        const char l = static_cast<char>(c | 0x20);
        if (l != 'r' && l != 'u' && l != 'b' && l != 'f')
            return false;
    }
    return true;
}

class Lexer {
public:
    Lexer(std::string_view src, std::string_view file, SourceLoc origin)
        : m_src(src), m_file(file), m_line(origin.line), m_col(origin.column)
    {
    }

    std::variant<TokenStream, ParseError> run();

private:
    struct Failure {
        ParseError error;
    };

    [[noreturn]] void fail(SourceLoc loc, std::string msg) { throw Failure{{std::string(m_file), loc, std::move(msg)}}; }
    char peek(size_t k = 0) const { return m_pos + k < m_src.size() ? m_src[m_pos + k] : '\0'; }
    bool atEnd() const { return m_pos >= m_src.size(); }
    SourceLoc here() const { return {m_line, m_col}; }
    void advance()
    {
        if (m_src[m_pos] == '\n') {
            ++m_line;
            m_col = 1;
        } else {
            ++m_col;
        }
        ++m_pos;
    }
    // A line break: "\n", "\r\n" or "\r".
    bool atLineBreak() const { return peek() == '\n' || peek() == '\r'; }
    void skipLineBreak()
    {
        if (peek() == '\r') {
            ++m_pos;
            if (peek() == '\n')
                ++m_pos;
        } else {
            ++m_pos;
        }
        ++m_line;
        m_col = 1;
    }
    void push(Token t)
    {
        if (m_out.tokens.size() >= kMaxTokens)
            fail(t.loc, "the file has more than " + std::to_string(kMaxTokens) + " tokens; ModuleLab reads model files, not data");
        m_out.tokens.push_back(std::move(t));
    }
    void pushSimple(Token::Kind kind, SourceLoc loc, std::string text = {})
    {
        Token t;
        t.kind = kind;
        t.loc = loc;
        t.text = std::move(text);
        push(std::move(t));
    }

    void indentation();
    void number();
    void string(SourceLoc start, std::string_view prefix);
    void op();

    std::string_view m_src;
    std::string_view m_file;
    size_t m_pos = 0;
    int m_line;
    int m_col;
    TokenStream m_out;
    std::vector<int> m_indents{0};
    struct Open {
        char c;
        SourceLoc loc;
    };
    std::vector<Open> m_brackets;
    bool m_lineHasTokens = false;
};

void Lexer::indentation()
{
    int width = 0;
    while (!atEnd()) {
        const char c = peek();
        if (c == ' ')
            ++width;
        else if (c == '\t')
            width = (width / 8 + 1) * 8;
        else if (c == '\f')
            width = 0;
        else
            break;
        advance();
    }
    if (atEnd() || atLineBreak() || peek() == '#')
        return; // blank or comment-only line: indentation does not count
    const SourceLoc loc = here();
    if (width > m_indents.back()) {
        if (static_cast<int>(m_indents.size()) > kMaxIndentLevels)
            fail(loc, "blocks are nested more than " + std::to_string(kMaxIndentLevels) + " levels deep");
        m_indents.push_back(width);
        pushSimple(Token::Kind::Indent, loc);
        return;
    }
    while (width < m_indents.back()) {
        m_indents.pop_back();
        pushSimple(Token::Kind::Dedent, loc);
    }
    if (width != m_indents.back())
        fail(loc, "unindent does not match any outer indentation level");
}

void Lexer::number()
{
    const SourceLoc start = here();
    const size_t begin = m_pos;
    Token t;
    t.loc = start;
    auto digitsOf = [&](auto isValid) {
        std::string d;
        while (!atEnd() && (isValid(peek()) || peek() == '_')) {
            if (peek() != '_')
                d += peek();
            advance();
        }
        return d;
    };
    auto toInt = [&](const std::string& digits, int base) {
        if (digits.empty())
            fail(start, "invalid number literal");
        uint64_t v = 0;
        for (char c : digits) {
            const int d = isDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
            if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
                fail(start, "not supported by ModuleLab yet: integers beyond 64 bits (the literal "
                                + std::string(m_src.substr(begin, std::min<size_t>(m_pos - begin, 40))) + (m_pos - begin > 40 ? "..." : "")
                                + " is above " + std::to_string(std::numeric_limits<int64_t>::max()) + ")");
            v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
        }
        return static_cast<int64_t>(v);
    };

    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' || peek(1) == 'O' || peek(1) == 'b' || peek(1) == 'B')) {
        const char kind = static_cast<char>(peek(1) | 0x20);
        advance();
        advance();
        std::string d;
        if (kind == 'x')
            d = digitsOf([](char c) { return isDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); });
        else if (kind == 'o')
            d = digitsOf([](char c) { return c >= '0' && c <= '7'; });
        else
            d = digitsOf([](char c) { return c == '0' || c == '1'; });
        t.kind = Token::Kind::Int;
        t.i = toInt(d, kind == 'x' ? 16 : kind == 'o' ? 8 : 2);
    } else {
        std::string text = digitsOf(isDigit);
        bool isFloat = false;
        if (peek() == '.' && !isIdentStart(peek(1))) {
            isFloat = true;
            text += '.';
            advance();
            text += digitsOf(isDigit);
        }
        if (peek() == 'e' || peek() == 'E') {
            const size_t save = m_pos;
            const int saveCol = m_col;
            std::string exp = "e";
            advance();
            if (peek() == '+' || peek() == '-') {
                exp += peek();
                advance();
            }
            if (isDigit(peek())) {
                exp += digitsOf(isDigit);
                text += exp;
                isFloat = true;
            } else {
                m_pos = save;
                m_col = saveCol;
            }
        }
        if (peek() == 'j' || peek() == 'J')
            fail(start, "complex numbers are not supported");
        if (isFloat) {
            t.kind = Token::Kind::Float;
            if (text.size() > 400)
                fail(start, "number literal too long");
            t.f = std::strtod(text.c_str(), nullptr);
        } else {
            t.kind = Token::Kind::Int;
            t.i = toInt(text, 10);
        }
    }
    if (isIdentChar(peek()) || (peek() == '.' && isDigit(peek(1))))
        fail(start, "invalid number literal");
    t.text = std::string(m_src.substr(begin, std::min<size_t>(m_pos - begin, 64)));
    push(std::move(t));
}

void Lexer::string(SourceLoc start, std::string_view prefix)
{
    bool raw = false;
    bool formatted = false;
    for (char c : prefix) {
        raw = raw || (c | 0x20) == 'r';
        formatted = formatted || (c | 0x20) == 'f';
    }
    const char quote = peek();
    const bool triple = peek(1) == quote && peek(2) == quote;
    const size_t openLen = triple ? 3 : 1;
    for (size_t k = 0; k < openLen; ++k)
        advance();
    std::string value;
    while (true) {
        if (atEnd())
            fail(start, std::string("unterminated ") + (triple ? "triple-quoted " : "") + "string");
        const char c = peek();
        if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) {
            for (size_t k = 0; k < openLen; ++k)
                advance();
            break;
        }
        if (c == '\n' || c == '\r') {
            if (!triple)
                fail(start, "unterminated string: a line break inside a '...' string");
            if (c == '\r') {
                skipLineBreak();
            } else {
                ++m_pos;
                ++m_line;
                m_col = 1;
            }
            value += '\n';
            continue;
        }
        if (c == '\\') {
            advance();
            if (atEnd())
                continue;
            const char e = peek();
            if (e == '\n' || e == '\r') {
                skipLineBreak();
                if (raw)
                    value += "\\\n";
                continue;
            }
            advance();
            if (raw) {
                value += '\\';
                value += e;
                continue;
            }
            switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            case '0': value += '\0'; break;
            case '\\': value += '\\'; break;
            case '\'': value += '\''; break;
            case '"': value += '"'; break;
            default:
                value += '\\';
                value += e;
            }
            continue;
        }
        value += c;
        advance();
    }
    Token t;
    t.kind = Token::Kind::String;
    t.loc = start;
    t.text = std::move(value);
    t.fstring = formatted;
    push(std::move(t));
}

void Lexer::op()
{
    static const std::array<std::string_view, 27> multi = {
        "**=", "//=", ">>=", "<<=", "...", "**", "//", "->", "==", "!=", "<=", ">=", "+=", "-=",
        "*=", "/=", "%=", "@=", "&=", "|=", "^=", ":=", "<<", ">>", "", "", ""};
    const SourceLoc loc = here();
    for (std::string_view m : multi) {
        if (m.empty() || m_src.substr(m_pos, m.size()) != m)
            continue;
        for (size_t k = 0; k < m.size(); ++k)
            advance();
        pushSimple(Token::Kind::Op, loc, std::string(m));
        return;
    }
    const char c = peek();
    static const std::string_view singles = "()[]{},:.;=+-*/%@<>&|^~!";
    if (singles.find(c) == std::string_view::npos)
        fail(loc, "unexpected character " + describeChar(c));
    if (c == '(' || c == '[' || c == '{') {
        if (static_cast<int>(m_brackets.size()) >= kMaxBracketDepth)
            fail(loc, "brackets are nested more than " + std::to_string(kMaxBracketDepth) + " levels deep");
        m_brackets.push_back({c, loc});
    } else if (c == ')' || c == ']' || c == '}') {
        const char want = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (m_brackets.empty())
            fail(loc, std::string("unmatched '") + c + "'");
        const Open o = m_brackets.back();
        if (o.c != want) {
            const char close = o.c == '(' ? ')' : o.c == '[' ? ']' : '}';
            fail(loc, std::string("expected '") + close + "' to close '" + o.c + "' opened at " + std::to_string(o.loc.line)
                         + ":" + std::to_string(o.loc.column) + ", found '" + c + "'");
        }
        m_brackets.pop_back();
    }
    advance();
    pushSimple(Token::Kind::Op, loc, std::string(1, c));
}

std::variant<TokenStream, ParseError> Lexer::run()
{
    try {
        if (m_src.size() > kMaxSourceBytes)
            fail({1, 1}, "the file is larger than " + std::to_string(kMaxSourceBytes >> 20) + " MiB; ModuleLab reads model files, not data");
        if (m_src.substr(0, 3) == "\xEF\xBB\xBF") { // UTF-8 byte order mark
            m_pos = 3;
        }
        bool lineStart = true;
        while (true) {
            if (lineStart && m_brackets.empty())
                indentation();
            lineStart = false;
            if (atEnd())
                break;
            const char c = peek();
            if (c == ' ' || c == '\t' || c == '\f') {
                advance();
            } else if (c == '#') {
                Comment cm;
                cm.loc = here();
                advance();
                const size_t b = m_pos;
                while (!atEnd() && !atLineBreak())
                    advance();
                cm.text = std::string(m_src.substr(b, m_pos - b));
                m_out.comments.push_back(std::move(cm));
            } else if (c == '\n' || c == '\r') {
                if (m_brackets.empty() && m_lineHasTokens) {
                    pushSimple(Token::Kind::Newline, here());
                    m_lineHasTokens = false;
                }
                skipLineBreak();
                lineStart = true;
            } else if (c == '\\') {
                const SourceLoc loc = here();
                advance();
                if (!atLineBreak())
                    fail(loc, "unexpected character '\\' (a line continuation must end the line)");
                skipLineBreak(); // explicit continuation: the next line does not start a new statement
            } else if (isIdentStart(c)) {
                const SourceLoc loc = here();
                const size_t b = m_pos;
                while (!atEnd() && isIdentChar(peek()))
                    advance();
                const std::string_view word = m_src.substr(b, m_pos - b);
                if ((peek() == '\'' || peek() == '"') && isStringPrefix(word)) {
                    string(loc, word);
                } else {
                    if (word.size() > 256)
                        fail(loc, "identifier longer than 256 characters");
                    pushSimple(Token::Kind::Name, loc, std::string(word));
                }
                m_lineHasTokens = true;
            } else if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
                number();
                m_lineHasTokens = true;
            } else if (c == '\'' || c == '"') {
                string(here(), {});
                m_lineHasTokens = true;
            } else {
                op();
                m_lineHasTokens = true;
            }
        }
        if (!m_brackets.empty()) {
            const Open o = m_brackets.back();
            const char close = o.c == '(' ? ')' : o.c == '[' ? ']' : '}';
            fail(here(), std::string("expected '") + close + "' to close '" + o.c + "' opened at " + std::to_string(o.loc.line) + ":"
                             + std::to_string(o.loc.column) + ", found the end of the file");
        }
        if (m_lineHasTokens)
            pushSimple(Token::Kind::Newline, here());
        while (m_indents.size() > 1) {
            m_indents.pop_back();
            pushSimple(Token::Kind::Dedent, here());
        }
        pushSimple(Token::Kind::End, here());
    } catch (Failure& f) {
        return std::move(f.error);
    }
    return std::move(m_out);
}

} // namespace

bool isKeyword(std::string_view w)
{
    static const std::array<std::string_view, 35> keywords = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
        "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"};
    for (std::string_view k : keywords)
        if (k == w)
            return true;
    return false;
}

std::variant<TokenStream, ParseError> tokenize(std::string_view source, std::string_view fileName, SourceLoc origin)
{
    return Lexer(source, fileName, origin).run();
}

} // namespace ml::python
