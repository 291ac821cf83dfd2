#pragma once

#include "engine/diagnostic.h"
#include "engine/program.h"
#include "engine/python/lexer.h"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

inline constexpr int kMaxExprDepth = 200;

// A Python expression as the file parser reads it: ml::Expr's kinds plus the two forms that
// only __init__ may use (dict displays and list comprehensions).
struct Node {
    enum class Kind {
        Name, Int, Float, Bool, None, Str, Tuple, List, BinOp, Neg, Attr, Subscript, Call,
        Dict,     // items = key0, value0, key1, value1, ...
        ListComp, // items = {element, iterable}; targets = loop variables
    };

    Kind kind = Kind::None;
    std::string text; // Name: identifier; Str: value; BinOp: operator; Attr: attribute
    int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::vector<Node> items;
    std::vector<std::pair<std::string, Node>> keywords; // Call only
    std::vector<SourceLoc> keywordLocs;                 // where each keyword's name is
    std::vector<std::string> targets;                   // ListComp only
    SourceLoc loc;                                      // first character of the expression
    int depth = 1;                                      // nesting depth, bounded by kMaxExprDepth

    // "nn.Conv2d" for a chain of names and attributes, "" otherwise.
    std::string dotted() const;

    // Defined out of line: with clang and libstdc++, implicit members would need
    // std::pair<std::string, Node> complete while it is being instantiated.
    Node();
    Node(const Node&);
    Node(Node&&) noexcept;
    Node& operator=(const Node&);
    Node& operator=(Node&&) noexcept;
    ~Node();
};

struct Param {
    std::string name;
    std::optional<Node> defaultValue;
    SourceLoc loc;
};

struct Statement {
    enum class Kind {
        Import,     // imports = {(module, alias)}; alias empty when none
        FromImport, // name = module; imports = {(name, alias)}
        Class,      // name; bases; body
        Def,        // name; params (self included); body
        Assign,     // target; value
        AugAssign,  // target; name = operator ("+="); value
        Expr,       // value
        For,        // targets (names); value = iterable; body
        Return,     // value (None literal when bare)
        Pass,
        Skipped,    // a block or method ModuleLab does not read; name = what it was
    };

    Kind kind = Kind::Pass;
    SourceLoc loc;
    std::string name;
    std::vector<std::pair<std::string, std::string>> imports;
    std::vector<Node> bases;
    std::vector<Param> params;
    Node target;
    std::vector<std::string> targets;
    Node value;
    bool bareReturn = false;
    std::vector<Statement> body;
};

struct SourceFile {
    std::vector<Statement> body;
    std::vector<Comment> comments;
    std::vector<Diagnostic> notes; // warnings about skipped top-level code and methods
};

// Parses a whole file of the subset; anything else is a located ParseError.
std::variant<SourceFile, ParseError> parseFile(std::string_view source, std::string_view fileName);

// Parses one expression (no statement) into a Node; `origin` is the position of text[0].
std::variant<Node, ParseError> parseNode(std::string_view text, std::string_view fileName, SourceLoc origin = {1, 1});

// Converts a parsed expression to a forward-program Expr, checking it against the forward
// subset (child calls, loop variable calls, the functional ops, reshapes, +, torch.cat).
std::variant<Expr, ParseError> toForwardExpr(const Node& node, std::string_view fileName);

} // namespace ml::python
