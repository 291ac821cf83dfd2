#pragma once

#include "engine/diagnostic.h"
#include "engine/program.h"

#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

// Parses one Python expression of the forward subset (spec/python-subset.md). `origin` is the
// location of text[0] in its file, so errors and Expr::loc point into the original file.
std::variant<Expr, ParseError> parseExpression(std::string_view text, SourceLoc origin = {1, 1},
                                               std::string_view fileName = {});

} // namespace ml::python
