#include "engine/python/parser.h"

#include "engine/names.h"
#include "engine/python/syntax.h"

#include <algorithm>

namespace ml::python {

Node::Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

std::string Node::dotted() const
{
    if (kind == Kind::Name)
        return text;
    if (kind == Kind::Attr) {
        std::string base = items[0].dotted();
        return base.empty() ? std::string() : base + "." + text;
    }
    return {};
}

namespace {

std::string where(SourceLoc loc)
{
    return std::to_string(loc.line) + ":" + std::to_string(loc.column);
}

std::string describe(const Token& t)
{
    switch (t.kind) {
    case Token::Kind::Name:
    case Token::Kind::Op: return "'" + t.text + "'";
    case Token::Kind::Int:
    case Token::Kind::Float: return "the number " + t.text;
    case Token::Kind::String: return "a string";
    case Token::Kind::Newline: return "the end of the line";
    case Token::Kind::Indent: return "an indented block";
    case Token::Kind::Dedent: return "the end of the block";
    case Token::Kind::End: return "the end of the file";
    }
    return "a token";
}

const char* closerOf(const std::string& open)
{
    return open == "(" ? ")" : open == "[" ? "]" : "}";
}

void setDepth(Node& n)
{
    int d = 0;
    for (const Node& c : n.items)
        d = std::max(d, c.depth);
    for (const auto& kw : n.keywords)
        d = std::max(d, kw.second.depth);
    n.depth = d + 1;
}

// What each part of a file may contain, for the messages about what ModuleLab reads.
enum class Context { TopLevel, ClassBody, Init, Forward };

std::string contextName(Context c)
{
    switch (c) {
    case Context::TopLevel: return "at the top level";
    case Context::ClassBody: return "in a class body";
    case Context::Init: return "in __init__";
    case Context::Forward: return "in forward";
    }
    return {};
}

std::string contextHint(Context c)
{
    switch (c) {
    case Context::TopLevel: return "ModuleLab reads imports, class definitions and the line that creates the model";
    case Context::ClassBody: return "ModuleLab reads the methods __init__ and forward";
    case Context::Init:
        return "ModuleLab reads super().__init__(), number variables and self.NAME = ... assignments";
    case Context::Forward:
        return "ModuleLab reads assignments, for loops over a ModuleList and return";
    }
    return {};
}

class Parser {
public:
    struct Failure {
        ParseError error;
    };

    Parser(const TokenStream& ts, std::string_view file) : m_t(ts.tokens), m_file(file) {}

    std::vector<Statement> fileBody()
    {
        std::vector<Statement> out;
        while (cur().kind != Token::Kind::End)
            statement(Context::TopLevel, out);
        return out;
    }

    Node expressionOnly()
    {
        while (cur().kind == Token::Kind::Indent)
            ++m_p;
        Node e = expressionList();
        while (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::Dedent)
            ++m_p;
        if (cur().kind != Token::Kind::End)
            fail(cur().loc, "unexpected " + describe(cur()) + " after the expression");
        return e;
    }

    std::vector<Diagnostic> notes;

private:
    [[noreturn]] void fail(SourceLoc loc, std::string msg) { throw Failure{{std::string(m_file), loc, std::move(msg)}}; }
    const Token& cur() const { return m_t[m_p]; }
    const Token& ahead(size_t k) const { return m_t[std::min(m_p + k, m_t.size() - 1)]; }
    bool isOp(std::string_view s) const { return cur().kind == Token::Kind::Op && cur().text == s; }
    bool isWord(std::string_view s) const { return cur().kind == Token::Kind::Name && cur().text == s; }
    bool acceptOp(std::string_view s)
    {
        if (!isOp(s))
            return false;
        ++m_p;
        return true;
    }
    void expectOp(std::string_view s, std::string_view what)
    {
        if (!acceptOp(s))
            fail(cur().loc, "expected '" + std::string(s) + "' " + std::string(what) + ", found " + describe(cur()));
    }
    void expectClose(const Token& open)
    {
        const char* close = closerOf(open.text);
        if (!acceptOp(close))
            fail(cur().loc, std::string("expected '") + close + "' to close '" + open.text + "' opened at " + where(open.loc)
                                + ", found " + describe(cur()));
    }
    std::string name(std::string_view what)
    {
        if (cur().kind != Token::Kind::Name || isKeyword(cur().text))
            fail(cur().loc, "expected " + std::string(what) + ", found " + describe(cur()));
        return m_t[m_p++].text;
    }
    void endOfSimpleStatement()
    {
        if (cur().kind == Token::Kind::Newline) {
            ++m_p;
            return;
        }
        if (cur().kind == Token::Kind::End)
            return;
        fail(cur().loc, "expected the end of the line, found " + describe(cur()));
    }
    void guardDepth(const Node& n)
    {
        if (n.depth > kMaxExprDepth)
            fail(n.loc, "expression nested more than " + std::to_string(kMaxExprDepth) + " levels deep");
    }

    // ---- statements ------------------------------------------------------------------
    void statement(Context ctx, std::vector<Statement>& out);
    void simpleStatements(Context ctx, std::vector<Statement>& out);
    Statement simpleStatement(Context ctx);
    std::vector<Statement> block(Context ctx);
    void skipHeaderAndBlock();
    void importStatement(Context ctx, std::vector<Statement>& out);
    Statement classDef(Context ctx);
    Statement funcDef(Context ctx, Context bodyCtx);
    Statement forStatement(Context ctx);
    std::vector<Param> parameters();

    // ---- expressions -----------------------------------------------------------------
    Node expressionList();
    Node expression();
    Node term();
    Node unary();
    Node primary();
    Node atom();
    void callArguments(Node& call, const Token& open);
    Node binary(std::string op, Node lhs, Node rhs, SourceLoc loc);

    const std::vector<Token>& m_t;
    std::string_view m_file;
    size_t m_p = 0;
    int m_recursion = 0;
};

// ---- statements ----------------------------------------------------------------------

void Parser::statement(Context ctx, std::vector<Statement>& out)
{
    const Token& t = cur();
    if (t.kind == Token::Kind::Indent)
        fail(t.loc, "unexpected indent");
    if (t.kind == Token::Kind::Newline) { // tolerated stray line end
        ++m_p;
        return;
    }
    if (t.kind == Token::Kind::Dedent || t.kind == Token::Kind::End)
        fail(t.loc, "expected a statement, found " + describe(t));
    if (t.kind == Token::Kind::Op && t.text == "@") {
        if (ctx == Context::TopLevel || ctx == Context::ClassBody) {
            const SourceLoc loc = t.loc;
            while (isOp("@")) { // decorators of a skipped function
                while (cur().kind != Token::Kind::Newline && cur().kind != Token::Kind::End)
                    ++m_p;
                endOfSimpleStatement();
            }
            if (!isWord("def") && !isWord("class"))
                fail(cur().loc, "expected 'def' after a decorator, found " + describe(cur()));
            ++m_p;
            const std::string what = name("a name");
            skipHeaderAndBlock();
            Statement s;
            s.kind = Statement::Kind::Skipped;
            s.loc = loc;
            s.name = what;
            notes.push_back({"", Severity::Warning, "decorated definition '" + what + "' ignored: " + contextHint(ctx), loc});
            out.push_back(std::move(s));
            return;
        }
        fail(t.loc, "decorators are not supported " + contextName(ctx) + "; " + contextHint(ctx));
    }
    if (t.kind == Token::Kind::Name) {
        const std::string& w = t.text;
        if (w == "class") {
            out.push_back(classDef(ctx));
            return;
        }
        if (w == "def") {
            if (ctx == Context::TopLevel) {
                const SourceLoc loc = t.loc;
                ++m_p;
                const std::string fn = name("a function name");
                skipHeaderAndBlock();
                notes.push_back({"", Severity::Warning, "function '" + fn + "' ignored: " + contextHint(ctx), loc});
                Statement s;
                s.kind = Statement::Kind::Skipped;
                s.loc = loc;
                s.name = fn;
                out.push_back(std::move(s));
                return;
            }
            if (ctx != Context::ClassBody)
                fail(t.loc, "nested functions are not supported " + contextName(ctx) + "; " + contextHint(ctx));
            const std::string& fn = ahead(1).text;
            if (fn == "__init__" || fn == "forward") {
                out.push_back(funcDef(ctx, fn == "forward" ? Context::Forward : Context::Init));
                return;
            }
            const SourceLoc loc = t.loc;
            m_p += 2;
            skipHeaderAndBlock();
            notes.push_back({"", Severity::Warning, "method '" + fn + "' ignored: " + contextHint(ctx), loc});
            Statement s;
            s.kind = Statement::Kind::Skipped;
            s.loc = loc;
            s.name = fn;
            out.push_back(std::move(s));
            return;
        }
        if (w == "for") {
            if (ctx == Context::TopLevel || ctx == Context::ClassBody || ctx == Context::Init) {
                if (ctx != Context::TopLevel)
                    fail(t.loc, "unsupported statement 'for' " + contextName(ctx) + "; " + contextHint(ctx)
                                    + (ctx == Context::Init ? " (build repeated layers with nn.ModuleList([... for _ in range(n)]))" : ""));
            } else {
                out.push_back(forStatement(ctx));
                return;
            }
        }
        if (w == "if" || w == "while" || w == "with" || w == "try" || w == "for" || w == "async") {
            if (ctx == Context::TopLevel) {
                const SourceLoc loc = t.loc;
                skipHeaderAndBlock();
                // else/elif/except/finally clauses belong to the same skipped statement
                while (isWord("else") || isWord("elif") || isWord("except") || isWord("finally"))
                    skipHeaderAndBlock();
                notes.push_back({"", Severity::Warning, "top-level '" + w + "' block ignored: " + contextHint(ctx), loc});
                Statement s;
                s.kind = Statement::Kind::Skipped;
                s.loc = loc;
                s.name = w;
                out.push_back(std::move(s));
                return;
            }
            fail(t.loc, "unsupported statement '" + w + "' " + contextName(ctx) + "; " + contextHint(ctx));
        }
        if (w == "import" || w == "from") {
            importStatement(ctx, out);
            return;
        }
    }
    simpleStatements(ctx, out);
}

void Parser::simpleStatements(Context ctx, std::vector<Statement>& out)
{
    out.push_back(simpleStatement(ctx));
    while (acceptOp(";")) {
        if (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End)
            break;
        out.push_back(simpleStatement(ctx));
    }
    endOfSimpleStatement();
}

Statement Parser::simpleStatement(Context ctx)
{
    Statement s;
    s.loc = cur().loc;
    if (cur().kind == Token::Kind::Name) {
        const std::string w = cur().text;
        if (w == "pass") {
            ++m_p;
            s.kind = Statement::Kind::Pass;
            return s;
        }
        if (w == "return") {
            if (ctx == Context::TopLevel || ctx == Context::ClassBody)
                fail(cur().loc, "'return' outside a function");
            ++m_p;
            s.kind = Statement::Kind::Return;
            if (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End || isOp(";")) {
                s.bareReturn = true;
                s.value.kind = Node::Kind::None;
                s.value.loc = s.loc;
            } else {
                s.value = expressionList();
            }
            return s;
        }
        if (isKeyword(w) && w != "True" && w != "False" && w != "None")
            fail(cur().loc, "unsupported statement '" + w + "' " + contextName(ctx) + "; " + contextHint(ctx));
    }
    Node first = expressionList();
    if (isOp("=")) {
        ++m_p;
        s.kind = Statement::Kind::Assign;
        s.target = std::move(first);
        s.value = expressionList();
        if (isOp("="))
            fail(cur().loc, "chained assignment (a = b = ...) is not supported; write one assignment per line");
        return s;
    }
    if (cur().kind == Token::Kind::Op && cur().text.size() >= 2 && cur().text.back() == '=' && cur().text != "=="
        && cur().text != "!=" && cur().text != "<=" && cur().text != ">=") {
        s.kind = Statement::Kind::AugAssign;
        s.name = cur().text;
        ++m_p;
        s.target = std::move(first);
        s.value = expressionList();
        return s;
    }
    if (isOp(":"))
        fail(cur().loc, "annotated assignments are not supported " + contextName(ctx) + "; write 'name = value'");
    if (cur().kind == Token::Kind::Op && cur().text != ";")
        fail(cur().loc, "unsupported operator " + describe(cur()) + " " + contextName(ctx));
    s.kind = Statement::Kind::Expr;
    s.value = std::move(first);
    return s;
}

std::vector<Statement> Parser::block(Context ctx)
{
    expectOp(":", "to start the block");
    std::vector<Statement> body;
    if (cur().kind != Token::Kind::Newline) {
        simpleStatements(ctx, body);
        return body;
    }
    ++m_p;
    if (cur().kind != Token::Kind::Indent)
        fail(cur().loc, "expected an indented block, found " + describe(cur()));
    ++m_p;
    while (cur().kind != Token::Kind::Dedent && cur().kind != Token::Kind::End)
        statement(ctx, body);
    if (cur().kind == Token::Kind::Dedent)
        ++m_p;
    return body;
}

// Skips `KEYWORD ...: block` without reading it: up to the ':' that ends the header (outside
// brackets), then either the rest of the line or the indented block.
void Parser::skipHeaderAndBlock()
{
    int depth = 0;
    while (cur().kind != Token::Kind::End) {
        const Token& t = cur();
        if (t.kind == Token::Kind::Op) {
            if (t.text == "(" || t.text == "[" || t.text == "{")
                ++depth;
            else if (t.text == ")" || t.text == "]" || t.text == "}")
                --depth;
            else if (t.text == ":" && depth == 0) {
                // the block starts after the first ':' outside brackets (a lambda in the
                // header would end it early; such headers are not worth reading)
                ++m_p;
                break;
            }
        }
        if (t.kind == Token::Kind::Newline)
            fail(t.loc, "expected ':' at the end of the line");
        ++m_p;
    }
    if (cur().kind != Token::Kind::Newline) {
        while (cur().kind != Token::Kind::Newline && cur().kind != Token::Kind::End)
            ++m_p;
        endOfSimpleStatement();
        return;
    }
    ++m_p;
    if (cur().kind != Token::Kind::Indent)
        fail(cur().loc, "expected an indented block, found " + describe(cur()));
    int level = 0;
    do {
        if (cur().kind == Token::Kind::Indent)
            ++level;
        else if (cur().kind == Token::Kind::Dedent)
            --level;
        ++m_p;
    } while (level > 0 && cur().kind != Token::Kind::End);
}

void Parser::importStatement(Context ctx, std::vector<Statement>& out)
{
    if (ctx != Context::TopLevel)
        fail(cur().loc, "imports are only read at the top level of the file");
    Statement s;
    s.loc = cur().loc;
    auto dottedName = [&] {
        std::string n = name("a module name");
        while (acceptOp("."))
            n += "." + name("a module name");
        return n;
    };
    if (isWord("import")) {
        ++m_p;
        s.kind = Statement::Kind::Import;
        do {
            std::string mod = dottedName();
            std::string alias;
            if (isWord("as")) {
                ++m_p;
                alias = name("a name after 'as'");
            }
            s.imports.emplace_back(std::move(mod), std::move(alias));
        } while (acceptOp(","));
    } else {
        ++m_p; // from
        s.kind = Statement::Kind::FromImport;
        if (isOp("."))
            fail(cur().loc, "relative imports are not supported");
        s.name = dottedName();
        if (!isWord("import"))
            fail(cur().loc, "expected 'import', found " + describe(cur()));
        ++m_p;
        const bool paren = isOp("(");
        const Token open = cur();
        if (paren)
            ++m_p;
        do {
            if (paren && isOp(")"))
                break;
            if (isOp("*")) {
                ++m_p;
                s.imports.emplace_back("*", "");
                continue;
            }
            std::string n = name("a name to import");
            std::string alias;
            if (isWord("as")) {
                ++m_p;
                alias = name("a name after 'as'");
            }
            s.imports.emplace_back(std::move(n), std::move(alias));
        } while (acceptOp(","));
        if (paren)
            expectClose(open);
    }
    out.push_back(std::move(s));
    while (acceptOp(";")) {
        if (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End)
            break;
        simpleStatements(ctx, out);
        return;
    }
    endOfSimpleStatement();
}

Statement Parser::classDef(Context ctx)
{
    if (ctx != Context::TopLevel)
        fail(cur().loc, "nested classes are not supported; define every class at the top level of the file");
    Statement s;
    s.kind = Statement::Kind::Class;
    s.loc = cur().loc;
    ++m_p;
    s.name = name("a class name");
    if (isOp("(")) {
        const Token open = cur();
        ++m_p;
        while (!isOp(")")) {
            if (cur().kind == Token::Kind::Name && ahead(1).kind == Token::Kind::Op && ahead(1).text == "=")
                fail(cur().loc, "class keywords (metaclass=...) are not supported");
            s.bases.push_back(expression());
            if (!acceptOp(","))
                break;
        }
        expectClose(open);
    }
    s.body = block(Context::ClassBody);
    return s;
}

std::vector<Param> Parser::parameters()
{
    std::vector<Param> params;
    const Token open = cur();
    expectOp("(", "to start the parameters");
    bool defaults = false;
    while (!isOp(")")) {
        if (isOp("*") || isOp("**") || isOp("/"))
            fail(cur().loc, "parameters like '" + cur().text + "args' are not supported; list each parameter by name");
        Param p;
        p.loc = cur().loc;
        p.name = name("a parameter name");
        if (acceptOp(":"))
            (void)expression(); // annotation: ignored
        if (acceptOp("=")) {
            p.defaultValue = expression();
            defaults = true;
        } else if (defaults) {
            fail(p.loc, "parameter '" + p.name + "' without a default follows a parameter with a default");
        }
        for (const Param& q : params)
            if (q.name == p.name)
                fail(p.loc, "duplicate parameter '" + p.name + "'");
        params.push_back(std::move(p));
        if (!acceptOp(","))
            break;
    }
    expectClose(open);
    if (acceptOp("->"))
        (void)expression(); // return annotation: ignored
    return params;
}

Statement Parser::funcDef(Context, Context bodyCtx)
{
    Statement s;
    s.kind = Statement::Kind::Def;
    s.loc = cur().loc;
    ++m_p;
    s.name = name("a method name");
    s.params = parameters();
    if (s.params.empty() || s.params[0].name != "self")
        fail(s.loc, "method '" + s.name + "' must take 'self' as its first parameter");
    s.body = block(bodyCtx);
    return s;
}

Statement Parser::forStatement(Context ctx)
{
    Statement s;
    s.kind = Statement::Kind::For;
    s.loc = cur().loc;
    ++m_p;
    const bool paren = isOp("(");
    if (paren)
        ++m_p;
    do {
        s.targets.push_back(name("a loop variable"));
    } while (acceptOp(","));
    if (paren)
        expectOp(")", "to close the loop variables");
    if (!isWord("in"))
        fail(cur().loc, "expected 'in' after the loop variables, found " + describe(cur()));
    ++m_p;
    s.value = expressionList();
    s.body = block(ctx);
    if (isWord("else"))
        fail(cur().loc, "unsupported 'else' after a for loop " + contextName(ctx));
    return s;
}

// ---- expressions ---------------------------------------------------------------------

Node Parser::binary(std::string op, Node lhs, Node rhs, SourceLoc loc)
{
    Node n;
    n.kind = Node::Kind::BinOp;
    n.text = std::move(op);
    n.loc = loc;
    n.items.push_back(std::move(lhs));
    n.items.push_back(std::move(rhs));
    setDepth(n);
    guardDepth(n);
    return n;
}

Node Parser::expressionList()
{
    const SourceLoc loc = cur().loc;
    Node first = expression();
    if (!isOp(","))
        return first;
    Node t;
    t.kind = Node::Kind::Tuple;
    t.loc = loc;
    t.items.push_back(std::move(first));
    while (acceptOp(",")) {
        if (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End || isOp("=") || isOp(";"))
            break;
        t.items.push_back(expression());
    }
    setDepth(t);
    return t;
}

Node Parser::expression()
{
    const SourceLoc loc = cur().loc;
    Node lhs = term();
    while (isOp("+") || isOp("-")) {
        std::string op = cur().text;
        ++m_p;
        lhs = binary(std::move(op), std::move(lhs), term(), loc);
    }
    if (cur().kind == Token::Kind::Op) {
        static const std::vector<std::string_view> unsupported = {"==", "!=", "<", ">", "<=", ">=", "&", "|", "^", "<<", ">>", ":="};
        for (auto u : unsupported)
            if (cur().text == u)
                fail(cur().loc, "unsupported operator '" + cur().text + "'; ModuleLab reads + - * // and parentheses");
    }
    if (cur().kind == Token::Kind::Name) {
        static const std::vector<std::string_view> words = {"if", "and", "or", "is", "not", "lambda"};
        for (auto u : words)
            if (cur().text == u)
                fail(cur().loc, "unsupported '" + cur().text + "' in an expression; ModuleLab reads + - * // and parentheses");
    }
    return lhs;
}

Node Parser::term()
{
    const SourceLoc loc = cur().loc;
    Node lhs = unary();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%") || isOp("@")) {
        if (isOp("%") || isOp("@"))
            fail(cur().loc, "unsupported operator '" + cur().text + "'; ModuleLab reads + - * // and parentheses");
        std::string op = cur().text;
        ++m_p;
        lhs = binary(std::move(op), std::move(lhs), unary(), loc);
    }
    return lhs;
}

Node Parser::unary()
{
    const SourceLoc loc = cur().loc;
    if (++m_recursion > kMaxExprDepth)
        fail(loc, "expression nested more than " + std::to_string(kMaxExprDepth) + " levels deep");
    Node out;
    if (acceptOp("-")) {
        Node operand = unary();
        if (operand.kind == Node::Kind::Int) {
            operand.i = -operand.i;
            operand.loc = loc;
            out = std::move(operand);
        } else if (operand.kind == Node::Kind::Float) {
            operand.f = -operand.f;
            operand.loc = loc;
            out = std::move(operand);
        } else {
            out.kind = Node::Kind::Neg;
            out.loc = loc;
            out.items.push_back(std::move(operand));
            setDepth(out);
            guardDepth(out);
        }
    } else if (acceptOp("+")) {
        out = unary();
    } else if (isOp("~") || isWord("not")) {
        fail(loc, "unsupported operator '" + cur().text + "'");
    } else {
        out = primary();
        if (isOp("**"))
            fail(cur().loc, "unsupported operator '**'; ModuleLab reads + - * // and parentheses");
    }
    --m_recursion;
    return out;
}

Node Parser::primary()
{
    Node n = atom();
    const SourceLoc start = n.loc;
    while (true) {
        if (isOp(".")) {
            ++m_p;
            Node a;
            a.kind = Node::Kind::Attr;
            a.loc = start;
            a.text = name("an attribute name after '.'");
            a.items.push_back(std::move(n));
            setDepth(a);
            guardDepth(a);
            n = std::move(a);
        } else if (isOp("(")) {
            const Token open = cur();
            ++m_p;
            Node c;
            c.kind = Node::Kind::Call;
            c.loc = start;
            c.items.push_back(std::move(n));
            callArguments(c, open);
            setDepth(c);
            guardDepth(c);
            n = std::move(c);
        } else if (isOp("[")) {
            const Token open = cur();
            ++m_p;
            if (isOp(":"))
                fail(cur().loc, "slices are not supported; ModuleLab reads an index such as self.layers[2] or self.blocks['name']");
            Node index = expressionList();
            if (isOp(":"))
                fail(cur().loc, "slices are not supported; ModuleLab reads an index such as self.layers[2] or self.blocks['name']");
            expectClose(open);
            Node s;
            s.kind = Node::Kind::Subscript;
            s.loc = start;
            s.items.push_back(std::move(n));
            s.items.push_back(std::move(index));
            setDepth(s);
            guardDepth(s);
            n = std::move(s);
        } else {
            return n;
        }
    }
}

void Parser::callArguments(Node& call, const Token& open)
{
    while (!isOp(")")) {
        if (isOp("*") || isOp("**"))
            fail(cur().loc, "argument unpacking with '" + cur().text + "' is not supported; write the arguments out");
        if (cur().kind == Token::Kind::Name && ahead(1).kind == Token::Kind::Op && ahead(1).text == "=") {
            const SourceLoc kwLoc = cur().loc;
            std::string kw = name("a keyword name");
            ++m_p; // '='
            for (const auto& existing : call.keywords)
                if (existing.first == kw)
                    fail(kwLoc, "keyword argument '" + kw + "' repeated");
            call.keywords.emplace_back(std::move(kw), expression());
            call.keywordLocs.push_back(kwLoc);
        } else {
            if (!call.keywords.empty())
                fail(cur().loc, "positional argument follows keyword argument");
            call.items.push_back(expression());
            if (isWord("for"))
                fail(cur().loc, "generator expressions are not supported; use a list: [... for _ in range(n)]");
        }
        if (!acceptOp(","))
            break;
    }
    expectClose(open);
}

Node Parser::atom()
{
    const Token& t = cur();
    Node n;
    n.loc = t.loc;
    switch (t.kind) {
    case Token::Kind::Int:
        n.kind = Node::Kind::Int;
        n.i = t.i;
        ++m_p;
        return n;
    case Token::Kind::Float:
        n.kind = Node::Kind::Float;
        n.f = t.f;
        ++m_p;
        return n;
    case Token::Kind::String:
        n.kind = Node::Kind::Str;
        while (cur().kind == Token::Kind::String) {
            if (n.text.size() + cur().text.size() > (1u << 20))
                fail(cur().loc, "string literal longer than 1 MiB");
            n.text += cur().text;
            ++m_p;
        }
        return n;
    case Token::Kind::Name:
        if (t.text == "True" || t.text == "False") {
            n.kind = Node::Kind::Bool;
            n.b = t.text == "True";
        } else if (t.text == "None") {
            n.kind = Node::Kind::None;
        } else if (isKeyword(t.text)) {
            fail(t.loc, "unexpected keyword '" + t.text + "' where an expression was expected");
        } else {
            n.kind = Node::Kind::Name;
            n.text = t.text;
        }
        ++m_p;
        return n;
    case Token::Kind::Op:
        break;
    default:
        fail(t.loc, "expected an expression, found " + describe(t));
    }

    const Token open = t;
    if (t.text == "(") {
        ++m_p;
        if (acceptOp(")")) {
            n.kind = Node::Kind::Tuple;
            return n;
        }
        Node first = expression();
        if (isWord("for"))
            fail(cur().loc, "generator expressions are not supported; use a list: [... for _ in range(n)]");
        if (!isOp(",")) {
            expectClose(open);
            return first;
        }
        n.kind = Node::Kind::Tuple;
        n.items.push_back(std::move(first));
        while (acceptOp(",")) {
            if (isOp(")"))
                break;
            n.items.push_back(expression());
        }
        expectClose(open);
        setDepth(n);
        guardDepth(n);
        return n;
    }
    if (t.text == "[") {
        ++m_p;
        n.kind = Node::Kind::List;
        if (acceptOp("]"))
            return n;
        Node first = expression();
        if (isWord("for")) {
            ++m_p;
            n.kind = Node::Kind::ListComp;
            do {
                n.targets.push_back(name("a loop variable"));
            } while (acceptOp(","));
            if (!isWord("in"))
                fail(cur().loc, "expected 'in' in the list comprehension, found " + describe(cur()));
            ++m_p;
            Node iterable = expression();
            if (isWord("if") || isWord("for"))
                fail(cur().loc, "only one 'for' clause without 'if' is supported in a list comprehension");
            expectClose(open);
            n.items.push_back(std::move(first));
            n.items.push_back(std::move(iterable));
            setDepth(n);
            guardDepth(n);
            return n;
        }
        n.items.push_back(std::move(first));
        while (acceptOp(",")) {
            if (isOp("]"))
                break;
            n.items.push_back(expression());
        }
        expectClose(open);
        setDepth(n);
        guardDepth(n);
        return n;
    }
    if (t.text == "{") {
        ++m_p;
        n.kind = Node::Kind::Dict;
        while (!isOp("}")) {
            if (isOp("**"))
                fail(cur().loc, "dict unpacking with '**' is not supported");
            Node key = expression();
            if (!isOp(":"))
                fail(cur().loc, "expected ':' after a dictionary key, found " + describe(cur())
                                    + (isOp(",") || isOp("}") ? " (sets are not supported)" : ""));
            ++m_p;
            Node value = expression();
            if (isWord("for"))
                fail(cur().loc, "dict comprehensions are not supported; write the entries out");
            n.items.push_back(std::move(key));
            n.items.push_back(std::move(value));
            if (!acceptOp(","))
                break;
        }
        expectClose(open);
        setDepth(n);
        guardDepth(n);
        return n;
    }
    if (t.text == "*")
        fail(t.loc, "unpacking with '*' is not supported; write the elements out");
    if (t.text == ")" || t.text == "]" || t.text == "}")
        fail(t.loc, "unexpected '" + t.text + "'");
    fail(t.loc, "expected an expression, found " + describe(t));
}

// ---- the forward subset --------------------------------------------------------------

struct OpSpec {
    std::string_view name;
    int minPositional;
    int maxPositional; // -1: any number
    std::vector<std::string_view> keywords;
};

// The ops the analysis evaluates; keywords are PyTorch's parameter names after the input.
const std::vector<OpSpec>& functionalOps()
{
    static const std::vector<OpSpec> ops = {
        {"relu", 1, 2, {"inplace"}},
        {"sigmoid", 1, 1, {}},
        {"tanh", 1, 1, {}},
        {"gelu", 1, 1, {"approximate"}},
        {"silu", 1, 2, {"inplace"}},
        {"leaky_relu", 1, 3, {"negative_slope", "inplace"}},
        {"softmax", 1, 2, {"dim"}},
        {"log_softmax", 1, 2, {"dim"}},
        {"max_pool2d", 1, 7, {"kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"}},
        {"avg_pool2d", 1, 7, {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}},
        {"adaptive_avg_pool2d", 1, 2, {"output_size"}},
        {"dropout", 1, 4, {"p", "training", "inplace"}},
        {"dropout2d", 1, 4, {"p", "training", "inplace"}},
    };
    return ops;
}

const std::vector<OpSpec>& torchOps()
{
    static const std::vector<OpSpec> ops = {
        {"relu", 1, 1, {}},
        {"sigmoid", 1, 1, {}},
        {"tanh", 1, 1, {}},
        {"flatten", 1, 3, {"start_dim", "end_dim"}},
        {"cat", 1, 2, {"dim"}},
        {"concat", 1, 2, {"dim"}},
        {"mean", 1, 3, {"dim", "keepdim"}},
        {"add", 2, 2, {}},
    };
    return ops;
}

const std::vector<OpSpec>& tensorMethods()
{
    static const std::vector<OpSpec> ops = {
        {"view", 1, -1, {}},
        {"reshape", 1, -1, {}},
        {"flatten", 0, 2, {"start_dim", "end_dim"}},
        {"size", 0, 1, {"dim"}},
        {"mean", 0, 2, {"dim", "keepdim"}},
        {"dim", 0, 0, {}},
        {"numel", 0, 0, {}},
        {"contiguous", 0, 0, {}},
    };
    return ops;
}

std::string opList(std::string_view prefix, const std::vector<OpSpec>& ops)
{
    std::string s;
    for (const OpSpec& o : ops)
        s += (s.empty() ? "" : ", ") + std::string(prefix) + std::string(o.name);
    return s;
}

class ForwardChecker {
public:
    explicit ForwardChecker(std::string_view file) : m_file(file) {}

    Expr convert(const Node& n);

private:
    [[noreturn]] void fail(SourceLoc loc, std::string msg) { throw Parser::Failure{{std::string(m_file), loc, std::move(msg)}}; }
    void checkCall(const Node& call);
    void checkOp(const Node& call, std::string_view prefix, const std::vector<OpSpec>& ops, std::string_view opName);

    std::string_view m_file;
};

bool isSelfAttr(const Node& n)
{
    return n.kind == Node::Kind::Attr && n.items[0].kind == Node::Kind::Name && n.items[0].text == "self";
}

void ForwardChecker::checkOp(const Node& call, std::string_view prefix, const std::vector<OpSpec>& ops, std::string_view opName)
{
    const Node& callee = call.items[0];
    const OpSpec* spec = nullptr;
    for (const OpSpec& o : ops)
        if (o.name == opName)
            spec = &o;
    if (!spec) {
        std::vector<std::string> names;
        for (const OpSpec& o : ops)
            names.emplace_back(o.name);
        std::string msg = "unsupported function '" + std::string(prefix) + std::string(opName) + "' in forward";
        if (auto hint = didYouMean(opName, names))
            msg += ": did you mean '" + std::string(prefix) + *hint + "'?";
        else
            msg += "; ModuleLab reads " + opList(prefix, ops);
        fail(callee.loc, msg);
    }
    const int positional = static_cast<int>(call.items.size()) - 1;
    const std::string full = std::string(prefix) + std::string(opName);
    if (positional < spec->minPositional)
        fail(call.loc, full + "() needs " + std::to_string(spec->minPositional) + " positional argument"
                           + (spec->minPositional == 1 ? "" : "s"));
    if (spec->maxPositional >= 0 && positional > spec->maxPositional)
        fail(call.items[static_cast<size_t>(spec->maxPositional) + 1].loc,
             full + "() takes at most " + std::to_string(spec->maxPositional) + " positional argument"
                 + (spec->maxPositional == 1 ? "" : "s") + " in ModuleLab");
    for (size_t k = 0; k < call.keywords.size(); ++k) {
        const std::string& kw = call.keywords[k].first;
        if (std::find(spec->keywords.begin(), spec->keywords.end(), kw) != spec->keywords.end())
            continue;
        std::vector<std::string> names(spec->keywords.begin(), spec->keywords.end());
        std::string msg = full + "() got an unexpected keyword argument '" + kw + "'";
        if (auto hint = didYouMean(kw, names))
            msg += ": did you mean '" + *hint + "'?";
        fail(k < call.keywordLocs.size() ? call.keywordLocs[k] : call.loc, msg);
    }
}

void ForwardChecker::checkCall(const Node& call)
{
    const Node& callee = call.items[0];
    static const std::string childHint =
        "; ModuleLab reads child calls (self.conv(x), self.layers[0](x), self.blocks['a'](x)), loop variable calls (m(x)), "
        "F./torch. functions and the tensor methods view, reshape, flatten, size and mean";
    if (callee.kind == Node::Kind::Name) {
        const std::string& n = callee.text;
        if (n == "self" || n == "F" || n == "torch" || n == "nn" || n == "len" || n == "range" || n == "enumerate"
            || n == "print" || n == "super")
            fail(callee.loc, "unsupported call '" + n + "(...)' in forward" + childHint);
        return; // a loop variable (checked by the importer)
    }
    if (isSelfAttr(callee))
        return; // a child call
    if (callee.kind == Node::Kind::Subscript) {
        if (!isSelfAttr(callee.items[0]))
            fail(callee.loc, "unsupported call in forward" + childHint);
        const Node& index = callee.items[1];
        if (index.kind != Node::Kind::Int && index.kind != Node::Kind::Str && index.kind != Node::Kind::Name)
            fail(index.loc, "the index of self." + callee.items[0].text
                                + "[...] must be a number, a 'key' or a loop variable");
        return;
    }
    if (callee.kind == Node::Kind::Attr) {
        const Node& object = callee.items[0];
        if (object.kind == Node::Kind::Name && object.text == "F")
            return checkOp(call, "F.", functionalOps(), callee.text);
        if (object.kind == Node::Kind::Name && object.text == "torch")
            return checkOp(call, "torch.", torchOps(), callee.text);
        if (object.kind == Node::Kind::Name && object.text == "nn")
            fail(callee.loc, "creating layers (nn." + callee.text + "(...)) in forward is not supported; create them in __init__ as self.NAME = nn."
                                 + callee.text + "(...)");
        if (isSelfAttr(object))
            fail(callee.loc, "unsupported call 'self." + object.text + "." + callee.text + "(...)' in forward" + childHint);
        return checkOp(call, ".", tensorMethods(), callee.text);
    }
    if (callee.kind == Node::Kind::Call && callee.items[0].kind == Node::Kind::Attr && callee.items[0].items[0].kind == Node::Kind::Name
        && callee.items[0].items[0].text == "nn")
        fail(callee.loc, "creating layers (nn." + callee.items[0].text + "(...)) in forward is not supported; create them in __init__ as self.NAME = nn."
                             + callee.items[0].text + "(...)");
    fail(callee.loc, "unsupported call in forward" + childHint);
}

Expr ForwardChecker::convert(const Node& n)
{
    Expr e;
    e.loc = n.loc;
    e.text = n.text;
    e.i = n.i;
    e.f = n.f;
    e.b = n.b;
    switch (n.kind) {
    case Node::Kind::Name: e.kind = Expr::Kind::Name; break;
    case Node::Kind::Int: e.kind = Expr::Kind::Int; break;
    case Node::Kind::Float: e.kind = Expr::Kind::Float; break;
    case Node::Kind::Bool: e.kind = Expr::Kind::Bool; break;
    case Node::Kind::None: e.kind = Expr::Kind::None; break;
    case Node::Kind::Str: e.kind = Expr::Kind::Str; break;
    case Node::Kind::Tuple: e.kind = Expr::Kind::Tuple; break;
    case Node::Kind::List: e.kind = Expr::Kind::List; break;
    case Node::Kind::BinOp: e.kind = Expr::Kind::BinOp; break;
    case Node::Kind::Neg: e.kind = Expr::Kind::Neg; break;
    case Node::Kind::Attr:
        e.kind = Expr::Kind::Attr;
        if (n.items[0].kind != Node::Kind::Name && n.items[0].kind != Node::Kind::Attr)
            fail(n.loc, "unsupported attribute '." + n.text + "' in forward");
        break;
    case Node::Kind::Subscript:
        e.kind = Expr::Kind::Subscript;
        if (!isSelfAttr(n.items[0]) && !(n.items[0].kind == Node::Kind::Attr && n.items[0].text == "shape"))
            fail(n.loc, "indexing is only supported on containers of self (self.layers[0], self.blocks['a']) and x.shape");
        break;
    case Node::Kind::Call:
        e.kind = Expr::Kind::Call;
        checkCall(n);
        break;
    case Node::Kind::Dict: fail(n.loc, "dictionaries are not supported in forward");
    case Node::Kind::ListComp: fail(n.loc, "list comprehensions are not supported in forward");
    }
    if (e.kind == Expr::Kind::Str && e.text.find_first_of("'\\\n\r") != std::string::npos)
        fail(n.loc, "strings in forward may not contain quotes, backslashes or line breaks");
    e.items.reserve(n.items.size());
    for (const Node& c : n.items)
        e.items.push_back(convert(c));
    for (const auto& [k, v] : n.keywords)
        e.keywords.emplace_back(k, convert(v));
    return e;
}

} // namespace

std::variant<SourceFile, ParseError> parseFile(std::string_view source, std::string_view fileName)
{
    auto tokens = tokenize(source, fileName);
    if (auto* err = std::get_if<ParseError>(&tokens))
        return *err;
    TokenStream& ts = std::get<TokenStream>(tokens);
    Parser p(ts, fileName);
    SourceFile f;
    try {
        f.body = p.fileBody();
    } catch (Parser::Failure& e) {
        return std::move(e.error);
    }
    f.comments = std::move(ts.comments);
    f.notes = std::move(p.notes);
    return f;
}

std::variant<Expr, ParseError> toForwardExpr(const Node& node, std::string_view fileName)
{
    try {
        return ForwardChecker(fileName).convert(node);
    } catch (Parser::Failure& e) {
        return std::move(e.error);
    }
}

std::variant<Node, ParseError> parseNode(std::string_view text, std::string_view fileName, SourceLoc origin)
{
    if (!origin.valid())
        origin = {1, 1};
    if (origin.column < 1)
        origin.column = 1;
    auto tokens = tokenize(text, fileName, origin);
    if (auto* err = std::get_if<ParseError>(&tokens))
        return *err;
    const TokenStream& ts = std::get<TokenStream>(tokens);
    Parser p(ts, fileName);
    try {
        return p.expressionOnly();
    } catch (Parser::Failure& e) {
        return std::move(e.error);
    }
}

std::variant<Expr, ParseError> parseExpression(std::string_view text, SourceLoc origin, std::string_view fileName)
{
    auto node = parseNode(text, fileName, origin);
    if (auto* err = std::get_if<ParseError>(&node))
        return *err;
    return toForwardExpr(std::get<Node>(node), fileName);
}

} // namespace ml::python
