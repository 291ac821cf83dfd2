#include "engine/diagnostic.h"

#include <algorithm>

namespace ml {

std::string_view severityName(Severity s)
{
    switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
    }
    return "error";
}

bool hasErrors(const std::vector<Diagnostic>& diagnostics)
{
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::string ParseError::toString() const
{
    std::string s = file.empty() ? std::string("<input>") : file;
    if (loc.valid())
        s += ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
    return s + ": " + message;
}

} // namespace ml
