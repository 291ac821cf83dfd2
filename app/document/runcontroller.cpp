#include "app/document/runcontroller.h"

#include "app/document/document.h"
#include "app/document/forwardworker.h"
#include "app/document/modelfiles.h"
#include "app/document/runweights.h"
#include "app/document/stepthrough.h"
#include "engine/analysis/analysis.h"
#include "engine/analysis/runmemory.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <algorithm>

namespace ml::ui {

RunController::RunController(Document* document, QObject* parent)
    : QObject(parent)
    , m_document(document)
    , m_weights(new RunWeights(document, this))
    , m_worker(new ForwardWorker(this))
    , m_steps(new StepThrough(this))
    , m_progressTimer(new QTimer(this))
    , m_autoRunTimer(new QTimer(this))
{
    m_progressTimer->setInterval(50);
    connect(m_progressTimer, &QTimer::timeout, this, [this] { emit progressChanged(callsDone(), m_totalCalls); });
    m_autoRunTimer->setSingleShot(true);
    m_autoRunTimer->setInterval(0);
    connect(m_autoRunTimer, &QTimer::timeout, this, [this] {
        if (m_autoRun && m_input.hasImage())
            run();
    });
    connect(m_steps, &StepThrough::tick, this, &RunController::step);
    connect(m_steps, &StepThrough::changed, this, &RunController::stepChanged);
    connect(m_weights, &RunWeights::sourceChanged, this, &RunController::weightsChanged);
    connect(m_weights, &RunWeights::message, this, &RunController::message);
    connect(m_worker, &ForwardWorker::finished, this, &RunController::finishJob);
    connect(m_document, &Document::modified, this, &RunController::documentEdited);
    connect(m_document, &Document::documentReset, this, &RunController::documentReplaced);
}

RunController::~RunController() = default; // the worker cancels and waits

void RunController::documentEdited()
{
    ++m_edits;
    if (m_result || isRunning())
        setStale(true, QStringLiteral("the model was edited"));
    pause();
}

void RunController::documentReplaced()
{
    ++m_edits;
    cancel();
    m_rerun = false;
    m_result.reset();
    m_resultInput.reset();
    m_steps->setIndex(-1, false);
    pause();
    setStale(false);
    m_input.setNormalisation({}, {});
    // Random weights are drawn when first needed (a run or a save): big models open fast.
    m_weights->resetToRandom();
    m_totalCalls = 0; // nothing of the previous model's run stays on show
    emit progressChanged(0, 0);
    emit message(QString());
    emit runFinished();
    emit stepChanged(stepIndex());
}

// ---- input ------------------------------------------------------------------------------

bool RunController::setImageFile(const QString& path, QString* error, int label)
{
    auto image = readImage8(path, error);
    if (!image)
        return false;
    setImage(*image, QFileInfo(path).fileName(), label);
    return true;
}

void RunController::setImage(const ml::Image8& image, const QString& name, int label)
{
    m_input.setImage(image, name, label);
    emit inputChanged();
    scheduleAutoRun();
}

std::optional<RunInput> RunController::currentInput(QString* why) const
{
    return m_input.inputFor(m_document->inputShape(), m_weights->seed(), why);
}

void RunController::setTypedInput(std::vector<float> values)
{
    m_input.setTypedValues(std::move(values));
    emit inputChanged();
    scheduleAutoRun();
}

void RunController::setNormalisation(std::vector<double> mean, std::vector<double> std)
{
    m_input.setNormalisation(std::move(mean), std::move(std));
    emit inputChanged();
    scheduleAutoRun();
}

// ---- weights ----------------------------------------------------------------------------

QString RunController::weightsSource() const
{
    return m_weights->source();
}

uint64_t RunController::seed() const
{
    return m_weights->seed();
}

ml::StateDictReport RunController::loadWeights(const QString& path)
{
    ml::StateDictReport report = m_weights->load(path);
    if (report.loaded)
        scheduleAutoRun();
    return report;
}

std::optional<QString> RunController::saveWeights(const QString& path)
{
    return m_weights->save(path);
}

void RunController::reinitialise(uint64_t seed)
{
    m_weights->reinitialise(seed);
    scheduleAutoRun();
}

void RunController::weightsReplaced(const QString& source)
{
    m_weights->replaced(source);
    scheduleAutoRun();
}

void RunController::modelOpened()
{
    // What the file names was read once, with the model, by the engine's loader.
    const QString path = m_document->fileExtrasSource();
    if (path.isEmpty())
        return;
    const ml::ModelFileExtras& extras = m_document->fileExtras();
    if (!extras.mean.empty())
        setNormalisation(extras.mean, extras.std);
    if (m_weights->loadShipped(path, extras))
        scheduleAutoRun();
}

// ---- running ----------------------------------------------------------------------------

bool RunController::isRunning() const
{
    return m_worker->isRunning();
}

int RunController::callsDone() const
{
    return m_worker->callsDone();
}

int RunController::countCalls() const
{
    // The calls the run records: a module inside that takes or returns several tensors has no
    // single activation to show, so it is not counted; the model's own call is recorded with
    // every tensor it returns (recordForward).
    int total = 0;
    const ml::Module* root = m_document->root();
    for (const auto& [module, info] : m_document->analysis().nodes)
        if (info.inputShapes.empty() && (info.outputShapes.empty() || module == root))
            total += info.calls;
    return total;
}

void RunController::scheduleAutoRun()
{
    if (m_autoRun && m_input.hasImage())
        m_autoRunTimer->start();
}

void RunController::run()
{
    m_autoRunTimer->stop();
    if (isRunning()) {
        m_rerun = true;
        m_worker->cancel();
        return;
    }
    if (auto problem = memoryProblem()) { // before the input is made: it may be large too
        emit message(*problem);
        return;
    }
    QString why;
    auto input = currentInput(&why);
    if (!input) {
        emit message(why);
        return;
    }
    m_totalCalls = countCalls();
    auto job = std::make_shared<ForwardJob>();
    // A model without any weights yet gets them in the worker (millions of random numbers);
    // layers edited since the weights were set are few: they are filled here.
    job->initialise = !m_weights->any();
    if (!job->initialise)
        m_weights->fillMissing();
    job->seed = m_weights->seed();
    job->edits = m_edits;
    job->root = m_document->root()->clone(); // shares the weights: nothing is copied
    job->input = input->tensor;
    job->picture = std::make_shared<const RunInput>(std::move(*input));
    setStale(false);
    m_worker->start(std::move(job));
    m_progressTimer->start();
    emit runStarted();
    emit progressChanged(0, m_totalCalls);
}

void RunController::cancel()
{
    m_rerun = false;
    m_stepAfterRun = false;
    m_worker->cancel();
}

void RunController::setOutputIndex(int index)
{
    if (index == m_outputIndex || index < 0 || !m_result || index >= static_cast<int>(m_result->outputs.size()))
        return;
    m_outputIndex = index;
    emit outputChosen(index);
}

const ml::OutputTensor* RunController::chosenOutput() const
{
    if (!m_result || m_result->outputs.empty())
        return nullptr;
    return &m_result->outputs[static_cast<size_t>(std::clamp(m_outputIndex, 0, static_cast<int>(m_result->outputs.size()) - 1))];
}

void RunController::finishJob()
{
    std::shared_ptr<ForwardJob> job = m_worker->takeFinished();
    if (!job)
        return;
    m_progressTimer->stop();
    if (job->initialise && job->edits == m_edits && !m_weights->any())
        m_weights->adoptDrawn(*job->root); // the weights the document's unchanged tree lacks
    emit progressChanged(job->progress.callsDone.load(), m_totalCalls);
    const bool cancelled = job->recording.cancelled;
    if (cancelled && m_rerun) {
        m_rerun = false;
        run();
        return;
    }
    if (cancelled) {
        emit message(QStringLiteral("Run cancelled after %1 of %2 module calls")
                         .arg(job->progress.callsDone.load()).arg(m_totalCalls));
        if (m_result) // what is on show is the run before the cancelled one
            setStale(true, QStringLiteral("they are of the run before the cancelled one"));
        emit runFinished();
        return;
    }
    m_result = std::make_shared<const ForwardRecording>(std::move(job->recording));
    m_resultInput = job->picture;
    if (m_outputIndex >= static_cast<int>(m_result->outputs.size()))
        m_outputIndex = 0; // the same output again after a rerun of the same model
    m_steps->setIndex(m_stepAfterRun ? 0 : -1, false);
    m_stepAfterRun = false;
    if (!m_result->errors.empty())
        emit message(QStringLiteral("Forward stopped: %1").arg(m_result->errorText()));
    emit runFinished();
    emit stepChanged(stepIndex());
    if (m_rerun) {
        m_rerun = false;
        run();
    }
}

std::optional<QString> RunController::memoryProblem() const
{
    // Every call's input and output is kept for Activations, Step and the diagram's thumbnails.
    const ml::RunMemory need = ml::runMemory(*m_document->root(), m_document->analysis(), true);
    const int64_t available = ml::availableMemoryBytes();
    if (auto problem = ml::runMemoryProblem(need, available, std::min(m_keepLimit, available / 2)))
        return QString::fromStdString(*problem);
    return std::nullopt;
}

bool RunController::waitForFinished(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (isRunning() || m_autoRunTimer->isActive()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(1);
    }
    return true;
}

void RunController::setStale(bool stale, const QString& why)
{
    if (stale == m_stale)
        return; // the first reason stays: an edit, then a cancelled run, is still an edit
    m_stale = stale;
    m_staleReason = stale ? why : QString();
    emit staleChanged(stale);
}

// ---- step-through -----------------------------------------------------------------------

int RunController::stepIndex() const
{
    return m_steps->index();
}

int RunController::stepCount() const
{
    return m_result ? static_cast<int>(m_result->calls.size()) : 0;
}

const ForwardCall* RunController::currentStep() const
{
    const int index = stepIndex();
    if (!m_result || index < 0 || index >= stepCount())
        return nullptr;
    return &m_result->calls[static_cast<size_t>(index)];
}

void RunController::step()
{
    if (!m_result || m_stale) {
        if (!isRunning()) {
            m_stepAfterRun = true;
            run();
        }
        return;
    }
    m_steps->advance(stepCount());
}

void RunController::play()
{
    if (stepIndex() + 1 >= stepCount() && m_result && !m_stale)
        m_steps->setIndex(-1, false); // play again from the start
    m_steps->startPlaying();
    step();
}

void RunController::pause()
{
    m_steps->pause();
}

void RunController::resetSteps()
{
    pause();
    m_steps->setIndex(-1);
}

bool RunController::isPlaying() const
{
    return m_steps->isPlaying();
}

void RunController::setPlayInterval(int ms)
{
    m_steps->setInterval(ms);
}

} // namespace ml::ui
