#include "app/train/trainsession.h"

#include "app/document/document.h"
#include "engine/analysis/analysis.h"
#include "engine/io/idx.h"
#include "engine/io/project.h"
#include "engine/train/dataset.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <condition_variable>
#include <mutex>

namespace ml::ui {

namespace {
constexpr int64_t kShownPictures = 8; // test images shown with their reconstructions
// A batch of the pictures training feeds (1 x 28 x 28), to ask the analysis what the model makes
// of them before a run.
const ml::Shape kProbeBatch{2, 1, 28, 28};
}

// What the worker and the window share. The worker touches the model and the run only while
// it is not parked; the window touches them only while it is (or after the thread ended).
struct TrainSession::Shared {
    std::mutex mutex;
    std::condition_variable wake;
    bool pause = false;
    int64_t pauseAfter = 0; // the step the worker pauses itself after; 0: none
    bool stop = false;
    bool parked = false;
    bool wantWeights = false;

    // set up by start(), owned here so that a checkpoint can be saved after the run ended
    std::unique_ptr<ml::Module> model;
    std::unique_ptr<ml::TrainingRun> run;
    ml::TrainingConfig config;
    std::string trainDir, samplesDir, resumeFrom;
    std::vector<double> mean, std; // Normalize(mean, std) after the scaling to [0, 1]; empty: none
    bool fromScratch = true;
    ml::WeightSnapshot initial;

    // results waiting for the window
    std::vector<StepPoint> steps;
    std::vector<EpochPoint> epochs;
    std::optional<ml::Evaluation> confusion;
    std::optional<ml::Reconstructions> pictures;
    int64_t picturesStep = 0;
    std::optional<std::vector<ml::LayerChange>> changes;
    std::optional<std::vector<std::pair<std::string, std::vector<ml::Tensor>>>> weights;
    std::string error;
    std::string note;
    int64_t stepsPerEpoch = 0;
    bool finished = false;

    void publish(bool withWeights); // under the lock
    void work();
    bool loadData(ml::Dataset& train, ml::Dataset& test);
    bool normalise(ml::Dataset& train, ml::Dataset& test); // the project's Normalize, as Run applies it
};

void TrainSession::Shared::publish(bool withWeights)
{
    changes = ml::weightChanges(*model, initial);
    if (!withWeights)
        return;
    // Trained against the input: the first test images and their reconstructions, with the newest weights.
    if (run && config.target == ml::TargetKind::Input && run->hasTest()) {
        std::string err;
        if (const auto shown = run->testOutputs(kShownPictures, err)) {
            pictures = ml::reconstructionPictures(shown->first, shown->second, config.loss.kind, mean, std);
            picturesStep = run->stepCount();
        }
    }
    std::vector<std::pair<std::string, std::vector<ml::Tensor>>> w;
    for (const ml::NamedModule& nm : ml::namedModules(*model, true))
        if (!nm.module->tensors().empty())
            w.emplace_back(nm.path, nm.module->tensors()); // owning copies
    weights = std::move(w);
}

bool TrainSession::Shared::loadData(ml::Dataset& train, ml::Dataset& test)
{
    if (!trainDir.empty()) {
        const ml::IdxSplitFiles t = ml::idxSplitFiles(trainDir, "train");
        auto r = ml::loadIdxDataset(t.images, t.labels);
        if (auto* e = std::get_if<std::string>(&r)) {
            error = *e;
            return false;
        }
        train = std::move(std::get<ml::Dataset>(r));
        if (const ml::IdxSplitFiles v = ml::idxSplitFiles(trainDir, "t10k"); v.found()) {
            auto rv = ml::loadIdxDataset(v.images, v.labels);
            if (auto* e = std::get_if<std::string>(&rv)) {
                error = *e;
                return false;
            }
            test = std::move(std::get<ml::Dataset>(rv));
        }
        return true;
    }
    auto r = ml::loadLabelledPictures(samplesDir, 28, 28);
    if (auto* e = std::get_if<std::string>(&r)) {
        error = *e;
        return false;
    }
    train = std::move(std::get<ml::Dataset>(r));
    test = train; // the only pictures there are: evaluated on what it trains on
    return true;
}

bool TrainSession::Shared::normalise(ml::Dataset& train, ml::Dataset& test)
{
    for (ml::Dataset* d : {&train, &test})
        if (d->count)
            if (auto err = ml::normalizeInput(d->inputs, mean, std)) {
                error = "the project's normalize does not fit the data: " + *err;
                return false;
            }
    return true;
}

void TrainSession::Shared::work()
{
    ml::Dataset train, test;
    if (!loadData(train, test) || !normalise(train, test)) {
        std::lock_guard lock(mutex);
        finished = true;
        return;
    }
    if (fromScratch)
        ml::initWeights(*model, config.seed);
    initial = ml::snapshotWeights(*model);
    run = std::make_unique<ml::TrainingRun>(*model, std::move(train), std::move(test), config);
    {
        std::lock_guard lock(mutex);
        stepsPerEpoch = run->stepsPerEpoch();
    }
    if (!resumeFrom.empty()) {
        auto r = ml::loadCheckpoint(resumeFrom, *model, run->trainer().optimizer());
        if (auto* e = std::get_if<std::string>(&r)) {
            std::lock_guard lock(mutex);
            error = *e;
            finished = true;
            return;
        }
        const auto pos = std::get<ml::CheckpointPosition>(r);
        run->resumeAt(pos.epoch, pos.step);
        std::lock_guard lock(mutex);
        note = "resumed after epoch " + std::to_string(pos.epoch) + " (step " + std::to_string(pos.step) + ")";
        if (run->finished())
            error = "the checkpoint has already trained " + std::to_string(pos.epoch) + " epochs: set Epochs above that to go on";
    }
    for (;;) {
        {
            std::unique_lock lock(mutex);
            if (pause && !stop) {
                publish(true);
                parked = true;
                wake.wait(lock, [this] { return !pause || stop; });
                parked = false;
            }
            if (stop || !error.empty())
                break;
        }
        std::string err;
        const bool stepped = run->step(err);
        std::lock_guard lock(mutex);
        if (!err.empty()) {
            error = err;
            break;
        }
        if (!stepped)
            break;
        steps.push_back({run->stepCount(), run->lastLoss()});
        if (pauseAfter > 0 && run->stepCount() >= pauseAfter) {
            pause = true;
            pauseAfter = 0;
        }
        if (run->epochComplete()) {
            EpochPoint p{static_cast<int>(run->epoch()), run->epochTrainLoss(), run->epochTrainAccuracy(), 0.0, 0.0};
            if (run->hasTest()) {
                std::string evalError;
                confusion = run->evaluateTest(evalError);
                if (!confusion) {
                    error = evalError;
                    break;
                }
                p.testLoss = confusion->loss;
                p.testAccuracy = confusion->accuracy;
            }
            epochs.push_back(p);
            publish(true);
        } else if (wantWeights) {
            wantWeights = false;
            publish(true);
        }
        if (run->finished())
            break;
    }
    std::lock_guard lock(mutex);
    publish(true);
    finished = true;
}

TrainSession::TrainSession(Document* document, QObject* parent)
    : QObject(parent), m_document(document), m_timer(new QTimer(this))
{
    m_timer->setInterval(100);
    connect(m_timer, &QTimer::timeout, this, &TrainSession::poll);
}

TrainSession::TrainSession(RootSource root, QObject* parent)
    : QObject(parent), m_root(std::move(root)), m_timer(new QTimer(this))
{
    m_timer->setInterval(100);
    connect(m_timer, &QTimer::timeout, this, &TrainSession::poll);
}

ml::Module* TrainSession::root() const
{
    return m_document ? m_document->root() : m_root ? m_root() : nullptr;
}

TrainSession::~TrainSession()
{
    if (m_shared) {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop = true;
        m_shared->wake.notify_all();
    }
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
    }
}

bool TrainSession::start(const TrainSettings& settings, int64_t pauseAfter)
{
    if (isActive() || m_thread)
        return false;
    const auto refuse = [this](const QString& why) {
        emit message(why);
        return false;
    };
    ml::Module* model = root();
    if (!model)
        return refuse(QStringLiteral("No model to train"));
    ml::OptimizerOptions opt = ml::defaultOptimizerOptions(settings.optimizer);
    opt.lr = settings.lr;
    if (auto err = ml::validate(opt))
        return refuse(QStringLiteral("PyTorch would fail: ValueError: %1").arg(QString::fromStdString(*err)));
    // The data: an IDX directory, else Debian's Fashion-MNIST, else the shipped samples.
    std::string trainDir, samplesDir;
    const QString idxDir = m_dataDir.isEmpty() ? QString::fromUtf8(ml::kFashionMnistDir.data(), qsizetype(ml::kFashionMnistDir.size()))
                                               : m_dataDir;
    if (ml::idxSplitFiles(idxDir.toStdString(), "train").found()) {
        trainDir = idxDir.toStdString();
        m_dataDescription = m_dataDir.isEmpty() ? QStringLiteral("Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 training "
                                                                 "and 10,000 test images")
                                                : QStringLiteral("IDX files in %1").arg(m_dataDir);
    } else if (!m_dataDir.isEmpty() && QFileInfo::exists(m_dataDir + QStringLiteral("/labels.csv"))) {
        samplesDir = m_dataDir.toStdString();
        m_dataDescription = QStringLiteral("the labelled pictures in %1 (also used as the test set)").arg(m_dataDir);
    } else if (!m_samplesDir.isEmpty()) {
        samplesDir = m_samplesDir.toStdString();
        m_dataDescription = QStringLiteral("Debian's dataset-fashion-mnist is not installed: training on the 30 Fashion-MNIST "
                                           "samples that ship with ModuleLab (also the test set). Install it "
                                           "(apt install dataset-fashion-mnist) for 60,000 training images.");
    } else {
        return refuse(QStringLiteral("No training data: install Debian's dataset-fashion-mnist"));
    }
    // The model must take a batch of 1 x 28 x 28 pictures.
    const ml::Shape batchShape{settings.batch, 1, 28, 28};
    const ml::Analysis an = ml::analyze(*model, batchShape);
    for (const ml::Diagnostic& d : an.diagnostics)
        if (d.severity == ml::Severity::Error)
            return refuse(QStringLiteral("Cannot train on %1 pictures: %2%3")
                              .arg(QString::fromStdString(batchShape.toString()),
                                   d.path.empty() ? QString() : QString::fromStdString(d.path) + QStringLiteral(": "),
                                   QString::fromStdString(d.message)));
    // The loss must fit the target (class labels or the input) and the model's output.
    if (an.outputShape && an.outputs.size() == 1)
        if (auto problem = ml::targetProblem(settings.target, settings.loss, batchShape, *an.outputShape))
            return refuse(QStringLiteral("Cannot train: %1").arg(QString::fromStdString(*problem)));
    if (auto problem = ml::memoryProblem(*model, an))
        return refuse(QString::fromStdString(*problem));
    if (auto problem = ml::emptyParameterListProblem(*model))
        return refuse(QString::fromStdString(*problem));

    m_settings = settings;
    m_shared = std::make_shared<Shared>();
    m_shared->config.optimizer = opt;
    m_shared->config.loss.kind = settings.loss;
    m_shared->config.loss.output = settings.output.toStdString();
    m_shared->config.target = settings.target;
    m_shared->config.batch = settings.batch;
    m_shared->config.epochs = settings.epochs;
    m_shared->config.seed = settings.seed;
    m_shared->trainDir = trainDir;
    m_shared->samplesDir = samplesDir;
    m_shared->resumeFrom = m_resumeFrom.toStdString();
    m_shared->mean = m_mean;
    m_shared->std = m_std;
    m_shared->pauseAfter = pauseAfter;
    // Every layer needs weights: from scratch, or when some layer has none yet.
    bool complete = true;
    for (const ml::NamedModule& nm : ml::namedModules(*model, true))
        if (nm.module->kind() == ml::ModuleKind::Layer && !nm.module->hasTensors())
            complete = false;
    m_shared->fromScratch = settings.fromScratch || !complete;
    m_shared->model = model->clone(); // shares the weights until the worker writes them
    m_steps.clear();
    m_epochs.clear();
    m_confusion.reset();
    m_pictures.reset();
    m_changes.clear();
    m_stepsPerEpoch = 0;
    std::shared_ptr<Shared> shared = m_shared;
    m_thread = QThread::create([shared] { shared->work(); });
    m_thread->start();
    m_timer->start();
    m_lastWeightsRequest = 0;
    setState(State::Running);
    emit message(QStringLiteral("Training on %1%2").arg(m_dataDescription, normalisationNote()));
    return true;
}

bool TrainSession::reconstructionAvailable() const
{
    const ml::Module* model = root();
    return model && ml::outputHasInputShape(*model, kProbeBatch);
}

std::vector<std::pair<QString, QString>> TrainSession::outputChoices(int batch) const
{
    std::vector<std::pair<QString, QString>> out;
    const ml::Module* model = root();
    if (!model)
        return out;
    // Which outputs there are, from the probe batch; their shapes from the batch the user chose.
    const ml::Analysis an = ml::analyze(*model, kProbeBatch);
    if (an.hasErrors() || an.outputs.size() < 2)
        return out;
    ml::Shape input = kProbeBatch;
    input[0] = std::max(batch, 1);
    const ml::Analysis chosen = ml::analyze(*model, input);
    const bool shaped = !chosen.hasErrors() && chosen.outputs.size() == an.outputs.size();
    for (size_t k = 0; k < an.outputs.size(); ++k) {
        const std::string& n = an.outputs[k].name;
        const QString name = QString::fromStdString(n.rfind("output.", 0) == 0 ? n.substr(7) : n);
        out.emplace_back(name, shaped ? name + QStringLiteral(" ") + QString::fromStdString(chosen.outputs[k].shape.toString())
                                      : name);
    }
    return out;
}

void TrainSession::setNormalisation(std::vector<double> mean, std::vector<double> std)
{
    m_mean = std::move(mean);
    m_std = std::move(std);
}

QString TrainSession::normalisationNote() const
{
    if (m_mean.empty())
        return {};
    const auto list = [](const std::vector<double>& v) {
        QStringList out;
        for (double x : v)
            out << QString::number(x);
        return out.join(QStringLiteral(", "));
    };
    return QStringLiteral(", normalised as the project says (mean %1, std %2)").arg(list(m_mean), list(m_std));
}

void TrainSession::pause()
{
    if (m_state != State::Running)
        return;
    std::lock_guard lock(m_shared->mutex);
    m_shared->pause = true;
    setState(State::Paused);
}

void TrainSession::resume()
{
    if (m_state != State::Paused)
        return;
    std::lock_guard lock(m_shared->mutex);
    m_shared->pause = false;
    m_shared->wake.notify_all();
    setState(State::Running);
}

void TrainSession::stop(const QString& why)
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop = true;
        if (!why.isEmpty())
            m_shared->weights.reset(); // the model changed: its layers may no longer match
        m_shared->wake.notify_all();
    }
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    if (!why.isEmpty()) {
        std::lock_guard lock(m_shared->mutex);
        m_shared->weights.reset();
    }
    poll();
    if (!why.isEmpty())
        emit message(why);
}

std::optional<QString> TrainSession::saveCheckpoint(const QString& path)
{
    if (!m_shared || !m_shared->run)
        return QStringLiteral("Nothing trained yet: start training first");
    std::unique_lock lock(m_shared->mutex);
    if (m_thread && !m_shared->parked && !m_shared->finished)
        return QStringLiteral("Pause training before saving a checkpoint");
    const ml::TrainingRun& run = *m_shared->run;
    if (auto err = ml::saveCheckpoint(path.toStdString(), *m_shared->model, m_shared->run->trainer().optimizer(), run.epoch(),
                                      run.stepCount()))
        return QString::fromStdString(*err);
    return std::nullopt;
}

void TrainSession::clearResults()
{
    if (isActive())
        return;
    m_steps.clear();
    m_epochs.clear();
    m_confusion.reset();
    m_pictures.reset();
    m_changes.clear();
    ++m_changesVersion;
    emit changesUpdated();
}

const ml::LayerChange* TrainSession::changeOf(const QString& path) const
{
    const std::string p = path.toStdString();
    for (const ml::LayerChange& c : m_changes)
        if (c.path == p)
            return &c;
    return nullptr;
}

void TrainSession::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

void TrainSession::poll()
{
    if (!m_shared)
        return;
    std::vector<StepPoint> steps;
    std::vector<EpochPoint> epochs;
    bool changed = false, weights = false, finished = false, pausedThere = false;
    QString error, note;
    {
        std::lock_guard lock(m_shared->mutex);
        pausedThere = m_shared->pause;
        m_parked = m_shared->parked;
        steps.swap(m_shared->steps);
        epochs.swap(m_shared->epochs);
        m_stepsPerEpoch = m_shared->stepsPerEpoch;
        if (m_shared->confusion)
            m_confusion = std::move(m_shared->confusion), m_shared->confusion.reset();
        if (m_shared->pictures) {
            m_pictures = std::move(m_shared->pictures), m_shared->pictures.reset();
            m_picturesStep = m_shared->picturesStep;
        }
        if (m_shared->changes) {
            m_changes = std::move(*m_shared->changes);
            m_shared->changes.reset();
            changed = true;
        }
        if (m_shared->weights) {
            applyWeights();
            weights = true;
        }
        error = QString::fromStdString(m_shared->error);
        m_shared->error.clear();
        note = QString::fromStdString(m_shared->note);
        m_shared->note.clear();
        finished = m_shared->finished;
        // Activations and predictions follow the weights about every two seconds.
        if (!finished && m_state == State::Running && ++m_lastWeightsRequest >= 20) {
            m_lastWeightsRequest = 0;
            m_shared->wantWeights = true;
        }
    }
    if (!note.isEmpty())
        emit message(QStringLiteral("Training %1").arg(note));
    if (pausedThere && m_state == State::Running) // at the step start() was told to pause after
        setState(State::Paused);
    if (!steps.empty()) {
        m_steps.insert(m_steps.end(), steps.begin(), steps.end());
        emit stepsAdded();
    }
    for (const EpochPoint& p : epochs) {
        m_epochs.push_back(p);
        emit epochFinished(p);
    }
    if (changed) {
        ++m_changesVersion;
        emit changesUpdated();
    }
    if (weights)
        emit weightsUpdated();
    if (!error.isEmpty())
        emit message(QStringLiteral("Training stopped: %1").arg(error));
    if (finished && m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    if (!m_thread) {
        m_timer->stop();
        if (isActive()) {
            setState(State::Finished);
            if (error.isEmpty() && !m_epochs.empty() && m_shared->run && m_shared->run->finished()) {
                const EpochPoint& last = m_epochs.back();
                const QString epochs = QStringLiteral("%1 %2").arg(last.epoch).arg(last.epoch == 1 ? QStringLiteral("epoch")
                                                                                                     : QStringLiteral("epochs"));
                if (m_settings.target == ml::TargetKind::Input)
                    emit message(QStringLiteral("Training finished: %1, test loss %2").arg(epochs).arg(last.testLoss, 0, 'g', 4));
                else
                    emit message(QStringLiteral("Training finished: %1, test accuracy %2%").arg(epochs).arg(last.testAccuracy * 100.0, 0, 'f', 2));
            }
        }
    }
}

// Under the shared lock: the newest weights into the document's layers (not an edit: weights
// are data, as RunController keeps them).
void TrainSession::applyWeights()
{
    auto& w = *m_shared->weights;
    for (auto& [path, tensors] : w) {
        ml::Module* m = root() ? root()->findPath(path) : nullptr;
        if (!m || m->tensorSpecs().size() != tensors.size())
            continue;
        bool fits = true;
        for (size_t i = 0; i < tensors.size(); ++i)
            fits = fits && tensors[i].shape() == m->tensorSpecs()[i].shape;
        if (fits)
            m->tensors() = std::move(tensors);
    }
    m_shared->weights.reset();
}

bool TrainSession::waitUntil(const std::function<bool()>& condition, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!condition()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

} // namespace ml::ui
