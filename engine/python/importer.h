#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

struct ImportOptions {
    // What to build: a model variable of the file, a class or a factory function; empty: the
    // model the file creates (the last one when it creates several), else its one root class.
    std::string className;
    std::string args; // constructor / factory arguments as Python writes them: "1, 10" or "1, n_classes=10"
    int64_t stepBudget = 0; // statements and expressions the evaluator may run; 0: its default (20 million)
};

struct ImportResult {
    std::unique_ptr<Module> root;
    std::vector<Diagnostic> diagnostics; // located notes and warnings the model is shown with
    std::optional<Shape> inputShape;     // from a '# input: 1,1,28,28' comment
    std::vector<std::string> classNames; // every nn.Module class of the file, in file order
    std::vector<std::string> models;     // the models the file creates (variable names), in order
    std::string chosen;                  // which of them (or which class / function) was built
};

struct ModelChoiceParam {
    std::string name;
    std::string defaultSource; // the default as written ("" when required)
    bool varArgs = false;      // *args
    bool varKwargs = false;    // **kwargs
};

struct ModelChoice {
    enum class Kind { Variable, Class, Function };
    Kind kind;
    std::string name;
    int line = 0;
    std::vector<ModelChoiceParam> params; // a class's __init__ after self, a function's; none for a variable
};

// What a file can build (the model variables it creates, its nn.Module classes, its factory
// functions), in file order. A factory function is a top-level function that creates one of the
// file's model classes (directly or through another factory function).
std::variant<std::vector<ModelChoice>, ParseError> listModelChoices(std::string_view source, std::string_view fileName);

// Whether the note says that the file defines or creates several models and which one was built
// (a front end adds how its user picks another: the command line's --model NAME).
bool isModelChoiceNote(const Diagnostic& d);

// Reads PyTorch model code by running it with ModuleLab's own Python evaluator (no CPython,
// no PyTorch): the module-level code, classes, functions and __init__ methods build the model
// tree; forward programs are kept as data. A model that cannot be fully built is a located
// ParseError, whose message says whether PyTorch would fail too or ModuleLab does not support
// the construct yet.
std::variant<ImportResult, ParseError> importPython(std::string_view source, std::string_view fileName,
                                                    const ImportOptions& options = {});

} // namespace ml::python
