#pragma once

#include "engine/train/loss.h"
#include "engine/train/optimizer.h"
#include "engine/train/tape.h"

#include <memory>
#include <string>

namespace ml {

struct GradientResult {
    double loss = 0.0;
    Tensor output;
    Tensor inputGrad;  // d(loss)/d(input)
    ParamGrads grads;  // every layer's parameters, plain-list layers included
    std::string error; // where forward or the loss fails
    bool needsOutputChoice = false; // forward returned several tensors and LossOptions::output names none
    std::string outputName; // of several outputs, the one the loss is computed on ("output.logits")
    std::string note;       // it was chosen as the only tensor among them
};

// One forward (in the modules' own modes, recorded), the loss and backward: what
// loss.backward() leaves in .grad after zero_grad(). BatchNorm in training mode updates its
// running statistics as the forward pass runs.
GradientResult computeGradients(Module& root, const Tensor& input, const Targets& targets, const LossOptions& loss, Tape& tape,
                                bool inputGrad = true);

// model.train(); for each batch: zero_grad, forward, loss, backward, optimizer.step(). The
// optimizer holds model.parameters(); plain-list layers get gradients but are never updated.
class Trainer {
public:
    Trainer(Module& root, const OptimizerOptions& optimizer, const LossOptions& loss, const std::vector<std::string>& frozen = {});
    // One step; returns the batch's loss, or sets error and leaves the weights unchanged.
    double step(const Tensor& input, const Targets& targets, std::string& error);
    // Eval-mode forward of a batch (model.eval(), then back to train mode).
    std::optional<Tensor> evaluate(const Tensor& input, std::string& error);
    Optimizer& optimizer() { return m_optimizer; }
    const ParamGrads& lastGrads() const { return m_last.grads; }
    const Tensor& lastOutput() const { return m_last.output; } // the last step's model output
    const std::string& lastNote() const { return m_last.note; }
    bool lastNeedsOutputChoice() const { return m_last.needsOutputChoice; }

private:
    Module& m_root;
    LossOptions m_loss;
    Optimizer m_optimizer;
    Tape m_tape;
    GradientResult m_last;
    std::string m_outputName; // of several outputs, the one the last step's loss was computed on
};

} // namespace ml
