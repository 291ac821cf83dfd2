#include "engine/train/trainer.h"

#include "engine/analysis/analysis.h"

namespace ml {

GradientResult computeGradients(Module& root, const Tensor& input, const Targets& targets, const LossOptions& loss, Tape& tape,
                                bool inputGrad)
{
    GradientResult r;
    const Tensor* out = tape.forward(root, input, loss.output);
    if (!out) {
        r.error = tape.error();
        r.needsOutputChoice = tape.needsOutputChoice();
        tape.clear();
        return r;
    }
    r.outputName = tape.outputName();
    r.note = tape.note();
    LossResult l = computeLoss(loss, *out, targets);
    if (!l.error.empty()) {
        r.error = l.error;
        tape.clear();
        return r;
    }
    r.loss = l.value;
    r.output = *out;
    r.inputGrad = tape.backward(l.grad, r.grads, inputGrad);
    tape.clear(); // activations are not kept between steps
    return r;
}

Trainer::Trainer(Module& root, const OptimizerOptions& optimizer, const LossOptions& loss, const std::vector<std::string>& frozen)
    : m_root(root), m_loss(loss), m_optimizer(modelParameters(root, frozen), optimizer)
{
    setTrainMode(m_root, true);
}

double Trainer::step(const Tensor& input, const Targets& targets, std::string& error)
{
    m_last = computeGradients(m_root, input, targets, m_loss, m_tape, false);
    if (!m_last.error.empty()) {
        error = m_last.error;
        return 0.0;
    }
    m_outputName = m_last.outputName;
    m_optimizer.step(m_last.grads);
    return m_last.loss;
}

std::optional<Tensor> Trainer::evaluate(const Tensor& input, std::string& error)
{
    setTrainMode(m_root, false);
    ForwardResult r = runForward(m_root, input);
    setTrainMode(m_root, true);
    if (r.output)
        return std::move(r.output);
    for (const Diagnostic& d : r.analysis.diagnostics)
        if (d.severity == Severity::Error) {
            error = d.message;
            return std::nullopt;
        }
    if (r.outputs.empty()) {
        error = m_root.typeName() + ".forward() does not return a tensor";
        return std::nullopt;
    }
    // Several outputs: the one the loss is computed on, by the name training used (eval mode
    // may return fewer: GoogLeNet returns its logits alone, which r.output took above).
    std::vector<OutputCandidate> candidates;
    for (const OutputTensor& o : r.outputs)
        candidates.push_back({o.name, -1, o.tensor.shape()});
    for (const OutputTensor& o : r.outputs)
        if (!m_outputName.empty() && o.name == m_outputName)
            return o.tensor;
    const OutputPick pick = pickOutput(candidates, m_loss.output, m_root.typeName() + ".forward() returns, in eval mode, a result");
    if (!pick.error.empty()) {
        error = pick.error;
        return std::nullopt;
    }
    return r.outputs[static_cast<size_t>(pick.index)].tensor;
}

} // namespace ml
