#pragma once

#include "app/document/forwardrecording.h"
#include "app/document/runinput.h"
#include "app/document/runinputchoice.h"
#include "engine/imageinput.h"
#include "engine/io/weights.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace ml::ui {

class Document;
class ForwardWorker;
class RunWeights;
class StepThrough;

// Runs the document's model on one input in a worker thread and keeps what every module call
// did. Coordinates the parts of a run, each in its own class: the input (RunInputChoice), the
// weights and their origin (RunWeights), the worker (ForwardWorker) and the step-through
// position (StepThrough); it owns staleness and when to run again.
class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(Document* document, QObject* parent = nullptr);
    ~RunController() override; // cancels a running pass and waits for it

    Document* document() const { return m_document; }

    // ---- input ---------------------------------------------------------------------------
    bool setImageFile(const QString& path, QString* error, int label = -1);
    void setImage(const ml::Image8& image, const QString& name, int label = -1);
    bool hasInput() const { return m_input.hasImage(); }
    // The current picture converted for the current input shape; nullopt (and why) if impossible.
    std::optional<RunInput> currentInput(QString* why = nullptr) const;
    // torchvision's Normalize after ToTensor (a project's "normalize"); empty: none.
    void setNormalisation(std::vector<double> mean, std::vector<double> std);
    bool isNormalised() const { return m_input.isNormalised(); }
    const std::vector<double>& normalisationMean() const { return m_input.normalisationMean(); }
    const std::vector<double>& normalisationStd() const { return m_input.normalisationStd(); }
    // Values typed for a model whose input is not a picture, in the input's row-major order
    // (empty: random values from the seed).
    void setTypedInput(std::vector<float> values);
    const std::vector<float>& typedInput() const { return m_input.typedValues(); }
    QStringList classNames() const { return m_input.classNames(); }
    void setClassNames(const QStringList& names) { m_input.setClassNames(names); }

    // ---- weights (not undoable: see RunWeights) -------------------------------------------
    QString weightsSource() const;
    // All or nothing; a file or a Qt resource. The report lists every mismatch.
    ml::StateDictReport loadWeights(const QString& path);
    std::optional<QString> saveWeights(const QString& path);
    void reinitialise(uint64_t seed);
    // Training gave the document's layers new weights: shows their origin and runs again.
    void weightsReplaced(const QString& source);
    uint64_t seed() const;
    // After a model was opened from a file or a resource: a project's normalisation
    // and the weights it names, or NAME.safetensors / NAME.weights.safetensors / NAME.pth /
    // NAME.pt next to NAME.py; otherwise the weights stay random.
    // All of it as the document read it with the model, from its file (fileExtrasSource).
    void modelOpened();

    // ---- running ---------------------------------------------------------------------------
    void run();
    void cancel();
    bool isRunning() const;
    int callsDone() const;
    int totalCalls() const { return m_totalCalls; }
    bool isStale() const { return m_stale; }
    // Why the results on show are stale: "the model was edited", "they are of the run before the cancelled one".
    const QString& staleReason() const { return m_staleReason; }
    const ForwardRecording* result() const { return m_result.get(); }
    const RunInput* resultInput() const { return m_resultInput.get(); } // the picture of result()
    // A model that returns several tensors (a tuple): the one Predictions and the model's
    // Activations show. Index into result()->outputs; the first after each run.
    int outputIndex() const { return m_outputIndex; }
    void setOutputIndex(int index);
    const ml::OutputTensor* chosenOutput() const; // nullptr without a result
    void setAutoRun(bool on) { m_autoRun = on; }
    bool autoRun() const { return m_autoRun; }
    bool waitForFinished(int timeoutMs); // processes events; for tests and shutdown
    // Why run() would refuse: the memory the pass and the copies kept for display need, named.
    std::optional<QString> memoryProblem() const;
    // ModuleLab's limit for the activations kept for display (and half the available memory).
    void setKeepLimit(int64_t bytes) { m_keepLimit = bytes; }
    static constexpr int64_t kDefaultKeepLimit = 2000000000;

    // ---- step-through: one recorded call at a time -----------------------------------------
    int stepIndex() const; // -1: before the first call
    int stepCount() const;
    const ForwardCall* currentStep() const;
    void step();
    void play();
    void pause();
    void resetSteps();
    bool isPlaying() const;
    void setPlayInterval(int ms);

signals:
    void inputChanged();
    void weightsChanged(const QString& source);
    void runStarted();
    void progressChanged(int done, int total);
    void runFinished();
    void staleChanged(bool stale);
    void stepChanged(int index);
    void outputChosen(int index);
    void message(const QString& text);

private:
    void documentEdited();
    void documentReplaced();
    void scheduleAutoRun();
    void finishJob();
    void setStale(bool stale, const QString& why = {});
    int countCalls() const;

    Document* m_document;
    RunInputChoice m_input;
    RunWeights* m_weights;
    ForwardWorker* m_worker;
    StepThrough* m_steps;
    QTimer* m_progressTimer;
    QTimer* m_autoRunTimer;
    bool m_autoRun = true;
    bool m_rerun = false;
    bool m_stepAfterRun = false;
    int m_totalCalls = 0;
    int m_edits = 0;
    bool m_stale = false;
    QString m_staleReason;
    std::shared_ptr<const ForwardRecording> m_result;
    std::shared_ptr<const RunInput> m_resultInput;
    int64_t m_keepLimit = kDefaultKeepLimit;
    int m_outputIndex = 0;
};

} // namespace ml::ui
