#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <QString>

#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace ml::ui {

// A model read from a project, Python code or an example resource.
struct LoadedModel {
    std::unique_ptr<ml::Module> root;
    std::optional<ml::Shape> inputShape;
    std::vector<ml::Diagnostic> diagnostics;
};

// JSON projects start with '{'; everything else is read as PyTorch code.
std::variant<LoadedModel, ml::ParseError> readModelText(const QByteArray& text, const QString& fileName);
// Reads a file or a Qt resource (":/examples/net.py").
std::variant<LoadedModel, ml::ParseError> readModelFile(const QString& path);

// The model as PyTorch code (with a '# input:' line), as the exporter writes it.
QString pythonCode(const ml::Module& root, const ml::Shape& input);
bool pythonExportAvailable();

// Atomic writes: .py as PyTorch code, anything else as a .mlab project. Error message or nullopt.
std::optional<QString> writeModelFile(const ml::Module& root, const ml::Shape& input, const QString& path);

} // namespace ml::ui
