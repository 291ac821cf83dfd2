#pragma once

#include "engine/train/loss.h"
#include "engine/train/optimizer.h"
#include "engine/train/target.h"
#include "engine/train/trainingrun.h"
#include "engine/train/weightchange.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QThread;
class QTimer;

namespace ml::ui {

class Document;

// What the Train panel asks for: model.train() with this optimizer and loss on mini-batches.
struct TrainSettings {
    ml::OptimizerKind optimizer = ml::OptimizerKind::Adam;
    double lr = 1e-3;
    int batch = 64;
    int epochs = 2;
    quint64 seed = 0;
    ml::LossKind loss = ml::LossKind::CrossEntropy;
    ml::TargetKind target = ml::TargetKind::Classes; // Input: loss(model(x), x), an autoencoder
    QString output; // of several outputs, the one the loss is computed on (LossOptions::output)
    bool fromScratch = true; // initialise every layer from the seed first (else: the current weights)
};

struct StepPoint {
    qint64 step = 0;
    double loss = 0.0;
};

struct EpochPoint {
    int epoch = 0;
    double trainLoss = 0.0;
    double trainAccuracy = 0.0;
    double testLoss = 0.0;
    double testAccuracy = 0.0;
};

// Trains a copy of the document's model with the engine's TrainingRun on a worker thread; the
// window stays responsive. The document's layers follow the newest weights (so Run's
// activations and predictions do too). Editing the model stops training: the copy being
// trained no longer matches it. Wiring and bookkeeping only: every number comes from the engine.
class TrainSession : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Running, Paused, Finished };

    explicit TrainSession(Document* document, QObject* parent = nullptr);
    // Trains the model `root` returns (a side of the compare view); it follows the newest weights.
    using RootSource = std::function<ml::Module*()>;
    explicit TrainSession(RootSource root, QObject* parent = nullptr);
    ~TrainSession() override; // stops the worker and waits for it

    // Fashion-MNIST's IDX files (train and t10k) under dir, or a directory of labelled pictures
    // (labels.csv). Empty: Debian's dataset-fashion-mnist, else the samples that ship.
    void setDataDirectory(const QString& dir) { m_dataDir = dir; }
    void setSamplesDirectory(const QString& dir) { m_samplesDir = dir; }
    // The project's Normalize(mean, std), applied to the images after their scaling to [0, 1]
    // as Run applies it; empty: none. Takes effect at the next start.
    void setNormalisation(std::vector<double> mean, std::vector<double> std);

    // Checks the settings and the model, then starts; false (and message()) when it cannot.
    // With pauseAfter, the run pauses itself right after that step.
    bool start(const TrainSettings& settings, int64_t pauseAfter = 0);
    void pause();
    void resume();
    void stop(const QString& why = {});
    State state() const { return m_state; }
    bool isActive() const { return m_state == State::Running || m_state == State::Paused; }
    // Paused, and the window has what the run published when it stopped to wait.
    bool pausedWithResults() const { return m_state == State::Paused && m_parked; }

    // A checkpoint to resume from at the next start (weights, optimizer state, epoch).
    void setResumeCheckpoint(const QString& path) { m_resumeFrom = path; }
    QString resumeCheckpoint() const { return m_resumeFrom; }
    // Weights, optimizer state and epoch of the run, while paused or after it ended.
    std::optional<QString> saveCheckpoint(const QString& path);

    QString dataDescription() const { return m_dataDescription; }
    const std::vector<StepPoint>& steps() const { return m_steps; }
    const std::vector<EpochPoint>& epochs() const { return m_epochs; }
    const std::optional<ml::Evaluation>& confusion() const { return m_confusion; }
    // Trained against the input: the first test images and the model's reconstructions of them
    // with the newest weights (at each epoch's end, every two seconds and on pause), as pictures,
    // and the step they were made after.
    const std::optional<ml::Reconstructions>& reconstructions() const { return m_pictures; }
    qint64 reconstructionsStep() const { return m_picturesStep; }
    // Whether the model's output has the shape of its input pictures, so that it can be trained
    // against them (the engine's analysis decides).
    bool reconstructionAvailable() const;
    // The model's outputs in training mode when it returns several tensors (a tuple, namedtuple,
    // list or dict): each as {name as LossOptions::output takes it, "name [shape]"} with the shape
    // a batch of `batch` pictures gets (only the name where that batch fails); empty for one.
    std::vector<std::pair<QString, QString>> outputChoices(int batch) const;
    const TrainSettings& runSettings() const { return m_settings; } // of the latest start
    // The latest weight changes per module path (plain lists included), with the engine's reasons.
    const std::vector<ml::LayerChange>& changes() const { return m_changes; }
    const ml::LayerChange* changeOf(const QString& path) const;
    qint64 stepsPerEpoch() const { return m_stepsPerEpoch; }
    int totalEpochs() const { return m_settings.epochs; }

    int changesVersion() const { return m_changesVersion; } // counts changesUpdated
    void clearResults(); // forgets the curves and changes of the last run (another model)

    bool waitUntil(const std::function<bool()>& condition, int timeoutMs); // processes events; tests

signals:
    void stateChanged(TrainSession::State state);
    void stepsAdded();
    void epochFinished(const EpochPoint& point);
    void changesUpdated();
    void weightsUpdated(); // the document's layers now hold the newest weights
    void message(const QString& text);

private:
    struct Shared;
    void poll();
    void setState(State s);
    void applyWeights();
    ml::Module* root() const;
    QString normalisationNote() const; // ", normalised as the project says (...)" or empty

    Document* m_document = nullptr;
    RootSource m_root;
    QString m_dataDir;
    QString m_samplesDir;
    std::vector<double> m_mean, m_std;
    QString m_resumeFrom;
    QString m_dataDescription;
    TrainSettings m_settings;
    std::shared_ptr<Shared> m_shared;
    QThread* m_thread = nullptr;
    QTimer* m_timer;
    State m_state = State::Idle;
    bool m_parked = false; // the worker waits while paused (as of the last poll)
    std::vector<StepPoint> m_steps;
    std::vector<EpochPoint> m_epochs;
    std::optional<ml::Evaluation> m_confusion;
    std::optional<ml::Reconstructions> m_pictures;
    qint64 m_picturesStep = 0;
    std::vector<ml::LayerChange> m_changes;
    qint64 m_stepsPerEpoch = 0;
    qint64 m_lastWeightsRequest = 0;
    int m_changesVersion = 0;
};

} // namespace ml::ui
