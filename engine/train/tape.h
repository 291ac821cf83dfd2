#pragma once

#include "engine/analysis/forwardrecorder.h"
#include "engine/module.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ml {

namespace detail {
struct FlatOutput;
}

// d(loss)/d(parameter) for every parameter a backward pass reached, keyed by the parameter's
// tensor in its layer (Module::tensors()). Gradients accumulate, as PyTorch's .grad does.
using ParamGrads = std::unordered_map<const Tensor*, Tensor>;

// Records a training forward pass (runRecordedForward) and runs reverse-mode differentiation
// over it. Training-mode BatchNorm updates its running statistics and num_batches_tracked as
// the pass runs, as PyTorch's does. One tape serves one pass: clear() it before the next.
class Tape final : public detail::ForwardRecorder {
public:
    Tape();
    ~Tape() override;
    Tape(const Tape&) = delete;
    Tape& operator=(const Tape&) = delete;

    // Runs root's forward on `input` in the modules' own modes, recording it. Returns the
    // output, or nullptr with error() set when forward fails (the analysis is in lastAnalysis()).
    // When forward returns several outputs, `output` chooses the one returned and
    // differentiated (LossOptions::output); the others get no gradient, as in PyTorch where
    // they do not enter the loss.
    const Tensor* forward(const Module& root, const Tensor& input, const std::string& output = {});
    const std::string& error() const { return m_error; }
    // After forward() of several outputs: the chosen one's name ("output.logits"), and a note
    // when it was chosen without being named (the only tensor among them).
    const std::string& outputName() const { return m_outputName; }
    const std::string& note() const { return m_note; }
    bool needsOutputChoice() const { return m_needsChoice; } // several tensors, none chosen

    // Backward from d(loss)/d(output): parameter gradients of every layer the pass ran
    // (registered or in a plain list) and of every parameter forward read as a tensor
    // (x * self.scale) accumulate into grads; returns d(loss)/d(input), or an
    // empty tensor without inputGrad (a training step does not need it: the first layer skips it).
    Tensor backward(const Tensor& gradOutput, ParamGrads& grads, bool inputGrad = true);
    void clear();
    // Every layer of the tree the recorded forward called, with its output, in call order (to
    // compare a pass module by module).
    void visitLayerCalls(const std::function<void(const Layer& layer, const Tensor& out)>& visit) const;
    // Whether backward() differentiates a recorded tensor op of this kind.
    static bool differentiates(detail::RecordedOp::Kind kind);

    // ForwardRecorder
    void layerCall(const Layer& layer, bool inTree, const std::shared_ptr<const Tensor>& in, const Shape& inShape,
                   const std::shared_ptr<Tensor>& out) override;
    void op(detail::RecordedOp op) override;
    void parameterRead(const Tensor& parameter, const std::shared_ptr<const Tensor>& copy) override;
    void result(const detail::Value& out) override;

private:
    struct Node;
    const Tensor* gradOf(const Tensor* t) const;
    Tensor& gradFor(const Tensor* t, int64_t numel);

    std::vector<Node> m_nodes;
    // Parameters forward read as tensors (self.scale): the parameter and the copy forward used.
    std::vector<std::pair<const Tensor*, std::shared_ptr<const Tensor>>> m_parameterReads;
    std::shared_ptr<const Tensor> m_input;
    detail::Value m_output;
    std::unique_ptr<Tensor> m_outputCopy;
    std::unordered_map<const Tensor*, Tensor> m_grads; // activation gradients, flat
    std::string m_error, m_outputName, m_note, m_flatError;
    bool m_needsChoice = false;
    std::vector<detail::FlatOutput> m_flatOutput; // several outputs, named
};

// One of the outputs forward returned: its name as `run --output` saves it ("output.0",
// "output.logits"), the element of the returned tuple, list or dict it is in (-1 when unknown),
// its shape (none for a None).
struct OutputCandidate {
    std::string name;
    int64_t position = -1;
    std::optional<Shape> shape;
};
struct OutputPick {
    int index = -1;    // into the candidates
    std::string note;  // chosen without being named
    std::string error; // nothing to choose, or an ambiguous or unknown choice
    bool needsChoice = false; // several tensors and no choice
};
// Which output the loss is computed on (LossOptions::output); `returned` describes what forward
// returned ("GoogLeNet.forward() returns a GoogLeNetOutputs").
OutputPick pickOutput(const std::vector<OutputCandidate>& outputs, const std::string& choice, const std::string& returned);

} // namespace ml
