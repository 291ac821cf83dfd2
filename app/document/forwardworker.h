#pragma once

#include "app/document/forwardrecording.h"
#include "app/document/runinput.h"
#include "engine/module.h"
#include "engine/tensor.h"

#include <QObject>

#include <cstdint>
#include <memory>

class QThread;

namespace ml::ui {

// One recorded forward pass: what the worker thread is given and what it leaves.
struct ForwardJob {
    std::unique_ptr<ml::Module> root; // a snapshot: edits during the run cannot race with it
    bool initialise = false;          // draw the random weights in the worker (big models)
    uint64_t seed = 0;
    int edits = 0;                    // the document's edit count when the snapshot was taken
    ml::Tensor input;
    RunProgress progress;
    ForwardRecording recording;
    std::shared_ptr<const RunInput> picture;
};

// Runs one ForwardJob at a time in a worker thread; finished() when it ends, cancelled or not.
class ForwardWorker : public QObject {
    Q_OBJECT
public:
    explicit ForwardWorker(QObject* parent = nullptr);
    ~ForwardWorker() override; // cancels a running pass and waits for it

    void start(std::shared_ptr<ForwardJob> job);
    void cancel(); // the pass stops at its next module call or inside a long layer
    bool isRunning() const { return m_thread != nullptr; }
    int callsDone() const;
    // After finished(): the job, its thread joined; null if there is none.
    std::shared_ptr<ForwardJob> takeFinished();

signals:
    void finished();

private:
    std::shared_ptr<ForwardJob> m_job;
    QThread* m_thread = nullptr;
};

} // namespace ml::ui
