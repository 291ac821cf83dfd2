#pragma once

#include "engine/diagnostic.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ml {

// The forward program of a custom Module: a small Python AST, stored as data so that the GUI
// can show and edit it and the exporter can write it back. Only the subset of
// spec/python-subset.md is representable.
struct Expr {
    enum class Kind {
        Name,      // text = identifier (x, self, F, torch, nn, a loop variable)
        Int,       // i
        Float,     // f
        Bool,      // b
        None,
        Str,       // text = value
        Tuple,     // items = elements
        List,      // items = elements
        BinOp,     // text = "+", "-", "*", "//", "/"; items = {lhs, rhs}
        Neg,       // items = {operand}
        Attr,      // text = attribute; items = {object}
        Subscript, // items = {object, index}
        Call,      // items = {callee, positional args...}; keywords
    };

    Kind kind = Kind::None;
    std::string text;
    int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::vector<Expr> items;
    std::vector<std::pair<std::string, Expr>> keywords;
    SourceLoc loc;

    static Expr name(std::string id, SourceLoc loc = {});
    static Expr integer(int64_t v, SourceLoc loc = {});
    static Expr attr(Expr object, std::string attribute, SourceLoc loc = {});
    static Expr call(Expr callee, std::vector<Expr> args, SourceLoc loc = {});
    static Expr subscript(Expr object, Expr index, SourceLoc loc = {});

    friend bool operator==(const Expr& a, const Expr& b); // structure, ignoring loc

    // Special members out of line (program.cpp), so that clang with libstdc++ compiles this.
    Expr();
    Expr(const Expr&);
    Expr(Expr&&) noexcept;
    Expr& operator=(const Expr&);
    Expr& operator=(Expr&&) noexcept;
    ~Expr();
};

struct Stmt {
    enum class Kind {
        Assign, // targets = {name}; value
        For,    // targets = loop variables (1 or 2); value = iterable; body
        Return, // value
    };

    Kind kind = Kind::Assign;
    std::vector<std::string> targets;
    Expr value;
    std::vector<Stmt> body;
    SourceLoc loc;

    friend bool operator==(const Stmt& a, const Stmt& b); // structure, ignoring loc
};

struct ForwardProgram {
    std::vector<std::string> params{"x"}; // the arguments after self
    std::vector<Stmt> body;

    friend bool operator==(const ForwardProgram&, const ForwardProgram&) = default;
};

// Python source text of an expression / statement (statements without trailing newline;
// nested bodies indented by four spaces per level).
std::string toSource(const Expr& e);
std::string toSource(const Stmt& s, int indent = 0);
std::string toSource(const ForwardProgram& p, int indent = 0); // "def forward(self, x):\n..."

} // namespace ml
