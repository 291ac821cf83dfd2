#include "app/document/runweights.h"

#include "app/document/document.h"
#include "app/document/modelfiles.h"
#include "engine/analysis/analysis.h"
#include "engine/initrecipe.h"
#include "engine/names.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

namespace ml::ui {

RunWeights::RunWeights(Document* document, QObject* parent)
    : QObject(parent)
    , m_document(document)
    , m_source(QStringLiteral("random, seed %1").arg(m_seed))
{
}

void RunWeights::setSource(const QString& source)
{
    m_source = source;
    emit sourceChanged(source);
}

ml::StateDictReport RunWeights::load(const QString& path)
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
        setSource(QFileInfo(path).fileName());
        QStringList notes;
        for (const std::string& n : report.notes)
            if (n.find("num_batches_tracked") == std::string::npos)
                notes << QString::fromStdString(n);
        if (!notes.isEmpty())
            emit message(QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), notes.join(QStringLiteral("; "))));
    }
    return report;
}

std::optional<QString> RunWeights::save(const QString& path)
{
    fillMissing();
    if (auto err = ml::saveStateDict(*m_document->root(), path.toStdString()))
        return QString::fromStdString(*err);
    return std::nullopt;
}

void RunWeights::reinitialise(uint64_t seed)
{
    m_seed = seed;
    ml::initWeights(*m_document->root(), seed);
    setSource(QStringLiteral("random, seed %1").arg(seed));
    sayWhenTheCodesInitialisationLapsed();
}

// A model whose code initialises its weights in its own way (nn.init calls, torch.randn
// parameters) gets them only while its tree is the one the code built: say when an edit ended that.
void RunWeights::sayWhenTheCodesInitialisationLapsed()
{
    if (const auto note = ml::initRecipeNote(*m_document->root()))
        emit message(QStringLiteral("Random weights: ") + QString::fromStdString(*note));
}

void RunWeights::replaced(const QString& source)
{
    setSource(source);
}

void RunWeights::resetToRandom()
{
    setSource(QStringLiteral("random, seed %1").arg(m_seed));
}

bool RunWeights::loadShipped(const QString& modelPath, const ml::ModelFileExtras& extras)
{
    QString missing;
    const QString c = shippedWeightsFile(modelPath, extras, &missing);
    if (!missing.isEmpty())
        emit message(QStringLiteral("%1 names the weights %2, which do not exist: the weights stay random")
                         .arg(QFileInfo(modelPath).fileName(), missing));
    if (c.isEmpty())
        return false;
    const ml::StateDictReport report = load(c);
    if (!report.loaded)
        emit message(QStringLiteral("%1 does not fit this model, the weights stay random: %2")
                         .arg(QFileInfo(c).fileName(),
                              QString::fromStdString(report.error.empty() ? report.message() : report.error)));
    return report.loaded;
}

bool RunWeights::any() const
{
    for (const ml::NamedModule& nm : ml::namedModules(*m_document->root(), true))
        if (nm.module->kind() == ml::ModuleKind::Layer && !nm.module->tensors().empty())
            return true;
    return false;
}

int RunWeights::fillMissing()
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
        sayWhenTheCodesInitialisationLapsed();
        return layers;
    }
    // Layers added or changed since the weights were set: only those get fresh random values.
    for (ml::Module* m : missing)
        ml::initWeights(*m, m_seed);
    const int filled = static_cast<int>(missing.size());
    if (filled > 0 && !m_source.contains(QLatin1String("layers random")))
        setSource(QStringLiteral("%1 + edited layers random").arg(m_source));
    return filled;
}

void RunWeights::adoptDrawn(const ml::Module& snapshot)
{
    const auto from = ml::namedModules(snapshot, true);
    const auto to = ml::namedModules(*m_document->root(), true);
    if (from.size() != to.size())
        return;
    for (size_t i = 0; i < from.size(); ++i)
        const_cast<ml::Module*>(to[i].module)->shareTensors(*from[i].module);
    sayWhenTheCodesInitialisationLapsed();
}

} // namespace ml::ui
