#pragma once

#include "engine/analysis/analysis.h"
#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/tensor.h"

#include <QString>

#include <atomic>
#include <optional>
#include <vector>

namespace ml::ui {

// One module call of a real forward pass: which node ran and the tensors that went in and out.
struct ForwardCall {
    QString path;     // dotted, "" for the root
    QString typeName; // "Conv2d", "Sequential", "Net"
    bool isLayer = false;
    ml::Tensor input;
    ml::Tensor output;
    // The model's own call when forward returns several tensors (a tuple, a dict): every one,
    // named as ForwardRecording::outputs; `output` is then the first.
    std::vector<ml::OutputTensor> outputs;
};

// Everything one forward pass produced, in execution order (a call is recorded when it returns,
// so a container follows the calls inside it, as PyTorch's forward hooks see them). A model that
// returns several tensors has its own call last, with all of them.
struct ForwardRecording {
    std::vector<ForwardCall> calls;
    std::optional<ml::Tensor> output;          // when forward returns one tensor
    std::vector<ml::OutputTensor> outputs;      // every tensor it returned, named ("output.0", "output.1", ...)
    std::vector<ml::Diagnostic> errors; // where forward stopped, as PyTorch would raise
    bool cancelled = false;

    const ForwardCall* firstCallOf(const QString& path) const; // nullptr if never called
    QString errorText() const;
};

// Shared between the GUI thread and a worker: the worker counts calls, the GUI may cancel.
struct RunProgress {
    std::atomic<int> callsDone{0};
    std::atomic<bool> cancel{false};
};

// Runs root's eval-mode forward on input, recording every module call. The observer checks
// progress->cancel after each call and stops the pass there (recording.cancelled). Safe to call
// on a worker thread as long as nothing else touches root meanwhile (run it on a clone).
ForwardRecording recordForward(const ml::Module& root, const ml::Tensor& input, RunProgress* progress = nullptr);

} // namespace ml::ui
