#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/program.h"

#include <QString>

#include <variant>

namespace ml::ui {

// Reads "def forward(self, x):\n    ..." with the engine's Python parser into a forward program;
// errors are located at line:column of `text`.
std::variant<ml::ForwardProgram, ml::ParseError> parseForwardText(const QString& text);
QString forwardText(const ml::ForwardProgram& program);

// The forward statement that runs `target` (a module below `owner`) on the variable `var`:
// "x = self.conv1(x)", "x = self.blocks[2](x)", and for a ModuleList or plain list the loop
// "for m in self.layers:\n    x = m(x)" (ModuleDict: over .values()). Empty when `target` is
// not below `owner`.
QString callStatementFor(const ml::Module& owner, const ml::Module& target, const QString& var);

// "return VAR" and "VAR = VAR": a new Module's forward and a new step to edit.
ml::Stmt returnStatement(const std::string& var);
ml::Stmt identityStatement(const std::string& var);

} // namespace ml::ui
