#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ml {

// A position in a source file (1-based; 0 means unknown).
struct SourceLoc {
    int line = 0;
    int column = 0;
    bool valid() const { return line > 0; }
    friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

enum class Severity { Error, Warning, Info };
std::string_view severityName(Severity s); // "error", "warning", "info"

// A problem reported at the node it concerns ("" is the root) and, where known, the source
// statement that causes it.
struct Diagnostic {
    std::string path;
    Severity severity = Severity::Error;
    std::string message;
    SourceLoc loc;
};

bool hasErrors(const std::vector<Diagnostic>& diagnostics);

// A failure to read a file: FILE:LINE:COLUMN: message.
struct ParseError {
    std::string file;
    SourceLoc loc;
    std::string message;
    // The file builds nothing by itself (no line creates a model and every class needs
    // arguments): the caller must choose what to build (python::listModelChoices).
    bool needsChoice = false;
    std::string toString() const;
};

} // namespace ml
