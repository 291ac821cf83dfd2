#pragma once

#include "engine/train/dataset.h"
#include "engine/train/target.h"
#include "engine/train/trainer.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace ml {

struct TrainingConfig {
    OptimizerOptions optimizer;
    LossOptions loss;
    LrSchedule schedule;
    int64_t batch = 64;
    int64_t epochs = 1;
    uint64_t seed = 0;   // shuffling and dropout masks
    bool shuffle = true; // DataLoader(shuffle=True); in order (the last batch partial) otherwise
    std::vector<std::string> frozen; // paths frozen besides the modules marked frozen
    TargetKind target = TargetKind::Classes; // Input: loss(model(x), x), the data's labels unused
};

// A held-out evaluation in eval mode: mean loss, accuracy and the confusion matrix
// (confusion[true * classes + predicted]) for class targets; the loss alone against the input.
struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0;
    int64_t count = 0;
    int classes = 0;
    std::vector<int64_t> confusion;
    bool reconstruction = false; // trained against the input: no accuracy, no confusion matrix
};

// for epoch in range(epochs): for x, y in loader: step; then evaluate on the test split.
// One step per call, so that a caller can pause, stop or look at the weights between steps.
class TrainingRun {
public:
    TrainingRun(Module& root, Dataset train, Dataset test, const TrainingConfig& config);

    // Trains the next batch. False when every epoch is done or on error (error set).
    bool step(std::string& error);
    double lastLoss() const { return m_lastLoss; }
    bool epochComplete() const { return m_batch == 0 && m_step > 0; } // after an epoch's last step
    bool finished() const { return m_epoch >= m_config.epochs && m_batch == 0; }
    int64_t epoch() const { return m_epoch; }     // epochs completed
    int64_t stepCount() const { return m_step; } // steps done in all
    int64_t stepsPerEpoch() const;
    // The finished epoch's mean training loss and accuracy (over the batches it trained).
    double epochTrainLoss() const { return m_epochLoss; }
    double epochTrainAccuracy() const { return m_epochAccuracy; }
    bool hasTest() const { return m_test.count > 0; }
    std::optional<Evaluation> evaluateTest(std::string& error);
    // The model's eval-mode outputs for the first `count` test images (fewer when there are
    // fewer), with those images: the reconstructions a model trained against its input makes.
    std::optional<std::pair<Tensor, Tensor>> testOutputs(int64_t count, std::string& error);
    Trainer& trainer() { return m_trainer; }
    const TrainingConfig& config() const { return m_config; }

    // Resuming from a checkpoint: `epochs` were completed (the next epoch starts from its first
    // batch, with the shuffle it would have had), `steps` were taken in all.
    void resumeAt(int64_t epochs, int64_t steps);

private:
    void beginEpoch();

    Module& m_root;
    Dataset m_train, m_test;
    TrainingConfig m_config;
    Trainer m_trainer;
    std::mt19937_64 m_rng;
    std::vector<int64_t> m_order;
    int64_t m_epoch = 0, m_batch = 0, m_step = 0;
    double m_lastLoss = 0.0, m_lossSum = 0.0, m_epochLoss = 0.0, m_epochAccuracy = 0.0;
    int64_t m_seen = 0, m_correct = 0;
};

// Evaluates root (model.eval(), then back to its modes) on d in batches of `batch`.
std::optional<Evaluation> evaluateDataset(Trainer& trainer, const Dataset& d, const LossOptions& loss, int64_t batch,
                                          std::string& error, TargetKind target = TargetKind::Classes);

// A training checkpoint in one safetensors file: "model.KEY" for every state_dict entry,
// "optimizer.I.step" / ".momentum_buffer" / ".exp_avg" / ".exp_avg_sq" / ".max_exp_avg_sq" per
// parameter of model.parameters() (I counts from 0 as optimizer.state_dict() does), and
// "epoch" and "step". Written atomically.
std::optional<std::string> saveCheckpoint(const std::string& path, const Module& root, const Optimizer& optimizer,
                                          int64_t epoch, int64_t step);
struct CheckpointPosition {
    int64_t epoch = 0;
    int64_t step = 0;
};
// Loads weights and optimizer state, all or nothing; the message names what does not fit.
std::variant<CheckpointPosition, std::string> loadCheckpoint(const std::string& path, Module& root, Optimizer& optimizer);

} // namespace ml
