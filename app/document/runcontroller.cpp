#include "app/document/runcontroller.h"

#include "app/document/document.h"
#include "app/document/modelfiles.h"
#include "app/document/predictions.h"
#include "engine/analysis/analysis.h"
#include "engine/analysis/runmemory.h"
#include "engine/io/safetensors.h"
#include "engine/names.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QDeadlineTimer>
#include <QCoreApplication>
#include <QThread>
#include <QTimer>

#include <algorithm>

namespace ml::ui {

struct RunController::Job {
    std::unique_ptr<ml::Module> root; // a snapshot: edits during the run cannot race with it
    bool initialise = false;          // draw the random weights in the worker (big models)
    uint64_t seed = 0;
    int edits = 0;                    // the document's edit count when the snapshot was taken
    ml::Tensor input;
    RunProgress progress;
    ForwardRecording recording;
    std::shared_ptr<const RunInput> picture;
};

RunController::RunController(Document* document, QObject* parent)
    : QObject(parent)
    , m_document(document)
    , m_classNames(fashionMnistClasses())
    , m_progressTimer(new QTimer(this))
    , m_autoRunTimer(new QTimer(this))
    , m_playTimer(new QTimer(this))
{
    m_progressTimer->setInterval(50);
    connect(m_progressTimer, &QTimer::timeout, this, [this] { emit progressChanged(callsDone(), m_totalCalls); });
    m_autoRunTimer->setSingleShot(true);
    m_autoRunTimer->setInterval(0);
    connect(m_autoRunTimer, &QTimer::timeout, this, [this] {
        if (m_autoRun && m_hasImage)
            run();
    });
    m_playTimer->setInterval(800);
    connect(m_playTimer, &QTimer::timeout, this, &RunController::step);

    connect(m_document, &Document::modified, this, [this] {
        ++m_edits;
        if (m_result || isRunning())
            setStale(true);
        pause();
    });
    connect(m_document, &Document::documentReset, this, [this] {
        ++m_edits;
        cancel();
        m_rerun = false;
        m_result.reset();
        m_resultInput.reset();
        m_step = -1;
        pause();
        setStale(false);
        m_mean.clear();
        m_std.clear();
        // Random weights are drawn when first needed (a run or a save): big models open fast.
        setWeightsSource(QStringLiteral("random, seed %1").arg(m_seed));
        m_totalCalls = 0; // nothing of the previous model's run stays on show
        emit progressChanged(0, 0);
        emit message(QString());
        emit runFinished();
        emit stepChanged(m_step);
    });
    m_weightsSource = QStringLiteral("random, seed %1").arg(m_seed);
}

RunController::~RunController()
{
    if (m_thread) {
        m_job->progress.cancel = true;
        m_thread->wait();
        delete m_thread;
    }
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
    m_image = image;
    m_imageName = name;
    m_imageLabel = label;
    m_hasImage = true;
    emit inputChanged();
    scheduleAutoRun();
}

std::optional<RunInput> RunController::currentInput(QString* why) const
{
    const ml::Shape& shape = m_document->inputShape();
    if (!InputSpec::isPictureShape(shape) && !m_typed.empty()) {
        const int64_t n = shape.numel().value_or(-1);
        if (static_cast<int64_t>(m_typed.size()) != n) {
            if (why)
                *why = QStringLiteral("%1 values were typed; the model's input %2 takes %3")
                           .arg(m_typed.size())
                           .arg(QString::fromStdString(shape.toString()))
                           .arg(n);
            return std::nullopt;
        }
        RunInput typed;
        typed.name = QStringLiteral("typed values");
        typed.tensor = ml::Tensor(shape);
        std::copy(m_typed.begin(), m_typed.end(), typed.tensor.data());
        return typed;
    }
    if (!InputSpec::isPictureShape(shape)) {
        // [1, 64] and the like: a tensor of random values.
        constexpr int64_t kMaxRandom = int64_t{1} << 26;
        if (shape.numel().value_or(INT64_MAX) > kMaxRandom) {
            if (why)
                *why = QStringLiteral("Not supported by ModuleLab yet: a random input of more than %1 values; the model's "
                                      "input is %2")
                           .arg(QString::fromStdString(ml::withThousands(kMaxRandom)), QString::fromStdString(shape.toString()));
            return std::nullopt;
        }
        return makeRandomInput(shape, m_seed);
    }
    if (!m_hasImage) {
        if (why)
            *why = QStringLiteral("Choose a sample or open an image to run the model on");
        return std::nullopt;
    }
    auto spec = InputSpec::fromShape(shape, why);
    if (!spec)
        return std::nullopt;
    spec->mean = m_mean;
    spec->std = m_std;
    return makeRunInput(m_image, *spec, m_imageName, m_imageLabel);
}

void RunController::setTypedInput(std::vector<float> values)
{
    m_typed = std::move(values);
    emit inputChanged();
    scheduleAutoRun();
}

void RunController::setNormalisation(std::vector<double> mean, std::vector<double> std)
{
    m_mean = std::move(mean);
    m_std = std::move(std);
    emit inputChanged();
    scheduleAutoRun();
}

// ---- weights ----------------------------------------------------------------------------

void RunController::setWeightsSource(const QString& source)
{
    m_weightsSource = source;
    emit weightsChanged(source);
}

ml::StateDictReport RunController::loadWeights(const QString& path)
{
    ml::StateDictReport report;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        report.error = QStringLiteral("%1: %2").arg(path, file.errorString()).toStdString();
        return report;
    }
    const QByteArray bytes = file.readAll();
    // The engine tells safetensors from torch.save files and reads either.
    report = ml::loadStateDictBytes(*m_document->root(), std::string(bytes.constData(), static_cast<size_t>(bytes.size())),
                                    QFileInfo(path).fileName().toStdString());
    if (report.loaded) {
        setWeightsSource(QFileInfo(path).fileName());
        QStringList notes;
        for (const std::string& n : report.notes)
            if (n.find("num_batches_tracked") == std::string::npos)
                notes << QString::fromStdString(n);
        if (!notes.isEmpty())
            emit message(QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), notes.join(QStringLiteral("; "))));
        scheduleAutoRun();
    }
    return report;
}

std::optional<QString> RunController::saveWeights(const QString& path)
{
    fillMissingWeights();
    if (auto err = ml::saveStateDict(*m_document->root(), path.toStdString()))
        return QString::fromStdString(*err);
    return std::nullopt;
}

void RunController::reinitialise(uint64_t seed)
{
    m_seed = seed;
    ml::initWeights(*m_document->root(), seed);
    setWeightsSource(QStringLiteral("random, seed %1").arg(seed));
    scheduleAutoRun();
}

void RunController::weightsReplaced(const QString& source)
{
    setWeightsSource(source);
    scheduleAutoRun();
}

void RunController::modelOpened(const QString& path)
{
    // What the file names was read once, by the engine's loader, when the document was opened.
    // A document given a model read elsewhere (the compare view's) asks the same loader.
    ml::ModelFileExtras extras = m_document->fileExtras();
    if (m_document->fileExtrasSource() != path) {
        auto loaded = readModelFile(path);
        if (auto* m = std::get_if<LoadedModel>(&loaded))
            extras = ml::extrasOf(*m);
    }
    if (!extras.mean.empty())
        setNormalisation(extras.mean, extras.std);
    QStringList candidates;
    if (!extras.weightsPath.empty()) {
        const QString named = QString::fromStdString(extras.weightsPath);
        if (QFileInfo::exists(named))
            candidates << named;
        else
            emit message(QStringLiteral("%1 names the weights %2, which do not exist: the weights stay random")
                             .arg(QFileInfo(path).fileName(), named));
    }
    const QFileInfo info(path);
    const QString dir = path.startsWith(QStringLiteral(":/")) ? info.path() : info.absolutePath();
    const QString stem = QDir(dir).filePath(info.completeBaseName());
    candidates << stem + QStringLiteral(".safetensors") << stem + QStringLiteral(".weights.safetensors")
               << stem + QStringLiteral(".pth") << stem + QStringLiteral(".pt");
    for (const QString& c : candidates) {
        if (!QFileInfo::exists(c))
            continue;
        const ml::StateDictReport report = loadWeights(c);
        if (!report.loaded)
            emit message(QStringLiteral("%1 does not fit this model, the weights stay random: %2")
                             .arg(QFileInfo(c).fileName(),
                                  QString::fromStdString(report.error.empty() ? report.message() : report.error)));
        return;
    }
}

bool RunController::anyWeights() const
{
    for (const ml::NamedModule& nm : ml::namedModules(*m_document->root(), true))
        if (nm.module->kind() == ml::ModuleKind::Layer && !nm.module->tensors().empty())
            return true;
    return false;
}

int RunController::fillMissingWeights()
{
    std::vector<ml::Module*> missing;
    int layers = 0;
    for (const ml::NamedModule& nm : ml::namedModules(*m_document->root(), true)) {
        auto* m = const_cast<ml::Module*>(nm.module);
        if (m->kind() != ml::ModuleKind::Layer)
            continue;
        ++layers;
        if (!m->hasTensors())
            missing.push_back(m);
    }
    if (missing.empty())
        return 0;
    if (static_cast<int>(missing.size()) == layers) {
        // Nothing allocated yet: the whole model exactly as PyTorch initialises it.
        ml::initWeights(*m_document->root(), m_seed);
        return layers;
    }
    // Layers added or changed since the weights were set: only those get fresh random values.
    for (ml::Module* m : missing)
        ml::initWeights(*m, m_seed);
    const int filled = static_cast<int>(missing.size());
    if (filled > 0 && !m_weightsSource.contains(QLatin1String("layers random")))
        setWeightsSource(QStringLiteral("%1 + edited layers random").arg(m_weightsSource));
    return filled;
}

// ---- running ----------------------------------------------------------------------------

int RunController::callsDone() const
{
    return m_job ? m_job->progress.callsDone.load() : 0;
}

int RunController::countCalls() const
{
    int total = 0;
    for (const auto& [module, info] : m_document->analysis().nodes)
        total += info.calls;
    return total;
}

void RunController::scheduleAutoRun()
{
    if (m_autoRun && m_hasImage)
        m_autoRunTimer->start();
}

void RunController::run()
{
    m_autoRunTimer->stop();
    if (isRunning()) {
        m_rerun = true;
        m_job->progress.cancel = true;
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
    m_job = std::make_shared<Job>();
    // A model without any weights yet gets them in the worker (millions of random numbers);
    // layers edited since the weights were set are few: they are filled here.
    m_job->initialise = !anyWeights();
    if (!m_job->initialise)
        fillMissingWeights();
    m_job->seed = m_seed;
    m_job->edits = m_edits;
    m_job->root = m_document->root()->clone(); // shares the weights: nothing is copied
    m_job->input = input->tensor;
    m_job->picture = std::make_shared<const RunInput>(std::move(*input));
    setStale(false);
    std::shared_ptr<Job> job = m_job;
    m_thread = QThread::create([job] {
        if (job->initialise)
            ml::initWeights(*job->root, job->seed);
        job->recording = recordForward(*job->root, job->input, &job->progress);
    });
    connect(m_thread, &QThread::finished, this, &RunController::finishJob);
    m_thread->start();
    m_progressTimer->start();
    emit runStarted();
    emit progressChanged(0, m_totalCalls);
}

void RunController::cancel()
{
    m_rerun = false;
    m_stepAfterRun = false;
    if (m_job)
        m_job->progress.cancel = true;
}

void RunController::finishJob()
{
    if (!m_thread)
        return;
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_progressTimer->stop();
    std::shared_ptr<Job> job = std::move(m_job);
    if (job->initialise && job->edits == m_edits && !anyWeights()) {
        // The worker drew the weights the document's unchanged tree lacks: keep them.
        const auto from = ml::namedModules(*job->root, true);
        const auto to = ml::namedModules(*m_document->root(), true);
        if (from.size() == to.size())
            for (size_t i = 0; i < from.size(); ++i)
                const_cast<ml::Module*>(to[i].module)->shareTensors(*from[i].module);
    }
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
        if (m_result)
            setStale(true);
        emit runFinished();
        return;
    }
    m_result = std::make_shared<const ForwardRecording>(std::move(job->recording));
    m_resultInput = job->picture;
    m_step = m_stepAfterRun ? 0 : -1;
    m_stepAfterRun = false;
    if (!m_result->errors.empty())
        emit message(QStringLiteral("Forward stopped: %1").arg(m_result->errorText()));
    emit runFinished();
    emit stepChanged(m_step);
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

void RunController::setStale(bool stale)
{
    if (stale == m_stale)
        return;
    m_stale = stale;
    emit staleChanged(stale);
}

// ---- step-through -----------------------------------------------------------------------

int RunController::stepCount() const
{
    return m_result ? static_cast<int>(m_result->calls.size()) : 0;
}

const ForwardCall* RunController::currentStep() const
{
    if (!m_result || m_step < 0 || m_step >= stepCount())
        return nullptr;
    return &m_result->calls[static_cast<size_t>(m_step)];
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
    if (m_step + 1 >= stepCount()) {
        pause();
        return;
    }
    ++m_step;
    emit stepChanged(m_step);
    if (m_step + 1 >= stepCount())
        pause();
}

void RunController::play()
{
    if (m_step + 1 >= stepCount() && m_result && !m_stale)
        m_step = -1; // play again from the start
    m_playTimer->start();
    step();
}

void RunController::pause()
{
    m_playTimer->stop();
}

void RunController::resetSteps()
{
    pause();
    m_step = -1;
    emit stepChanged(m_step);
}

bool RunController::isPlaying() const
{
    return m_playTimer->isActive();
}

void RunController::setPlayInterval(int ms)
{
    m_playTimer->setInterval(ms);
}

} // namespace ml::ui
