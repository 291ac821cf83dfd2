#include "engine/program.h"

#include "engine/argvalue.h"

#include <cmath>

namespace ml {

// Out of line: with clang and libstdc++, implicit members would need
// std::pair<std::string, Expr> complete while it is being instantiated.
Expr::Expr() = default;
Expr::Expr(const Expr&) = default;
Expr::Expr(Expr&&) noexcept = default;
Expr& Expr::operator=(const Expr&) = default;
Expr& Expr::operator=(Expr&&) noexcept = default;
Expr::~Expr() = default;

Expr Expr::name(std::string id, SourceLoc loc)
{
    Expr e;
    e.kind = Kind::Name;
    e.text = std::move(id);
    e.loc = loc;
    return e;
}

Expr Expr::integer(int64_t v, SourceLoc loc)
{
    Expr e;
    e.kind = Kind::Int;
    e.i = v;
    e.loc = loc;
    return e;
}

Expr Expr::attr(Expr object, std::string attribute, SourceLoc loc)
{
    Expr e;
    e.kind = Kind::Attr;
    e.text = std::move(attribute);
    e.items.push_back(std::move(object));
    e.loc = loc;
    return e;
}

Expr Expr::call(Expr callee, std::vector<Expr> args, SourceLoc loc)
{
    Expr e;
    e.kind = Kind::Call;
    e.items.push_back(std::move(callee));
    for (Expr& a : args)
        e.items.push_back(std::move(a));
    e.loc = loc;
    return e;
}

Expr Expr::subscript(Expr object, Expr index, SourceLoc loc)
{
    Expr e;
    e.kind = Kind::Subscript;
    e.items.push_back(std::move(object));
    e.items.push_back(std::move(index));
    e.loc = loc;
    return e;
}

std::string Expr::dotted() const
{
    if (kind == Kind::Name)
        return text;
    if (kind == Kind::Attr) {
        std::string base = items[0].dotted();
        return base.empty() ? std::string() : base + "." + text;
    }
    return {};
}

bool operator==(const Expr& a, const Expr& b)
{
    if (a.kind != b.kind || a.text != b.text || a.items != b.items || a.keywords != b.keywords || a.ops != b.ops || a.params != b.params)
        return false;
    switch (a.kind) {
    case Expr::Kind::Int: return a.i == b.i;
    case Expr::Kind::Float: return a.f == b.f || (std::isnan(a.f) && std::isnan(b.f));
    case Expr::Kind::Bool: return a.b == b.b;
    case Expr::Kind::Format: return a.i == b.i;
    default: return true;
    }
}

bool operator==(const Stmt& a, const Stmt& b)
{
    return a.kind == b.kind && a.targets == b.targets && a.value == b.value && a.body == b.body && a.target == b.target
        && a.orelse == b.orelse && a.op == b.op && a.params == b.params;
}

const Method* ForwardProgram::method(std::string_view name) const
{
    for (const Method& m : methods)
        if (m.name == name)
            return &m;
    return nullptr;
}

const Expr* ForwardProgram::attribute(std::string_view name) const
{
    for (const auto& [n, e] : attributes)
        if (n == name)
            return &e;
    return nullptr;
}

namespace {

// Python's operator precedence, lowest first.
enum Prec { kTuple = 0, kLambda, kIfExp, kOr, kAnd, kNot, kCompare, kBitOr, kBitXor, kBitAnd, kShift, kSum, kTerm, kUnary, kPower, kAtom };

int binPrec(const std::string& op)
{
    if (op == "+" || op == "-")
        return kSum;
    if (op == "**")
        return kPower;
    if (op == "|")
        return kBitOr;
    if (op == "^")
        return kBitXor;
    if (op == "&")
        return kBitAnd;
    if (op == "<<" || op == ">>")
        return kShift;
    return kTerm;
}

int precedence(const Expr& e)
{
    switch (e.kind) {
    case Expr::Kind::BinOp: return binPrec(e.text);
    case Expr::Kind::Neg:
    case Expr::Kind::Pos:
    case Expr::Kind::Invert: return kUnary;
    case Expr::Kind::Compare: return kCompare;
    case Expr::Kind::Not: return kNot;
    case Expr::Kind::BoolOp: return e.text == "and" ? kAnd : kOr;
    case Expr::Kind::IfExp: return kIfExp;
    case Expr::Kind::Lambda: return kLambda;
    case Expr::Kind::Int: return e.i < 0 ? kUnary : kAtom;
    case Expr::Kind::Float: return std::signbit(e.f) && !std::isnan(e.f) ? kUnary : kAtom;
    default: return kAtom;
    }
}

// e as an operand of an operator of precedence `parent`; `strict` when equal precedence needs
// parentheses too (the right side of a left-associative operator).
std::string operand(const Expr& e, int parent, bool strict)
{
    const std::string s = toSource(e);
    const int p = precedence(e);
    if (p < parent || (strict && p == parent))
        return "(" + s + ")";
    return s;
}

std::string strRepr(const std::string& s)
{
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = useDouble ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c == static_cast<unsigned char>(q)) {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c < 0x20 || c == 0x7f) {
                static const char* hex = "0123456789abcdef";
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + q;
}

std::string floatSource(double v)
{
    if (std::isnan(v))
        return "float('nan')";
    if (std::isinf(v))
        return v > 0 ? "1e999" : "-1e999"; // Python reads an overflowing literal as inf
    return pythonFloatRepr(v);
}

std::string joinItems(const std::vector<Expr>& items, size_t from = 0)
{
    std::string s;
    for (size_t k = from; k < items.size(); ++k)
        s += (k > from ? ", " : "") + toSource(items[k]);
    return s;
}

std::string fstringSource(const Expr& e)
{
    std::string body;
    for (const Expr& part : e.items) {
        if (part.kind == Expr::Kind::Str) {
            for (char c : part.text) {
                if (c == '{' || c == '}')
                    body += c;
                body += c;
            }
            continue;
        }
        std::string inner = toSource(part.items[0]);
        if (!inner.empty() && inner[0] == '{')
            inner = " " + inner;
        body += "{" + inner;
        if (part.i)
            body += std::string("!") + static_cast<char>(part.i);
        if (!part.text.empty())
            body += ":" + part.text;
        body += "}";
    }
    std::string r = strRepr(body);
    return "f" + r;
}

std::string compSource(const Expr& e)
{
    std::string s = e.text == "dict" ? toSource(e.items[0]) + ": " + toSource(e.items[1]) : toSource(e.items[0]);
    for (size_t k = 2; k + 2 < e.items.size(); k += 3) {
        const Expr& target = e.items[k];
        s += " for " + (target.kind == Expr::Kind::Tuple ? joinItems(target.items) : toSource(target)) + " in "
            + operand(e.items[k + 1], kOr, false);
        for (const Expr& c : e.items[k + 2].items)
            s += " if " + operand(c, kOr, false);
    }
    if (e.text == "list")
        return "[" + s + "]";
    if (e.text == "gen")
        return "(" + s + ")";
    return "{" + s + "}";
}

} // namespace

std::string toSource(const Expr& e)
{
    switch (e.kind) {
    case Expr::Kind::Name: return e.text;
    case Expr::Kind::Int: return std::to_string(e.i);
    case Expr::Kind::Float: return floatSource(e.f);
    case Expr::Kind::Bool: return e.b ? "True" : "False";
    case Expr::Kind::None: return "None";
    case Expr::Kind::Str: return strRepr(e.text);
    case Expr::Kind::Tuple: {
        std::string s = "(" + joinItems(e.items);
        if (e.items.size() == 1)
            s += ",";
        return s + ")";
    }
    case Expr::Kind::List: return "[" + joinItems(e.items) + "]";
    case Expr::Kind::Set: return e.items.empty() ? "set()" : "{" + joinItems(e.items) + "}";
    case Expr::Kind::BinOp: {
        const int p = precedence(e);
        if (e.text == "**") // right-associative; its left side binds tighter than unary minus
            return operand(e.items[0], kPower + 1, false) + " ** " + operand(e.items[1], kUnary, false);
        return operand(e.items[0], p, false) + " " + e.text + " " + operand(e.items[1], p, true);
    }
    case Expr::Kind::Neg: return "-" + operand(e.items[0], kUnary, false);
    case Expr::Kind::Pos: return "+" + operand(e.items[0], kUnary, false);
    case Expr::Kind::Invert: return "~" + operand(e.items[0], kUnary, false);
    case Expr::Kind::Not: return "not " + operand(e.items[0], kNot, false);
    case Expr::Kind::Attr: {
        std::string obj = operand(e.items[0], kAtom, false);
        if (e.items[0].kind == Expr::Kind::Int && e.items[0].i >= 0)
            obj = "(" + obj + ")"; // 1.real would read as a float literal
        return obj + "." + e.text;
    }
    case Expr::Kind::Subscript: {
        const Expr& idx = e.items[1];
        std::string inner = idx.kind == Expr::Kind::Tuple && !idx.items.empty() ? joinItems(idx.items) + (idx.items.size() == 1 ? "," : "")
                                                                                 : toSource(idx);
        return operand(e.items[0], kAtom, false) + "[" + inner + "]";
    }
    case Expr::Kind::Slice: {
        std::string s;
        if (e.items[0].kind != Expr::Kind::None)
            s += toSource(e.items[0]);
        s += ":";
        if (e.items[1].kind != Expr::Kind::None)
            s += toSource(e.items[1]);
        if (e.items[2].kind != Expr::Kind::None)
            s += ":" + toSource(e.items[2]);
        return s;
    }
    case Expr::Kind::Starred: return "*" + operand(e.items[0], kBitOr, false);
    case Expr::Kind::Call: {
        std::string s = operand(e.items[0], kAtom, false) + "(";
        bool first = true;
        for (size_t k = 1; k < e.items.size(); ++k) {
            const Expr& a = e.items[k];
            s += (first ? "" : ", ") + toSource(a);
            first = false;
        }
        for (const auto& [name, value] : e.keywords) {
            s += (first ? "" : ", ") + (name.empty() ? "**" + operand(value, kBitOr, false) : name + "=" + toSource(value));
            first = false;
        }
        return s + ")";
    }
    case Expr::Kind::Compare: {
        std::string s = operand(e.items[0], kCompare, true);
        for (size_t k = 0; k < e.ops.size() && k + 1 < e.items.size(); ++k)
            s += " " + e.ops[k] + " " + operand(e.items[k + 1], kCompare, true);
        return s;
    }
    case Expr::Kind::BoolOp: {
        const int p = precedence(e);
        std::string s;
        for (size_t k = 0; k < e.items.size(); ++k)
            s += (k ? " " + e.text + " " : std::string()) + operand(e.items[k], p, true);
        return s;
    }
    case Expr::Kind::IfExp:
        return operand(e.items[0], kIfExp, true) + " if " + operand(e.items[1], kIfExp, true) + " else "
            + operand(e.items[2], kIfExp, false);
    case Expr::Kind::Dict: {
        std::string s = "{";
        for (size_t k = 0; k + 1 < e.items.size(); k += 2)
            s += (k ? ", " : "") + (e.items[k].kind == Expr::Kind::Starred ? "**" + toSource(e.items[k + 1])
                                                                           : toSource(e.items[k]) + ": " + toSource(e.items[k + 1]));
        return s + "}";
    }
    case Expr::Kind::Comp: return compSource(e);
    case Expr::Kind::Lambda: {
        const std::string ps = toSource(e.params);
        return "lambda" + (ps.size() >= 2 ? " " + ps.substr(2) : std::string()) + ": " + toSource(e.items[0]);
    }
    case Expr::Kind::FString: return fstringSource(e);
    case Expr::Kind::Format: return toSource(e.items[0]);
    }
    return {};
}

namespace {

std::string unparenthesisedTuple(const Expr& e)
{
    if (e.kind == Expr::Kind::Tuple && !e.items.empty())
        return joinItems(e.items) + (e.items.size() == 1 ? "," : "");
    return toSource(e);
}

std::string targetSource(const Stmt& s)
{
    if (s.targets.empty())
        return unparenthesisedTuple(s.target);
    std::string out;
    for (size_t k = 0; k < s.targets.size(); ++k)
        out += (k ? ", " : "") + s.targets[k];
    return out;
}

std::string bodySource(const std::vector<Stmt>& body, int indent)
{
    if (body.empty())
        return "\n" + std::string(static_cast<size_t>(indent) * 4, ' ') + "pass";
    std::string out;
    for (const Stmt& b : body)
        out += "\n" + toSource(b, indent);
    return out;
}

} // namespace

std::string toSource(const Stmt& s, int indent)
{
    const std::string pad(static_cast<size_t>(indent) * 4, ' ');
    switch (s.kind) {
    case Stmt::Kind::Assign: {
        std::string t = s.targets.empty() && s.target.kind == Expr::Kind::None ? std::string("_") : targetSource(s);
        return pad + t + " = " + unparenthesisedTuple(s.value);
    }
    case Stmt::Kind::Return:
        return pad + "return" + (s.value.kind == Expr::Kind::None ? std::string() : " " + unparenthesisedTuple(s.value));
    case Stmt::Kind::For: {
        std::string out = pad + "for " + targetSource(s) + " in " + unparenthesisedTuple(s.value) + ":" + bodySource(s.body, indent + 1);
        if (!s.orelse.empty())
            out += "\n" + pad + "else:" + bodySource(s.orelse, indent + 1);
        return out;
    }
    case Stmt::Kind::While: {
        std::string out = pad + "while " + toSource(s.value) + ":" + bodySource(s.body, indent + 1);
        if (!s.orelse.empty())
            out += "\n" + pad + "else:" + bodySource(s.orelse, indent + 1);
        return out;
    }
    case Stmt::Kind::If: {
        std::string out = pad + "if " + toSource(s.value) + ":" + bodySource(s.body, indent + 1);
        const Stmt* cur = &s;
        while (cur->orelse.size() == 1 && cur->orelse[0].kind == Stmt::Kind::If) {
            cur = &cur->orelse[0];
            out += "\n" + pad + "elif " + toSource(cur->value) + ":" + bodySource(cur->body, indent + 1);
        }
        if (!cur->orelse.empty())
            out += "\n" + pad + "else:" + bodySource(cur->orelse, indent + 1);
        return out;
    }
    case Stmt::Kind::Break: return pad + "break";
    case Stmt::Kind::Continue: return pad + "continue";
    case Stmt::Kind::Pass: return pad + "pass";
    case Stmt::Kind::ExprStmt: return pad + unparenthesisedTuple(s.value);
    case Stmt::Kind::AugAssign: return pad + toSource(s.target) + " " + s.op + "= " + unparenthesisedTuple(s.value);
    case Stmt::Kind::Assert:
        return pad + "assert " + toSource(s.value) + (s.target.kind == Expr::Kind::None ? std::string() : ", " + toSource(s.target));
    case Stmt::Kind::Raise: return pad + "raise" + (s.value.kind == Expr::Kind::None ? std::string() : " " + toSource(s.value));
    case Stmt::Kind::Del: return pad + "del " + unparenthesisedTuple(s.target);
    case Stmt::Kind::With:
        return pad + "with " + toSource(s.value) + (s.target.kind == Expr::Kind::None ? std::string() : " as " + toSource(s.target)) + ":"
            + bodySource(s.body, indent + 1);
    case Stmt::Kind::Try: {
        if (!s.targets.empty()) { // a clause of a try
            if (s.targets[0] != "except")
                return pad + s.targets[0] + ":" + bodySource(s.body, indent + 1);
            return pad + "except" + (s.value.kind == Expr::Kind::None ? std::string() : " " + toSource(s.value))
                + (s.op.empty() ? std::string() : " as " + s.op) + ":" + bodySource(s.body, indent + 1);
        }
        std::string out = pad + "try:" + bodySource(s.body, indent + 1);
        for (const Stmt& c : s.orelse)
            out += "\n" + toSource(c, indent);
        return out;
    }
    case Stmt::Kind::Def: {
        std::string ps = toSource(s.params);
        if (ps.size() >= 2)
            ps = ps.substr(2);
        return pad + "def " + s.op + "(" + ps + "):" + bodySource(s.body, indent + 1);
    }
    }
    return {};
}

std::string toSource(const std::vector<Param>& params)
{
    std::string out;
    for (const Param& p : params) {
        out += ", " + std::string(static_cast<size_t>(p.star), '*') + p.name;
        if (p.defaultValue)
            out += "=" + toSource(*p.defaultValue);
    }
    return out;
}

std::string toSource(const ForwardProgram& p, int indent)
{
    const std::string pad(static_cast<size_t>(indent) * 4, ' ');
    std::string out = pad + "def forward(self";
    const size_t firstDefault = p.params.size() - std::min(p.params.size(), p.defaults.size());
    for (size_t k = 0; k < p.params.size(); ++k) {
        out += ", " + p.params[k];
        if (k >= firstDefault)
            out += "=" + toSource(p.defaults[k - firstDefault]);
    }
    out += "):";
    out += bodySource(p.body, indent + 1);
    return out;
}

std::string toSource(const Method& m, int indent)
{
    const std::string pad(static_cast<size_t>(indent) * 4, ' ');
    if (m.isFunction) {
        const std::string params = toSource(m.params);
        return pad + "@staticmethod\n" + pad + "def " + m.name + "(" + (params.empty() ? params : params.substr(2)) + "):"
            + bodySource(m.body, indent + 1);
    }
    return pad + "def " + m.name + "(self" + toSource(m.params) + "):" + bodySource(m.body, indent + 1);
}

} // namespace ml
