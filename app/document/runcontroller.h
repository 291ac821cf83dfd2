#pragma once

#include "app/document/forwardrecording.h"
#include "app/document/runinput.h"
#include "engine/imageinput.h"
#include "engine/io/weights.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

class QThread;
class QTimer;

namespace ml::ui {

class Document;

// Runs the document's model on one picture in a worker thread and keeps what every module call
// did. Owns the choice of input, the weights' origin, staleness and the step-through position.
//
// Weights are data, not structure: loading or re-initialising them changes the tensors of the
// document's layers but is not an edit of the model, so it is not on the undo stack (undoing a
// structural edit must not silently swap the weights back). Their origin is always shown.
class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(Document* document, QObject* parent = nullptr);
    ~RunController() override; // cancels a running pass and waits for it

    Document* document() const { return m_document; }

    // ---- input ---------------------------------------------------------------------------
    bool setImageFile(const QString& path, QString* error, int label = -1);
    void setImage(const ml::Image8& image, const QString& name, int label = -1);
    bool hasInput() const { return m_hasImage; }
    // The current picture converted for the current input shape; nullopt (and why) if impossible.
    std::optional<RunInput> currentInput(QString* why = nullptr) const;
    // torchvision's Normalize after ToTensor (a project's "normalize"); empty: none.
    void setNormalisation(std::vector<double> mean, std::vector<double> std);
    bool isNormalised() const { return !m_mean.empty(); }
    // Values typed for a model whose input is not a picture, in the input's row-major order
    // (empty: random values from the seed).
    void setTypedInput(std::vector<float> values);
    const std::vector<float>& typedInput() const { return m_typed; }
    QStringList classNames() const { return m_classNames; }
    void setClassNames(const QStringList& names) { m_classNames = names; }

    // ---- weights (not undoable, see above) ------------------------------------------------
    QString weightsSource() const { return m_weightsSource; }
    // All or nothing; a file or a Qt resource. The report lists every mismatch.
    ml::StateDictReport loadWeights(const QString& path);
    std::optional<QString> saveWeights(const QString& path);
    void reinitialise(uint64_t seed);
    // Training gave the document's layers new weights: shows their origin and runs again.
    void weightsReplaced(const QString& source);
    uint64_t seed() const { return m_seed; }
    // After a model was opened from `path` (a file or a resource): a project's normalisation
    // and the weights it names, or NAME.safetensors / NAME.weights.safetensors / NAME.pth /
    // NAME.pt next to NAME.py; otherwise the weights stay random.
    void modelOpened(const QString& path);

    // ---- running ---------------------------------------------------------------------------
    void run();
    void cancel();
    bool isRunning() const { return m_thread != nullptr; }
    int callsDone() const;
    int totalCalls() const { return m_totalCalls; }
    bool isStale() const { return m_stale; }
    const ForwardRecording* result() const { return m_result.get(); }
    const RunInput* resultInput() const { return m_resultInput.get(); } // the picture of result()
    void setAutoRun(bool on) { m_autoRun = on; }
    bool autoRun() const { return m_autoRun; }
    bool waitForFinished(int timeoutMs); // processes events; for tests and shutdown
    // Why run() would refuse: the memory the pass and the copies kept for display need, named.
    std::optional<QString> memoryProblem() const;
    // ModuleLab's limit for the activations kept for display (and half the available memory).
    void setKeepLimit(int64_t bytes) { m_keepLimit = bytes; }
    static constexpr int64_t kDefaultKeepLimit = 2000000000;

    // ---- step-through: one recorded call at a time -----------------------------------------
    int stepIndex() const { return m_step; } // -1: before the first call
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
    void message(const QString& text);

private:
    struct Job;
    void scheduleAutoRun();
    void finishJob();
    void setStale(bool stale);
    void setWeightsSource(const QString& source);
    int fillMissingWeights();
    bool anyWeights() const;
    int countCalls() const;

    Document* m_document;
    QStringList m_classNames;
    ml::Image8 m_image;
    bool m_hasImage = false;
    QString m_imageName;
    int m_imageLabel = -1;
    std::vector<double> m_mean;
    std::vector<double> m_std;

    QString m_weightsSource;
    uint64_t m_seed = 0;
    std::vector<float> m_typed;

    std::shared_ptr<Job> m_job;
    QThread* m_thread = nullptr;
    QTimer* m_progressTimer;
    QTimer* m_autoRunTimer;
    QTimer* m_playTimer;
    bool m_autoRun = true;
    bool m_rerun = false;
    bool m_stepAfterRun = false;
    int m_totalCalls = 0;
    int m_edits = 0;
    bool m_stale = false;
    std::shared_ptr<const ForwardRecording> m_result;
    std::shared_ptr<const RunInput> m_resultInput;
    int m_step = -1;
    int64_t m_keepLimit = kDefaultKeepLimit;
};

} // namespace ml::ui
