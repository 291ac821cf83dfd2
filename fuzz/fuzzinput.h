#pragma once

// What the Python fuzz targets share: the input read as a model file, as the application reads
// one but with a small step budget (an endless loop ends in milliseconds), and the checks every
// reading must pass: an error has a message and a location, a success holds a model.
#include "engine/python/importer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace ml::fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "%s\n%s\n", what, detail.c_str());
    std::abort();
}

inline std::string_view inputText(const uint8_t* data, size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// importPython on the input; fails (aborts) on an error without a message or location and on a
// success without a model.
inline std::variant<python::ImportResult, ParseError> importInput(std::string_view source)
{
    python::ImportOptions options;
    options.stepBudget = 200'000;
    auto imported = python::importPython(source, "fuzz.py", options);
    if (auto* e = std::get_if<ParseError>(&imported)) {
        if (e->message.empty() || e->loc.line < 1 || e->loc.column < 1)
            fail("an error without a message or a location", e->toString());
    } else if (!std::get<python::ImportResult>(imported).root) {
        fail("import succeeded without a model", {});
    }
    return imported;
}

} // namespace ml::fuzz
