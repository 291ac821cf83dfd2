#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

struct ImportOptions {
    std::string className; // the class to build; empty: the file's own choice (spec: "The root model")
    std::string args;      // its constructor arguments as Python writes them: "1, 10" or "1, n_classes=10"
};

struct ImportResult {
    std::unique_ptr<Module> root;
    std::vector<Diagnostic> diagnostics; // located problems the file can still be shown with
    std::optional<Shape> inputShape;     // from a '# input: 1,1,28,28' comment
    std::vector<std::string> classNames; // every nn.Module class of the file, in file order
};

// Reads PyTorch model code (spec/python-subset.md) without running Python. Constructs outside
// the subset give a located ParseError; problems PyTorch would raise while building the model
// (an unknown layer, a wrong argument, a class that contains itself) are error diagnostics at
// the offending argument, and the module concerned is left out of the tree.
std::variant<ImportResult, ParseError> importPython(std::string_view source, std::string_view fileName,
                                                    const ImportOptions& options = {});

} // namespace ml::python
