#pragma once

#include "engine/diagnostic.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ml {

struct Param;

// Python code stored as data: the one syntax tree of ModuleLab. The file reader produces it,
// the evaluator runs it (model construction and forward), the GUI shows and edits forward
// programs in it and the exporter writes it back. docs/python-subset.md lists what it holds.
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
        BinOp,     // text = "+", "-", "*", "/", "//", "%", "**", "@"; items = {lhs, rhs}
        Neg,       // items = {operand}
        Attr,      // text = attribute; items = {object}
        Subscript, // items = {object, index}
        Call,      // items = {callee, positional args (Starred for *a)...}; keywords ("" for **kw)
        Compare,   // items = operands (n + 1); ops = n operators ("<", "==", "in", "not in", "is", "is not")
        BoolOp,    // text = "and" / "or"; items = operands
        Not,       // items = {operand}
        IfExp,     // items = {body, test, orelse}
        Dict,      // items = key0, value0, key1, value1, ...
        Comp,      // text = "list" / "dict" / "gen" / "set"; items = {element, value (dict) or None,
                   // then per clause: target, iterable, Tuple of conditions}
        Slice,     // items = {lower, upper, step}; None where omitted
        Starred,   // items = {operand}: *operand in a call, list or assignment target
        FString,   // items = parts: Str literals and Format pieces
        Format,    // items = {value}; text = format spec; i = conversion ('r', 's' or 0)
        Set,       // items = elements
        Pos,       // items = {operand}: +operand
        Invert,    // items = {operand}: ~operand
        Lambda,    // params; items = {body}: lambda params: body
    };

    Kind kind = Kind::None;
    std::string text;
    int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::vector<Expr> items;
    std::vector<std::pair<std::string, Expr>> keywords;
    SourceLoc loc;
    std::vector<std::string> ops;         // Compare only
    std::vector<SourceLoc> keywordLocs;   // Call only: where each keyword's name is
    std::vector<Param> params;            // Lambda only
    int depth = 1;                        // nesting depth, bounded by the parser

    static Expr name(std::string id, SourceLoc loc = {});
    static Expr integer(int64_t v, SourceLoc loc = {});
    static Expr attr(Expr object, std::string attribute, SourceLoc loc = {});
    static Expr call(Expr callee, std::vector<Expr> args, SourceLoc loc = {});
    static Expr subscript(Expr object, Expr index, SourceLoc loc = {});

    // "nn.Conv2d" for a chain of names and attributes, "" otherwise.
    std::string dotted() const;

    friend bool operator==(const Expr& a, const Expr& b); // structure, ignoring loc

    // Special members out of line (program.cpp), so that clang with libstdc++ compiles this.
    Expr();
    Expr(const Expr&);
    Expr(Expr&&) noexcept;
    Expr& operator=(const Expr&);
    Expr& operator=(Expr&&) noexcept;
    ~Expr();
};

// A parameter of a function as written: name, default, and '*'/'**' (star = 1 / 2).
struct Param {
    std::string name;
    std::optional<Expr> defaultValue;
    SourceLoc loc;
    int star = 0;

    friend bool operator==(const Param& a, const Param& b)
    {
        return a.name == b.name && a.defaultValue == b.defaultValue && a.star == b.star;
    }
};

struct Stmt {
    enum class Kind {
        Assign,    // targets = {name} (plain names), else target; value
        For,       // targets = loop variables (names), else target; value = iterable; body; orelse
        Return,    // value (None when bare)
        If,        // value = test; body; orelse (elif is an If alone in orelse)
        While,     // value = test; body; orelse
        Break,
        Continue,
        ExprStmt,  // value
        AugAssign, // target; op = "+", "-", ...; value
        Pass,
        Assert,    // value = test; message (None when absent) in target
        Raise,     // value = the exception (None when bare)
        Del,       // target
        With,      // value = the context manager; target = its 'as' name (None when absent); body
        Try,       // body; orelse = its clauses in order, each a Try whose targets[0] is "except"
                   // (value = the class or tuple of classes, None when bare; op = the 'as' name),
                   // "else" or "finally", with body
        Def,       // op = name; params; body: a function defined inside a function
    };

    Kind kind = Kind::Assign;
    std::vector<std::string> targets;
    Expr value;
    std::vector<Stmt> body;
    SourceLoc loc;
    Expr target;            // Assign/For/AugAssign/Del target when not plain names; Assert message
    std::vector<Stmt> orelse;
    std::string op;         // AugAssign operator without '='; Def: the function's name
    std::vector<Param> params; // Def

    friend bool operator==(const Stmt& a, const Stmt& b); // structure, ignoring loc
};

// A method of the module's class other than forward (a helper forward calls), or a function of
// the file's module level that forward calls (isFunction: no self; its source is written as a
// @staticmethod, the exporter writes it at the module level).
struct Method {
    std::string name;
    std::vector<Param> params; // after self
    std::vector<Stmt> body;
    SourceLoc loc;
    bool isFunction = false;

    friend bool operator==(const Method& a, const Method& b)
    {
        return a.name == b.name && a.params == b.params && a.body == b.body && a.isFunction == b.isFunction;
    }
};

struct ForwardProgram {
    std::vector<std::string> params{"x"}; // the arguments after self
    std::vector<Stmt> body;
    std::vector<Expr> defaults;           // defaults of the last params, as Python aligns them
    std::vector<Method> methods;          // helper methods forward may call
    // The instance's plain attributes forward may read (self.expansion = 4, self.downsample =
    // None), as literals, in the order they were set.
    std::vector<std::pair<std::string, Expr>> attributes;

    const Method* method(std::string_view name) const;
    const Expr* attribute(std::string_view name) const;

    friend bool operator==(const ForwardProgram&, const ForwardProgram&) = default;
};

// Python source text of an expression / statement (statements without trailing newline;
// nested bodies indented by four spaces per level).
std::string toSource(const Expr& e);
std::string toSource(const Stmt& s, int indent = 0);
std::string toSource(const ForwardProgram& p, int indent = 0); // "def forward(self, x):\n..."
std::string toSource(const Method& m, int indent = 0);         // "def helper(self, x):\n..."
std::string toSource(const std::vector<Param>& params);        // ", x, y=1, *args" (after self)

} // namespace ml
