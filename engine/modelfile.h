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

// The one model loader of the command line and the application. Chooses the reader by
// content: JSON projects start with '{'; everything else is read as Python. Errors are
// FILE:LINE:COLUMN ParseErrors, also for a file that cannot be read (at 1:1).
std::variant<LoadedModel, ParseError> loadModelFile(const std::string& path, const ModelLoadOptions& options = {});
// The text of a model file as loadModelFile reads it (size-limited), or its located read error.
std::variant<std::string, ParseError> readModelFileText(const std::string& path);
// The same for text already read: `path` names it in messages and locates the project's weights.
std::variant<LoadedModel, ParseError> loadModelText(std::string_view text, const std::string& path,
                                                    const ModelLoadOptions& options = {});
// A model file is small: more than this is refused before it is read.
inline constexpr size_t kModelFileMaxBytes = size_t(64) << 20;

// What a model file says besides the model: its input shape, the weights it names and the
// normalisation of its images. A project keeps them as "input_shape", "weights" and "normalize";
// PyTorch code as comment lines a reader understands:
//   # input: 1,1,28,28
//   # weights: fashion_cnn.safetensors
//   # normalize: mean=[0.286], std=[0.353]
struct ModelFileExtras {
    std::optional<Shape> inputShape;
    std::string weightsPath;       // absolute or relative to the current directory; "" for none
    std::vector<double> mean, std; // empty for none
};
ModelFileExtras extrasOf(const LoadedModel& model);

// A .py target gets PyTorch code, any other a project.
bool isPythonPath(const std::string& path);
// The file text for `targetPath`: the weights are named relative to its directory (to the
// current directory for standard output, an empty targetPath). `python` chooses the format.
std::string modelFileText(const Module& root, const ModelFileExtras& extras, bool python, const std::string& targetPath);
// Writes modelFileText() atomically, through a symbolic link. Error message or nullopt.
std::optional<std::string> saveModelFile(const Module& root, const ModelFileExtras& extras, const std::string& path);

// Parses "1,1,28,28" (also "1x1x28x28" or "[1, 1, 28, 28]"): positive dims only.
std::optional<Shape> parseShapeText(std::string_view text, std::string& error);

} // namespace ml
