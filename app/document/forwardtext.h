#pragma once

#include "engine/diagnostic.h"
#include "engine/program.h"

#include <QString>

#include <variant>

namespace ml::ui {

// Reads "def forward(self, x):\n    ..." with the engine's Python parser into a forward program;
// errors are located at line:column of `text`.
std::variant<ml::ForwardProgram, ml::ParseError> parseForwardText(const QString& text);
QString forwardText(const ml::ForwardProgram& program);

} // namespace ml::ui
