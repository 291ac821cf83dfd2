#pragma once

#include "engine/diagnostic.h"
#include "engine/program.h"
#include "engine/python/lexer.h"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

inline constexpr int kMaxExprDepth = 200;
inline constexpr int kMaxBlockDepth = 60;

// The file reader's expressions are the program's expressions: one syntax tree.
using Node = Expr;

// A statement at the level of a file or a class body: the definitions that hold code, and
// the code itself (a Stmt, run by the evaluator).
struct Statement {
    enum class Kind {
        Import,     // imports = {(module, alias)}; alias empty when none
        FromImport, // name = module; imports = {(name, alias)}
        Class,      // name; bases; members
        Def,        // name; params (self included for methods); body; decorators
        Code,       // code: any other statement
        Skipped,    // a block ModuleLab does not run (if __name__ == "__main__":, try, with); name = what
    };

    Kind kind = Kind::Code;
    SourceLoc loc;
    std::string name;
    std::vector<std::pair<std::string, std::string>> imports;
    std::vector<Expr> bases;
    std::vector<Param> params;
    std::vector<Statement> members; // Class
    std::vector<Stmt> body;         // Def
    std::vector<std::string> decorators; // Def: "staticmethod", "classmethod", "property", ...
    Stmt code;                      // Code
};

struct SourceFile {
    std::vector<Statement> body;
    std::vector<Comment> comments;
    std::vector<Diagnostic> notes; // warnings about skipped top-level code
};

// Parses a whole file; anything outside the subset is a located ParseError.
std::variant<SourceFile, ParseError> parseFile(std::string_view source, std::string_view fileName);

// Parses one expression (no statement); `origin` is the position of text[0].
std::variant<Node, ParseError> parseNode(std::string_view text, std::string_view fileName, SourceLoc origin = {1, 1});

// Parses the body of a function as it would stand inside `def f(self, ...):` (the GUI's
// forward text), statements at indentation zero.
std::variant<std::vector<Stmt>, ParseError> parseStatements(std::string_view text, std::string_view fileName,
                                                            SourceLoc origin = {1, 1});

// Reads "def forward(self, x):\n    ..." (the GUI's forward text) into a forward program;
// errors are located at line:column of `text`.
std::variant<ForwardProgram, ParseError> parseForwardProgram(std::string_view text, std::string_view fileName);

// Reads one method "def NAME(self, ...):\n    ..." as toSource(Method) writes it.
std::variant<Method, ParseError> parseMethod(std::string_view text, std::string_view fileName);

} // namespace ml::python
