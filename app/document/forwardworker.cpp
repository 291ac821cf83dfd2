#include "app/document/forwardworker.h"

#include "engine/analysis/analysis.h"

#include <QThread>

namespace ml::ui {

ForwardWorker::ForwardWorker(QObject* parent)
    : QObject(parent)
{
}

ForwardWorker::~ForwardWorker()
{
    if (m_thread) {
        m_job->progress.cancel = true;
        m_thread->wait();
        delete m_thread;
    }
}

void ForwardWorker::start(std::shared_ptr<ForwardJob> job)
{
    m_job = std::move(job);
    std::shared_ptr<ForwardJob> running = m_job;
    m_thread = QThread::create([running] {
        if (running->initialise)
            ml::initWeights(*running->root, running->seed);
        running->recording = recordForward(*running->root, running->input, &running->progress);
    });
    connect(m_thread, &QThread::finished, this, &ForwardWorker::finished);
    m_thread->start();
}

void ForwardWorker::cancel()
{
    if (m_job)
        m_job->progress.cancel = true;
}

int ForwardWorker::callsDone() const
{
    return m_job ? m_job->progress.callsDone.load() : 0;
}

std::shared_ptr<ForwardJob> ForwardWorker::takeFinished()
{
    if (!m_thread)
        return nullptr;
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    return std::move(m_job);
}

} // namespace ml::ui
