#include "engine/python/parser.h"

#include "engine/python/syntax.h"
#include "engine/python/stackguard.h"

#include <algorithm>
#include <cmath>

namespace ml::python {

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

const std::string kNotYet = "not supported by ModuleLab yet: ";

bool isCompareOp(const Token& t)
{
    if (t.kind == Token::Kind::Op)
        return t.text == "<" || t.text == ">" || t.text == "==" || t.text == "!=" || t.text == "<=" || t.text == ">=";
    return t.kind == Token::Kind::Name && (t.text == "in" || t.text == "is" || t.text == "not");
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
            fileStatement(out, false);
        return out;
    }

    std::vector<Stmt> statementsOnly()
    {
        std::vector<Stmt> out;
        while (cur().kind == Token::Kind::Newline)
            ++m_p;
        while (cur().kind != Token::Kind::End)
            codeStatement(out);
        return out;
    }

    Node expressionOnly()
    {
        while (cur().kind == Token::Kind::Indent)
            ++m_p;
        Node e = expressionList(true);
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
    bool acceptWord(std::string_view s)
    {
        if (!isWord(s))
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
            fail(n.loc, kNotYet + "expressions nested more than " + std::to_string(kMaxExprDepth) + " levels deep");
    }
    Node finish(Node n)
    {
        setDepth(n);
        guardDepth(n);
        return n;
    }
    bool atLineEnd() const
    {
        return cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End || isOp(";");
    }

    // ---- statements ------------------------------------------------------------------
    void fileStatement(std::vector<Statement>& out, bool inClass);
    void skipped(std::vector<Statement>& out, const std::string& what, const std::string& why);
    Stmt tryStatement();
    void codeStatement(std::vector<Stmt>& out);
    void simpleStatements(std::vector<Stmt>& out);
    Stmt simpleStatement();
    std::vector<Stmt> block();
    std::vector<Statement> classBlock();
    void skipHeaderAndBlock();
    void importStatement(std::vector<Statement>& out);
    Statement classDef();
    Statement funcDef(std::vector<std::string> decorators, bool method);
    Stmt ifStatement();
    Stmt whileStatement();
    Stmt forStatement();
    std::vector<Param> parameters();
    void localImport(std::vector<Stmt>& out);
    std::vector<Param> parameterList(std::string_view close);
    Node lambda();
    Node target(Node n);

    // ---- expressions -----------------------------------------------------------------
    Node expressionList(bool allowStar = false);
    Node expression(); // conditional expression
    Node orTest();
    Node andTest();
    // `a WORD b WORD c`: one BoolOp node of the operands (word "or" / "and"), or the one operand.
    Node boolChain(std::string_view word, Node (Parser::*operand)());
    Node notTest();
    Node comparison();
    Node bitOr();
    Node binaryLevel(size_t level);
    Node unary();
    Node power();
    Node primary();
    Node atom();
    Node starOrExpression();
    Node subscriptItem();
    Node fstring(const Token& t, Node prefix);
    void comprehension(Node& comp, const Token& open);
    void callArguments(Node& call, const Token& open);
    Node binary(std::string op, Node lhs, Node rhs, SourceLoc loc);
    struct RecursionGuard {
        Parser& p;
        explicit RecursionGuard(Parser& parser, SourceLoc loc) : p(parser)
        {
            if (++p.m_recursion > kMaxExprDepth)
                p.fail(loc, kNotYet + "expressions nested more than " + std::to_string(kMaxExprDepth) + " levels deep");
            // A worker thread's stack may be smaller than the deepest expression needs.
            if (ml::detail::StackGuard::low())
                p.fail(loc, kNotYet + "the code nests too deeply (ModuleLab stops reading it before its stack runs out)");
        }
        ~RecursionGuard() { --p.m_recursion; }
    };

    const std::vector<Token>& m_t;
    std::string_view m_file;
    size_t m_p = 0;
    int m_recursion = 0;
    int m_blockDepth = 0;
};

// ---- statements ----------------------------------------------------------------------

void Parser::skipped(std::vector<Statement>& out, const std::string& what, const std::string& why)
{
    Statement s;
    s.kind = Statement::Kind::Skipped;
    s.loc = cur().loc;
    s.name = what;
    skipHeaderAndBlock();
    while (isWord("else") || isWord("elif") || isWord("except") || isWord("finally"))
        skipHeaderAndBlock();
    if (!why.empty())
        notes.push_back({"", Severity::Info, why, s.loc});
    out.push_back(std::move(s));
}

bool isMainGuard(const std::vector<Token>& t, size_t p)
{
    // if __name__ == "__main__":  (either order)
    auto at = [&](size_t k) -> const Token& { return t[std::min(p + k, t.size() - 1)]; };
    const bool nameFirst = at(1).kind == Token::Kind::Name && at(1).text == "__name__" && at(2).text == "=="
        && at(3).kind == Token::Kind::String && at(3).text == "__main__";
    const bool mainFirst = at(1).kind == Token::Kind::String && at(1).text == "__main__" && at(2).text == "=="
        && at(3).kind == Token::Kind::Name && at(3).text == "__name__";
    return nameFirst || mainFirst;
}

void Parser::fileStatement(std::vector<Statement>& out, bool inClass)
{
    const Token& t = cur();
    if (t.kind == Token::Kind::Indent)
        fail(t.loc, "unexpected indent");
    if (t.kind == Token::Kind::Newline) {
        ++m_p;
        return;
    }
    if (t.kind == Token::Kind::Dedent || t.kind == Token::Kind::End)
        fail(t.loc, "expected a statement, found " + describe(t));
    std::vector<std::string> decorators;
    SourceLoc decoratorLoc = t.loc;
    while (isOp("@")) {
        ++m_p;
        Node d = expression();
        decorators.push_back(d.kind == Node::Kind::Call ? d.items[0].dotted() : d.dotted());
        endOfSimpleStatement();
    }
    if (!decorators.empty() && !isWord("def") && !isWord("class"))
        fail(cur().loc, "expected 'def' after a decorator, found " + describe(cur()));
    if (isWord("class")) {
        if (!decorators.empty())
            notes.push_back({"", Severity::Info, "decorator @" + decorators[0] + " of a class ignored", decoratorLoc});
        if (inClass)
            fail(cur().loc, kNotYet + "a class inside a class; define every class at the top level of the file");
        out.push_back(classDef());
        return;
    }
    if (isWord("def")) {
        out.push_back(funcDef(std::move(decorators), inClass));
        return;
    }
    if (isWord("import") || isWord("from")) {
        importStatement(out);
        return;
    }
    if (!inClass && isWord("if") && isMainGuard(m_t, m_p)) {
        skipped(out, "if __name__ == '__main__'", "");
        return;
    }
    if (inClass && isWord("try")) {
        skipped(out, "try", "'try' block in a class body not run: ModuleLab runs definitions and assignments there");
        return;
    }
    if (isWord("with") || isWord("async")) {
        const std::string w = cur().text;
        skipped(out, w, "top-level '" + w + "' block not run: ModuleLab runs definitions, assignments, if, for and while here");
        return;
    }
    std::vector<Stmt> code;
    codeStatement(code);
    for (Stmt& c : code) {
        Statement s;
        s.kind = Statement::Kind::Code;
        s.loc = c.loc;
        s.code = std::move(c);
        out.push_back(std::move(s));
    }
}

// try: body; orelse = its clauses in order, each a Stmt of kind Try whose targets[0] is "except"
// (value = the exception class or tuple of classes, None for a bare except; op = the `as` name),
// "else" or "finally", with the clause's block as body.
Stmt Parser::tryStatement()
{
    Stmt st;
    st.kind = Stmt::Kind::Try;
    st.loc = cur().loc;
    ++m_p;
    st.body = block();
    auto clause = [&](const char* what) {
        Stmt c;
        c.kind = Stmt::Kind::Try;
        c.loc = cur().loc;
        c.targets = {what};
        c.value.loc = c.loc;
        ++m_p;
        return c;
    };
    bool bare = false;
    while (isWord("except")) {
        if (bare)
            fail(cur().loc, "default 'except:' must be last");
        Stmt c = clause("except");
        if (!isOp(":")) {
            c.value = expression();
            if (acceptWord("as"))
                c.op = name("a name after 'as'");
        } else {
            bare = true;
        }
        c.body = block();
        st.orelse.push_back(std::move(c));
    }
    const bool handlers = !st.orelse.empty();
    if (handlers && isWord("else")) {
        Stmt c = clause("else");
        c.body = block();
        st.orelse.push_back(std::move(c));
    }
    if (isWord("finally")) {
        Stmt c = clause("finally");
        c.body = block();
        st.orelse.push_back(std::move(c));
    }
    if (st.orelse.empty())
        fail(cur().loc, "expected 'except' or 'finally' block");
    return st;
}

void Parser::codeStatement(std::vector<Stmt>& out)
{
    const Token& t = cur();
    if (t.kind == Token::Kind::Indent)
        fail(t.loc, "unexpected indent");
    if (t.kind == Token::Kind::Newline) {
        ++m_p;
        return;
    }
    if (t.kind == Token::Kind::Dedent || t.kind == Token::Kind::End)
        fail(t.loc, "expected a statement, found " + describe(t));
    if (t.kind == Token::Kind::Op && t.text == "@")
        fail(t.loc, kNotYet + "a decorated function inside a function");
    if (t.kind == Token::Kind::Name) {
        const std::string& w = t.text;
        if (w == "if") {
            out.push_back(ifStatement());
            return;
        }
        if (w == "while") {
            out.push_back(whileStatement());
            return;
        }
        if (w == "for") {
            out.push_back(forStatement());
            return;
        }
        if (w == "def") {
            Stmt d;
            d.kind = Stmt::Kind::Def;
            d.loc = t.loc;
            ++m_p;
            d.op = name("a function name");
            d.params = parameters();
            d.body = block();
            out.push_back(std::move(d));
            return;
        }
        if (w == "class")
            fail(t.loc, kNotYet + "a class defined inside a function; define it at the top level");
        if (w == "with") {
            Stmt st;
            st.kind = Stmt::Kind::With;
            st.loc = t.loc;
            ++m_p;
            st.value = expression();
            st.target.loc = st.loc;
            if (acceptWord("as"))
                st.target = target(bitOr());
            if (isOp(","))
                fail(cur().loc, kNotYet + "several context managers in one 'with'");
            st.body = block();
            out.push_back(std::move(st));
            return;
        }
        if (w == "try") {
            out.push_back(tryStatement());
            return;
        }
        if (w == "import" || w == "from") {
            localImport(out);
            return;
        }
        if (w == "async")
            fail(t.loc, kNotYet + "'async' functions");
    }
    simpleStatements(out);
}

void Parser::simpleStatements(std::vector<Stmt>& out)
{
    out.push_back(simpleStatement());
    while (acceptOp(";")) {
        if (cur().kind == Token::Kind::Newline || cur().kind == Token::Kind::End)
            break;
        out.push_back(simpleStatement());
    }
    endOfSimpleStatement();
}

// The checked assignment target: names, attributes, subscripts, tuples/lists of them, *rest.
Node Parser::target(Node n)
{
    switch (n.kind) {
    case Node::Kind::Name:
    case Node::Kind::Attr:
    case Node::Kind::Subscript: return n;
    case Node::Kind::Tuple:
    case Node::Kind::List:
        for (Node& c : n.items)
            c = target(std::move(c));
        return n;
    case Node::Kind::Starred:
        n.items[0] = target(std::move(n.items[0]));
        return n;
    default: fail(n.loc, "cannot assign to " + (n.kind == Node::Kind::Call ? std::string("a function call") : "'" + toSource(n) + "'"));
    }
}

void setTargets(Stmt& s, Node t)
{
    // plain names (x, or a, b) stay a list of names: the form the GUI edits
    bool names = t.kind == Node::Kind::Name;
    if (t.kind == Node::Kind::Tuple && !t.items.empty()) {
        names = true;
        for (const Node& c : t.items)
            names = names && c.kind == Node::Kind::Name;
    }
    if (names) {
        if (t.kind == Node::Kind::Name)
            s.targets = {t.text};
        else
            for (const Node& c : t.items)
                s.targets.push_back(c.text);
        return;
    }
    s.target = std::move(t);
}

Stmt Parser::simpleStatement()
{
    Stmt s;
    s.loc = cur().loc;
    if (cur().kind == Token::Kind::Name) {
        const std::string w = cur().text;
        if (w == "pass" || w == "break" || w == "continue") {
            ++m_p;
            s.kind = w == "pass" ? Stmt::Kind::Pass : w == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
            return s;
        }
        if (w == "return") {
            ++m_p;
            s.kind = Stmt::Kind::Return;
            s.value.loc = s.loc;
            if (!atLineEnd())
                s.value = expressionList(true);
            return s;
        }
        if (w == "raise") {
            ++m_p;
            s.kind = Stmt::Kind::Raise;
            s.value.loc = s.loc;
            if (!atLineEnd())
                s.value = expression();
            if (acceptWord("from"))
                (void)expression();
            return s;
        }
        if (w == "assert") {
            ++m_p;
            s.kind = Stmt::Kind::Assert;
            s.value = expression();
            s.target.loc = s.loc;
            if (acceptOp(","))
                s.target = expression();
            return s;
        }
        if (w == "del") {
            ++m_p;
            s.kind = Stmt::Kind::Del;
            s.target = target(expressionList());
            return s;
        }
        if (w == "global" || w == "nonlocal" || w == "yield" || w == "await")
            fail(cur().loc, kNotYet + "'" + w + "'");
        if (isKeyword(w) && w != "True" && w != "False" && w != "None" && w != "not")
            fail(cur().loc, "unexpected '" + w + "' at the start of a statement");
    }
    Node first = expressionList(true);
    if (isOp("=")) {
        ++m_p;
        s.kind = Stmt::Kind::Assign;
        Node value = expressionList(true);
        if (isOp("="))
            fail(cur().loc, kNotYet + "chained assignment (a = b = ...); write one assignment per line");
        setTargets(s, target(std::move(first)));
        s.value = std::move(value);
        return s;
    }
    if (cur().kind == Token::Kind::Op && cur().text.size() >= 2 && cur().text.back() == '=' && cur().text != "=="
        && cur().text != "!=" && cur().text != "<=" && cur().text != ">=") {
        s.kind = Stmt::Kind::AugAssign;
        s.op = cur().text.substr(0, cur().text.size() - 1);
        if (s.op == ":")
            fail(cur().loc, kNotYet + "the ':=' operator");
        ++m_p;
        if (first.kind != Node::Kind::Name && first.kind != Node::Kind::Attr && first.kind != Node::Kind::Subscript)
            fail(first.loc, "illegal target for augmented assignment");
        s.target = std::move(first);
        s.value = expressionList(true);
        return s;
    }
    if (isOp(":")) { // annotated assignment: x: int = 3
        ++m_p;
        (void)expression();
        if (!acceptOp("=")) {
            s.kind = Stmt::Kind::Pass;
            return s;
        }
        s.kind = Stmt::Kind::Assign;
        setTargets(s, target(std::move(first)));
        s.value = expressionList(true);
        return s;
    }
    if (cur().kind == Token::Kind::Op && cur().text != ";")
        fail(cur().loc, "unexpected " + describe(cur()));
    s.kind = Stmt::Kind::ExprStmt;
    s.value = std::move(first);
    return s;
}

std::vector<Stmt> Parser::block()
{
    expectOp(":", "to start the block");
    std::vector<Stmt> body;
    if (cur().kind != Token::Kind::Newline) {
        simpleStatements(body);
        return body;
    }
    ++m_p;
    if (cur().kind != Token::Kind::Indent)
        fail(cur().loc, "expected an indented block, found " + describe(cur()));
    ++m_p;
    if (++m_blockDepth > kMaxBlockDepth)
        fail(cur().loc, "blocks nested more than " + std::to_string(kMaxBlockDepth) + " levels deep");
    while (cur().kind != Token::Kind::Dedent && cur().kind != Token::Kind::End)
        codeStatement(body);
    --m_blockDepth;
    if (cur().kind == Token::Kind::Dedent)
        ++m_p;
    return body;
}

std::vector<Statement> Parser::classBlock()
{
    expectOp(":", "to start the class body");
    std::vector<Statement> body;
    if (cur().kind != Token::Kind::Newline) {
        std::vector<Stmt> code;
        simpleStatements(code);
        for (Stmt& c : code) {
            Statement s;
            s.loc = c.loc;
            s.code = std::move(c);
            body.push_back(std::move(s));
        }
        return body;
    }
    ++m_p;
    if (cur().kind != Token::Kind::Indent)
        fail(cur().loc, "expected an indented block, found " + describe(cur()));
    ++m_p;
    while (cur().kind != Token::Kind::Dedent && cur().kind != Token::Kind::End)
        fileStatement(body, true);
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

// An import inside a function binds its names when it runs, as the assignments Python makes:
// `import a.b as c` is `c = __import__('a.b', fromlist=('*',))`, `import a.b` is
// `a = __import__('a.b')`, `from a import b as c` is `c = __import__('a', fromlist=('b',)).b`.
void Parser::localImport(std::vector<Stmt>& out)
{
    std::vector<Statement> parsed;
    importStatement(parsed);
    const Statement& s = parsed.front();
    auto str = [&](const std::string& text) {
        Expr e;
        e.kind = Expr::Kind::Str;
        e.text = text;
        e.loc = s.loc;
        return e;
    };
    auto importCall = [&](const std::string& module, const std::string& from) {
        Expr call = Expr::call(Expr::name("__import__", s.loc), {str(module)}, s.loc);
        if (!from.empty()) {
            Expr list;
            list.kind = Expr::Kind::Tuple;
            list.loc = s.loc;
            list.items.push_back(str(from));
            call.keywords.emplace_back("fromlist", std::move(list));
            call.keywordLocs.push_back(s.loc);
        }
        return call;
    };
    auto assign = [&](const std::string& name, Expr value) {
        Stmt a;
        a.kind = Stmt::Kind::Assign;
        a.loc = s.loc;
        a.targets = {name};
        a.value = std::move(value);
        out.push_back(std::move(a));
    };
    for (const auto& [name, alias] : s.imports) {
        if (s.kind == Statement::Kind::Import) {
            if (alias.empty())
                assign(name.substr(0, name.find('.')), importCall(name, ""));
            else
                assign(alias, importCall(name, "*"));
        } else {
            if (name == "*")
                fail(s.loc, "SyntaxError: import * only allowed at module level");
            assign(alias.empty() ? name : alias, Expr::attr(importCall(s.name, name), name, s.loc));
        }
    }
}

void Parser::importStatement(std::vector<Statement>& out)
{
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
            if (acceptWord("as"))
                alias = name("a name after 'as'");
            s.imports.emplace_back(std::move(mod), std::move(alias));
        } while (acceptOp(","));
    } else {
        ++m_p; // from
        s.kind = Statement::Kind::FromImport;
        std::string dots;
        while (isOp(".") || isOp("...")) {
            dots += cur().text;
            ++m_p;
        }
        s.name = dots + (isWord("import") ? std::string() : dottedName());
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
            if (acceptOp("*")) {
                s.imports.emplace_back("*", "");
                continue;
            }
            std::string n = name("a name to import");
            std::string alias;
            if (acceptWord("as"))
                alias = name("a name after 'as'");
            s.imports.emplace_back(std::move(n), std::move(alias));
        } while (acceptOp(","));
        if (paren)
            expectClose(open);
    }
    out.push_back(std::move(s));
    if (acceptOp(";") && cur().kind != Token::Kind::Newline && cur().kind != Token::Kind::End) {
        fileStatement(out, false);
        return;
    }
    endOfSimpleStatement();
}

Statement Parser::classDef()
{
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
                fail(cur().loc, kNotYet + "class keywords (metaclass=...)");
            s.bases.push_back(expression());
            if (!acceptOp(","))
                break;
        }
        expectClose(open);
    }
    s.members = classBlock();
    return s;
}

std::vector<Param> Parser::parameters()
{
    const Token open = cur();
    expectOp("(", "to start the parameters");
    std::vector<Param> params = parameterList(")");
    expectClose(open);
    if (acceptOp("->"))
        (void)expression(); // return annotation: ignored
    return params;
}

// Parameters up to (not including) `close`: ")" for a def, ":" for a lambda (whose parameters
// have no annotations).
std::vector<Param> Parser::parameterList(std::string_view close)
{
    std::vector<Param> params;
    bool defaults = false;
    bool keywordOnly = false;
    while (!isOp(close)) {
        Param p;
        p.loc = cur().loc;
        if (acceptOp("/"))
            goto next;
        if (isOp("*") || isOp("**")) {
            p.star = isOp("*") ? 1 : 2;
            ++m_p;
            if (p.star == 1 && (isOp(",") || isOp(close))) { // bare '*': keyword-only parameters follow
                keywordOnly = true;
                goto next;
            }
        }
        p.name = name("a parameter name");
        if (close != ":" && acceptOp(":"))
            (void)expression(); // annotation: ignored
        if (acceptOp("=")) {
            if (p.star)
                fail(p.loc, "a *args or **kwargs parameter cannot have a default");
            p.defaultValue = expression();
            defaults = true;
        } else if (defaults && !p.star && !keywordOnly) {
            fail(p.loc, "parameter '" + p.name + "' without a default follows a parameter with a default");
        }
        if (p.star == 1)
            keywordOnly = true;
        for (const Param& q : params)
            if (q.name == p.name)
                fail(p.loc, "duplicate argument '" + p.name + "' in function definition");
        params.push_back(std::move(p));
    next:
        if (!acceptOp(","))
            break;
    }
    return params;
}

Statement Parser::funcDef(std::vector<std::string> decorators, bool method)
{
    Statement s;
    s.kind = Statement::Kind::Def;
    s.loc = cur().loc;
    ++m_p;
    s.name = name("a function name");
    s.params = parameters();
    s.decorators = std::move(decorators);
    const bool isStatic = std::find(s.decorators.begin(), s.decorators.end(), "staticmethod") != s.decorators.end();
    if (method && !isStatic && (s.params.empty() || s.params[0].star))
        fail(s.loc, "method '" + s.name + "' must take 'self' as its first parameter");
    s.body = block();
    return s;
}

Stmt Parser::ifStatement()
{
    Stmt s;
    s.kind = Stmt::Kind::If;
    s.loc = cur().loc;
    ++m_p; // if / elif
    s.value = expression();
    s.body = block();
    if (isWord("elif")) {
        s.orelse.push_back(ifStatement());
    } else if (acceptWord("else")) {
        s.orelse = block();
    }
    return s;
}

Stmt Parser::whileStatement()
{
    Stmt s;
    s.kind = Stmt::Kind::While;
    s.loc = cur().loc;
    ++m_p;
    s.value = expression();
    s.body = block();
    if (acceptWord("else"))
        s.orelse = block();
    return s;
}

Stmt Parser::forStatement()
{
    Stmt s;
    s.kind = Stmt::Kind::For;
    s.loc = cur().loc;
    ++m_p;
    // the targets: a list of bitwise-or expressions up to 'in'
    const SourceLoc tloc = cur().loc;
    Node first = bitOr();
    Node t = std::move(first);
    if (isOp(",")) {
        Node tuple;
        tuple.kind = Node::Kind::Tuple;
        tuple.loc = tloc;
        tuple.items.push_back(std::move(t));
        while (acceptOp(",")) {
            if (isWord("in"))
                break;
            tuple.items.push_back(bitOr());
        }
        t = finish(std::move(tuple));
    }
    if (!isWord("in"))
        fail(cur().loc, "expected 'in' after the loop variables, found " + describe(cur()));
    ++m_p;
    setTargets(s, target(std::move(t)));
    s.value = expressionList(true);
    s.body = block();
    if (acceptWord("else"))
        s.orelse = block();
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
    return finish(std::move(n));
}

Node Parser::starOrExpression()
{
    if (isOp("*")) {
        Node s;
        s.kind = Node::Kind::Starred;
        s.loc = cur().loc;
        ++m_p;
        s.items.push_back(bitOr());
        return finish(std::move(s));
    }
    return expression();
}

Node Parser::expressionList(bool allowStar)
{
    const SourceLoc loc = cur().loc;
    Node first = allowStar ? starOrExpression() : expression();
    if (!isOp(",")) {
        if (first.kind == Node::Kind::Starred)
            fail(first.loc, "can't use starred expression here");
        return first;
    }
    Node t;
    t.kind = Node::Kind::Tuple;
    t.loc = loc;
    t.items.push_back(std::move(first));
    while (acceptOp(",")) {
        if (atLineEnd() || isOp("=") || isOp(")") || isOp("]") || isOp("}") || isOp(":")
            || (cur().kind == Token::Kind::Op && cur().text.size() >= 2 && cur().text.back() == '=' && cur().text != "=="
                && cur().text != "!=" && cur().text != "<=" && cur().text != ">="))
            break;
        if (isWord("in"))
            break;
        t.items.push_back(allowStar ? starOrExpression() : expression());
    }
    return finish(std::move(t));
}

Node Parser::expression()
{
    const SourceLoc loc = cur().loc;
    RecursionGuard guard(*this, loc);
    if (isWord("lambda"))
        return lambda();
    Node body = orTest();
    if (!isWord("if"))
        return body;
    // `x if cond else y`, but not the `if` of a comprehension clause (no else follows there)
    size_t save = m_p;
    ++m_p;
    Node test = orTest();
    if (!acceptWord("else")) {
        m_p = save;
        return body;
    }
    Node orelse = expression();
    Node n;
    n.kind = Node::Kind::IfExp;
    n.loc = loc;
    n.items.push_back(std::move(body));
    n.items.push_back(std::move(test));
    n.items.push_back(std::move(orelse));
    return finish(std::move(n));
}

// lambda params: body
Node Parser::lambda()
{
    Node n;
    n.kind = Node::Kind::Lambda;
    n.loc = cur().loc;
    ++m_p;
    n.params = parameterList(":");
    expectOp(":", "after the lambda's parameters");
    n.items.push_back(expression());
    return finish(std::move(n));
}

Node Parser::boolChain(std::string_view word, Node (Parser::*operand)())
{
    const SourceLoc loc = cur().loc;
    Node first = (this->*operand)();
    if (!isWord(word))
        return first;
    Node n;
    n.kind = Node::Kind::BoolOp;
    n.text = std::string(word);
    n.loc = loc;
    n.items.push_back(std::move(first));
    while (acceptWord(word))
        n.items.push_back((this->*operand)());
    return finish(std::move(n));
}

Node Parser::orTest() { return boolChain("or", &Parser::andTest); }

Node Parser::andTest() { return boolChain("and", &Parser::notTest); }

Node Parser::notTest()
{
    const SourceLoc loc = cur().loc;
    if (acceptWord("not")) {
        RecursionGuard guard(*this, loc);
        Node n;
        n.kind = Node::Kind::Not;
        n.loc = loc;
        n.items.push_back(notTest());
        return finish(std::move(n));
    }
    return comparison();
}

Node Parser::comparison()
{
    const SourceLoc loc = cur().loc;
    Node first = bitOr();
    if (!isCompareOp(cur()) || (isWord("not") && !(ahead(1).kind == Token::Kind::Name && ahead(1).text == "in")))
        return first;
    Node n;
    n.kind = Node::Kind::Compare;
    n.loc = loc;
    n.items.push_back(std::move(first));
    while (isCompareOp(cur())) {
        std::string op = cur().text;
        if (op == "not") {
            if (!(ahead(1).kind == Token::Kind::Name && ahead(1).text == "in"))
                break;
            ++m_p;
            op = "not in";
        } else if (op == "is" && ahead(1).kind == Token::Kind::Name && ahead(1).text == "not") {
            ++m_p;
            op = "is not";
        }
        ++m_p;
        n.ops.push_back(std::move(op));
        n.items.push_back(bitOr());
    }
    return finish(std::move(n));
}

// Python's binary operators from the loosest to the tightest binding; each level is
// left-associative and its operands are expressions of the next level (the last: unary()).
static const std::vector<std::vector<std::string>> kBinaryLevels = {
    {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"},
};

Node Parser::bitOr() { return binaryLevel(0); }

Node Parser::binaryLevel(size_t level)
{
    if (level == kBinaryLevels.size())
        return unary();
    const SourceLoc loc = cur().loc;
    Node lhs = binaryLevel(level + 1);
    const auto atOperator = [&] {
        for (const std::string& op : kBinaryLevels[level])
            if (isOp(op))
                return true;
        return false;
    };
    while (atOperator()) {
        std::string op = cur().text;
        ++m_p;
        lhs = binary(std::move(op), std::move(lhs), binaryLevel(level + 1), loc);
    }
    return lhs;
}

Node Parser::unary()
{
    const SourceLoc loc = cur().loc;
    RecursionGuard guard(*this, loc);
    if (isOp("-") || isOp("+") || isOp("~")) {
        const std::string op = cur().text;
        ++m_p;
        Node operand = unary();
        if (op == "-" && operand.kind == Node::Kind::Int && operand.loc.line == loc.line && operand.i >= 0) {
            operand.i = -operand.i;
            operand.loc = loc;
            return operand;
        }
        if (op == "-" && operand.kind == Node::Kind::Float && !std::signbit(operand.f)) {
            operand.f = -operand.f;
            operand.loc = loc;
            return operand;
        }
        Node out;
        out.kind = op == "-" ? Node::Kind::Neg : op == "+" ? Node::Kind::Pos : Node::Kind::Invert;
        out.loc = loc;
        out.items.push_back(std::move(operand));
        return finish(std::move(out));
    }
    return power();
}

Node Parser::power()
{
    const SourceLoc loc = cur().loc;
    Node base = primary();
    if (acceptOp("**"))
        return binary("**", std::move(base), unary(), loc);
    return base;
}

Node Parser::subscriptItem()
{
    const SourceLoc loc = cur().loc;
    Node lower;
    lower.loc = loc;
    if (!isOp(":")) {
        lower = starOrExpression();
        if (!isOp(":"))
            return lower;
    }
    Node s;
    s.kind = Node::Kind::Slice;
    s.loc = loc;
    ++m_p; // ':'
    Node upper, step;
    upper.loc = step.loc = cur().loc;
    if (!isOp(":") && !isOp("]") && !isOp(","))
        upper = expression();
    if (acceptOp(":") && !isOp("]") && !isOp(","))
        step = expression();
    s.items.push_back(std::move(lower));
    s.items.push_back(std::move(upper));
    s.items.push_back(std::move(step));
    return finish(std::move(s));
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
            n = finish(std::move(a));
        } else if (isOp("(")) {
            const Token open = cur();
            ++m_p;
            Node c;
            c.kind = Node::Kind::Call;
            c.loc = start;
            c.items.push_back(std::move(n));
            callArguments(c, open);
            n = finish(std::move(c));
        } else if (isOp("[")) {
            const Token open = cur();
            ++m_p;
            const SourceLoc iloc = cur().loc;
            Node index = subscriptItem();
            if (isOp(",")) {
                Node t;
                t.kind = Node::Kind::Tuple;
                t.loc = iloc;
                t.items.push_back(std::move(index));
                while (acceptOp(",")) {
                    if (isOp("]"))
                        break;
                    t.items.push_back(subscriptItem());
                }
                index = finish(std::move(t));
            }
            expectClose(open);
            Node s;
            s.kind = Node::Kind::Subscript;
            s.loc = start;
            s.items.push_back(std::move(n));
            s.items.push_back(std::move(index));
            n = finish(std::move(s));
        } else {
            return n;
        }
    }
}

void Parser::callArguments(Node& call, const Token& open)
{
    while (!isOp(")")) {
        if (acceptOp("**")) {
            call.keywordLocs.push_back(cur().loc);
            call.keywords.emplace_back(std::string(), expression());
        } else if (cur().kind == Token::Kind::Name && ahead(1).kind == Token::Kind::Op && ahead(1).text == "=") {
            const SourceLoc kwLoc = cur().loc;
            std::string kw = name("a keyword name");
            ++m_p; // '='
            for (const auto& existing : call.keywords)
                if (existing.first == kw)
                    fail(kwLoc, "keyword argument repeated: " + kw);
            call.keywords.emplace_back(std::move(kw), expression());
            call.keywordLocs.push_back(kwLoc);
        } else {
            if (!call.keywords.empty() && !isOp("*"))
                fail(cur().loc, "positional argument follows keyword argument");
            Node arg = starOrExpression();
            if (isWord("for")) { // f(x for x in xs)
                Node comp;
                comp.kind = Node::Kind::Comp;
                comp.text = "gen";
                comp.loc = arg.loc;
                comp.items.push_back(std::move(arg));
                comprehension(comp, open);
                call.items.push_back(std::move(comp));
                return;
            }
            call.items.push_back(std::move(arg));
        }
        if (!acceptOp(","))
            break;
    }
    expectClose(open);
}

// The clauses after the element: for TARGETS in ITERABLE [if COND]... up to the closing bracket.
void Parser::comprehension(Node& comp, const Token& open)
{
    if (comp.items.size() == 1) {
        Node none;
        none.loc = comp.loc;
        comp.items.push_back(std::move(none));
    }
    while (acceptWord("for")) {
        const SourceLoc tloc = cur().loc;
        Node t = bitOr();
        if (isOp(",")) {
            Node tuple;
            tuple.kind = Node::Kind::Tuple;
            tuple.loc = tloc;
            tuple.items.push_back(std::move(t));
            while (acceptOp(",") && !isWord("in"))
                tuple.items.push_back(bitOr());
            t = finish(std::move(tuple));
        }
        if (!acceptWord("in"))
            fail(cur().loc, "expected 'in' in the comprehension, found " + describe(cur()));
        comp.items.push_back(target(std::move(t)));
        comp.items.push_back(orTest());
        Node conds;
        conds.kind = Node::Kind::Tuple;
        conds.loc = cur().loc;
        while (acceptWord("if"))
            conds.items.push_back(orTest());
        comp.items.push_back(finish(std::move(conds)));
    }
    expectClose(open);
    setDepth(comp);
    guardDepth(comp);
}

Node Parser::fstring(const Token& t, Node acc)
{
    // acc: the parts so far (an FString); appends t's literal text and replacement fields
    const std::string& s = t.text;
    std::string literal;
    auto flush = [&] {
        if (literal.empty())
            return;
        if (!acc.items.empty() && acc.items.back().kind == Node::Kind::Str)
            acc.items.back().text += literal;
        else {
            Node lit;
            lit.kind = Node::Kind::Str;
            lit.loc = t.loc;
            lit.text = literal;
            acc.items.push_back(std::move(lit));
        }
        literal.clear();
    };
    if (!t.fstring) {
        literal = s;
        flush();
        return acc;
    }
    for (size_t k = 0; k < s.size(); ++k) {
        const char c = s[k];
        if (c == '}') {
            if (k + 1 < s.size() && s[k + 1] == '}') {
                literal += '}';
                ++k;
                continue;
            }
            fail(t.loc, "f-string: single '}' is not allowed");
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        if (k + 1 < s.size() && s[k + 1] == '{') {
            literal += '{';
            ++k;
            continue;
        }
        // find the end of the expression: ':' or '!' or '}' at bracket depth 0, outside strings
        size_t e = k + 1;
        int depth = 0;
        char quote = 0;
        for (; e < s.size(); ++e) {
            const char d = s[e];
            if (quote) {
                if (d == quote)
                    quote = 0;
                continue;
            }
            if (d == '\'' || d == '"')
                quote = d;
            else if (d == '(' || d == '[' || d == '{')
                ++depth;
            else if ((d == ')' || d == ']' || d == '}') && depth > 0)
                --depth;
            else if (depth == 0 && (d == '}' || d == ':' || (d == '!' && e + 1 < s.size() && s[e + 1] != '=')))
                break;
        }
        if (e >= s.size())
            fail(t.loc, "f-string: expecting '}'");
        auto parsed = parseNode(std::string_view(s).substr(k + 1, e - k - 1), m_file, t.loc);
        if (auto* err = std::get_if<ParseError>(&parsed))
            fail(t.loc, "f-string: " + err->message);
        Node piece;
        piece.kind = Node::Kind::Format;
        piece.loc = t.loc;
        piece.items.push_back(std::move(std::get<Node>(parsed)));
        if (s[e] == '!') {
            if (e + 2 >= s.size() || (s[e + 1] != 'r' && s[e + 1] != 's' && s[e + 1] != 'a'))
                fail(t.loc, "f-string: invalid conversion character");
            piece.i = s[e + 1];
            e += 2;
        }
        if (e < s.size() && s[e] == ':') {
            size_t f = e + 1;
            while (f < s.size() && s[f] != '}')
                ++f;
            if (f >= s.size())
                fail(t.loc, "f-string: expecting '}'");
            piece.text = s.substr(e + 1, f - e - 1);
            if (piece.text.find('{') != std::string::npos)
                fail(t.loc, kNotYet + "nested replacement fields in an f-string format spec");
            e = f;
        }
        if (e >= s.size() || s[e] != '}')
            fail(t.loc, "f-string: expecting '}'");
        flush();
        acc.items.push_back(finish(std::move(piece)));
        k = e;
    }
    flush();
    return acc;
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
    case Token::Kind::String: {
        bool anyF = false;
        for (size_t k = m_p; m_t[k].kind == Token::Kind::String; ++k)
            anyF = anyF || m_t[k].fstring;
        if (anyF) {
            n.kind = Node::Kind::FString;
            while (cur().kind == Token::Kind::String) {
                n = fstring(cur(), std::move(n));
                ++m_p;
            }
            return finish(std::move(n));
        }
        n.kind = Node::Kind::Str;
        while (cur().kind == Token::Kind::String) {
            if (n.text.size() + cur().text.size() > (1u << 20))
                fail(cur().loc, "string literal longer than 1 MiB");
            n.text += cur().text;
            ++m_p;
        }
        return n;
    }
    case Token::Kind::Name:
        if (t.text == "True" || t.text == "False") {
            n.kind = Node::Kind::Bool;
            n.b = t.text == "True";
        } else if (t.text == "None") {
            n.kind = Node::Kind::None;
        } else if (t.text == "yield" || t.text == "await") {
            fail(t.loc, kNotYet + "'" + t.text + "'");
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

    if (t.text == "...") {
        ++m_p;
        n.kind = Node::Kind::Name;
        n.text = "Ellipsis";
        return n;
    }
    const Token open = t;
    if (t.text == "(") {
        ++m_p;
        if (acceptOp(")")) {
            n.kind = Node::Kind::Tuple;
            return n;
        }
        Node first = starOrExpression();
        if (isWord("for")) {
            Node comp;
            comp.kind = Node::Kind::Comp;
            comp.text = "gen";
            comp.loc = t.loc;
            comp.items.push_back(std::move(first));
            comprehension(comp, open);
            return comp;
        }
        if (!isOp(",")) {
            if (first.kind == Node::Kind::Starred)
                fail(first.loc, "can't use starred expression here");
            expectClose(open);
            return first;
        }
        n.kind = Node::Kind::Tuple;
        n.items.push_back(std::move(first));
        while (acceptOp(",")) {
            if (isOp(")"))
                break;
            n.items.push_back(starOrExpression());
        }
        expectClose(open);
        return finish(std::move(n));
    }
    if (t.text == "[") {
        ++m_p;
        n.kind = Node::Kind::List;
        if (acceptOp("]"))
            return n;
        Node first = starOrExpression();
        if (isWord("for")) {
            n.kind = Node::Kind::Comp;
            n.text = "list";
            n.items.push_back(std::move(first));
            comprehension(n, open);
            return n;
        }
        n.items.push_back(std::move(first));
        while (acceptOp(",")) {
            if (isOp("]"))
                break;
            n.items.push_back(starOrExpression());
        }
        expectClose(open);
        return finish(std::move(n));
    }
    if (t.text == "{") {
        ++m_p;
        n.kind = Node::Kind::Dict;
        if (acceptOp("}"))
            return n;
        bool first = true;
        while (!isOp("}")) {
            if (acceptOp("**")) {
                Node marker;
                marker.kind = Node::Kind::Starred;
                marker.loc = cur().loc;
                n.items.push_back(std::move(marker));
                n.items.push_back(bitOr());
            } else {
                Node key = starOrExpression();
                if (!isOp(":")) {
                    if (!first && n.kind != Node::Kind::Set)
                        fail(cur().loc, "expected ':' after a dictionary key, found " + describe(cur()));
                    n.kind = Node::Kind::Set;
                    if (isWord("for")) {
                        n.kind = Node::Kind::Comp;
                        n.text = "set";
                        n.items.push_back(std::move(key));
                        comprehension(n, open);
                        return n;
                    }
                    n.items.push_back(std::move(key));
                } else {
                    if (n.kind == Node::Kind::Set)
                        fail(cur().loc, "invalid syntax: a dictionary entry in a set");
                    ++m_p;
                    Node value = expression();
                    if (first && isWord("for")) {
                        n.kind = Node::Kind::Comp;
                        n.text = "dict";
                        n.items.push_back(std::move(key));
                        n.items.push_back(std::move(value));
                        comprehension(n, open);
                        return n;
                    }
                    n.items.push_back(std::move(key));
                    n.items.push_back(std::move(value));
                }
            }
            first = false;
            if (!acceptOp(","))
                break;
        }
        expectClose(open);
        return finish(std::move(n));
    }
    if (t.text == ")" || t.text == "]" || t.text == "}")
        fail(t.loc, "unexpected '" + t.text + "'");
    fail(t.loc, "expected an expression, found " + describe(t));
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

std::variant<std::vector<Stmt>, ParseError> parseStatements(std::string_view text, std::string_view fileName, SourceLoc origin)
{
    auto tokens = tokenize(text, fileName, origin.valid() ? origin : SourceLoc{1, 1});
    if (auto* err = std::get_if<ParseError>(&tokens))
        return *err;
    const TokenStream& ts = std::get<TokenStream>(tokens);
    Parser p(ts, fileName);
    try {
        return p.statementsOnly();
    } catch (Parser::Failure& e) {
        return std::move(e.error);
    }
}

namespace {

// Parses `text` (one method) inside a class: the Def statement, or an error located in `text`.
std::variant<Statement, ParseError> methodDef(std::string_view text, std::string_view fileName)
{
    // The file parser reads methods inside classes: wrap the text in one, then map locations back.
    std::string source = "class Forward:\n";
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
        source += (blank ? std::string() : "    " + std::string(line)) + "\n";
        start = end + 1;
    }
    const auto unwrap = [](ParseError e) {
        if (e.loc.valid()) {
            e.loc.line = std::max(1, e.loc.line - 1);
            e.loc.column = std::max(1, e.loc.column - 4);
        }
        return e;
    };
    auto parsed = parseFile(source, fileName);
    if (auto* err = std::get_if<ParseError>(&parsed))
        return unwrap(*err);
    const auto& file = std::get<SourceFile>(parsed);
    const auto& cls = file.body.front();
    if (cls.members.size() != 1 || cls.members[0].kind != Statement::Kind::Def)
        return ParseError{std::string(fileName), {1, 1}, "write exactly one method: def forward(self, x):"};
    return cls.members[0];
}

} // namespace

std::variant<Method, ParseError> parseMethod(std::string_view text, std::string_view fileName)
{
    auto def = methodDef(text, fileName);
    if (auto* err = std::get_if<ParseError>(&def))
        return *err;
    const Statement& d = std::get<Statement>(def);
    Method m;
    m.name = d.name;
    m.loc = d.loc;
    m.isFunction = std::find(d.decorators.begin(), d.decorators.end(), "staticmethod") != d.decorators.end();
    m.params.assign(d.params.begin() + (d.params.empty() || m.isFunction ? 0 : 1), d.params.end());
    m.body = d.body;
    return m;
}

std::variant<ForwardProgram, ParseError> parseForwardProgram(std::string_view text, std::string_view fileName)
{
    auto parsedDef = methodDef(text, fileName);
    if (auto* err = std::get_if<ParseError>(&parsedDef))
        return *err;
    const Statement& def = std::get<Statement>(parsedDef);
    const auto unwrap = [](ParseError e) {
        if (e.loc.valid()) {
            e.loc.line = std::max(1, e.loc.line - 1);
            e.loc.column = std::max(1, e.loc.column - 4);
        }
        return e;
    };
    if (def.name != "forward")
        return ParseError{std::string(fileName), {1, 1}, "write exactly one method: def forward(self, x):"};
    if (def.params.empty() || def.params[0].name != "self")
        return ParseError{std::string(fileName), {1, 1}, "forward's first parameter must be self"};
    ForwardProgram program;
    program.params.clear();
    for (size_t i = 1; i < def.params.size(); ++i) {
        if (def.params[i].star)
            return unwrap(ParseError{std::string(fileName), def.params[i].loc, "not supported by ModuleLab yet: *args and **kwargs in forward"});
        program.params.push_back(def.params[i].name);
        if (def.params[i].defaultValue)
            program.defaults.push_back(*def.params[i].defaultValue);
        else if (!program.defaults.empty())
            return unwrap(ParseError{std::string(fileName), def.params[i].loc, "parameter without a default follows a parameter with a default"});
    }
    program.body = def.body;
    return program;
}

std::variant<Expr, ParseError> parseExpression(std::string_view text, SourceLoc origin, std::string_view fileName)
{
    return parseNode(text, fileName, origin);
}

} // namespace ml::python
