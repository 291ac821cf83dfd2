#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ml {

// A model read from a file the user names: a project (.mlab, JSON) or PyTorch code (.py).
struct LoadedModel {
    std::unique_ptr<Module> root;
    std::optional<Shape> inputShape;      // from the project or the code's "# input:" comment
    std::string weightsPath;              // absolute, from the project; empty if none
    std::vector<double> mean, std;        // the project's input normalisation; empty if none
    std::vector<Diagnostic> diagnostics;  // import-time findings (unknown imports, ...)
};

struct ModelLoadOptions {
    std::string className; // --class: the root class of a .py file
    std::string args;      // --args: its constructor arguments, "1,10"
};

// Chooses the reader by content: JSON projects start with '{'; everything else is read as
// Python. Errors are FILE:LINE:COLUMN ParseErrors.
std::variant<LoadedModel, ParseError> loadModelFile(const std::string& path, const ModelLoadOptions& options = {});

// Parses "1,1,28,28" (also "1x1x28x28" or "[1, 1, 28, 28]"): positive dims only.
std::optional<Shape> parseShapeText(std::string_view text, std::string& error);

} // namespace ml
