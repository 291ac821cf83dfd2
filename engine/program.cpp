#include "engine/program.h"

#include "engine/argvalue.h"

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

bool operator==(const Expr& a, const Expr& b)
{
    if (a.kind != b.kind || a.text != b.text || a.items != b.items || a.keywords != b.keywords)
        return false;
    switch (a.kind) {
    case Expr::Kind::Int: return a.i == b.i;
    case Expr::Kind::Float: return a.f == b.f;
    case Expr::Kind::Bool: return a.b == b.b;
    default: return true;
    }
}

bool operator==(const Stmt& a, const Stmt& b)
{
    return a.kind == b.kind && a.targets == b.targets && a.value == b.value && a.body == b.body;
}

namespace {

int precedence(const Expr& e)
{
    if (e.kind == Expr::Kind::BinOp)
        return (e.text == "+" || e.text == "-") ? 1 : 2;
    if (e.kind == Expr::Kind::Neg)
        return 3;
    return 4;
}

std::string operand(const Expr& e, int parentPrec, bool right)
{
    const std::string s = toSource(e);
    const int p = precedence(e);
    if (p < parentPrec || (right && p == parentPrec && e.kind == Expr::Kind::BinOp))
        return "(" + s + ")";
    return s;
}

} // namespace

std::string toSource(const Expr& e)
{
    switch (e.kind) {
    case Expr::Kind::Name: return e.text;
    case Expr::Kind::Int: return std::to_string(e.i);
    case Expr::Kind::Float: return pythonFloatRepr(e.f);
    case Expr::Kind::Bool: return e.b ? "True" : "False";
    case Expr::Kind::None: return "None";
    case Expr::Kind::Str: return "'" + e.text + "'";
    case Expr::Kind::Tuple:
    case Expr::Kind::List: {
        const bool tuple = e.kind == Expr::Kind::Tuple;
        std::string s = tuple ? "(" : "[";
        for (size_t k = 0; k < e.items.size(); ++k)
            s += (k ? ", " : "") + toSource(e.items[k]);
        if (tuple && e.items.size() == 1)
            s += ",";
        return s + (tuple ? ")" : "]");
    }
    case Expr::Kind::BinOp: {
        const int p = precedence(e);
        return operand(e.items[0], p, false) + " " + e.text + " " + operand(e.items[1], p, true);
    }
    case Expr::Kind::Neg: return "-" + operand(e.items[0], 3, false);
    case Expr::Kind::Attr: return operand(e.items[0], 4, false) + "." + e.text;
    case Expr::Kind::Subscript: return operand(e.items[0], 4, false) + "[" + toSource(e.items[1]) + "]";
    case Expr::Kind::Call: {
        std::string s = operand(e.items[0], 4, false) + "(";
        bool first = true;
        for (size_t k = 1; k < e.items.size(); ++k) {
            s += (first ? "" : ", ") + toSource(e.items[k]);
            first = false;
        }
        for (const auto& [name, value] : e.keywords) {
            s += (first ? "" : ", ") + name + "=" + toSource(value);
            first = false;
        }
        return s + ")";
    }
    }
    return {};
}

std::string toSource(const Stmt& s, int indent)
{
    const std::string pad(static_cast<size_t>(indent) * 4, ' ');
    switch (s.kind) {
    case Stmt::Kind::Assign: return pad + (s.targets.empty() ? std::string("_") : s.targets[0]) + " = " + toSource(s.value);
    case Stmt::Kind::Return: return pad + "return " + toSource(s.value);
    case Stmt::Kind::For: {
        std::string out = pad + "for ";
        for (size_t k = 0; k < s.targets.size(); ++k)
            out += (k ? ", " : "") + s.targets[k];
        out += " in " + toSource(s.value) + ":";
        for (const Stmt& b : s.body)
            out += "\n" + toSource(b, indent + 1);
        return out;
    }
    }
    return {};
}

std::string toSource(const ForwardProgram& p, int indent)
{
    const std::string pad(static_cast<size_t>(indent) * 4, ' ');
    std::string out = pad + "def forward(self";
    for (const std::string& a : p.params)
        out += ", " + a;
    out += "):";
    for (const Stmt& s : p.body)
        out += "\n" + toSource(s, indent + 1);
    return out;
}

} // namespace ml
