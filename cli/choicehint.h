#pragma once

#include "engine/diagnostic.h"
#include "engine/python/importer.h"

#include <string>

namespace ml::cli {

// The command line's own words for choosing what a .py file builds, after the engine's message.
inline std::string parseErrorText(const ParseError& e)
{
    return e.toString() + (e.needsChoice ? "; choose one with --model NAME and --args" : "");
}

inline std::string diagnosticHint(const Diagnostic& d)
{
    return python::isModelChoiceNote(d) ? ". Choose another with --model NAME" : "";
}

} // namespace ml::cli
