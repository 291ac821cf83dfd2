#include "app/document/document.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <utility>

#include "app/document/modelfiles.h"
#include "app/document/moduletreemodel.h"
#include "app/document/forwardtext.h"
#include "engine/io/atomicfile.h"
#include "engine/layer.h"
#include "engine/names.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QUndoStack>

static void initExampleResources()
{
    Q_INIT_RESOURCE(examples);
}

namespace ml::ui {

Document::Document(QObject* parent)
    : QObject(parent)
    , m_root(std::make_unique<ml::CustomModule>("Net"))
    , m_inputShape{1, 1, 28, 28}
    , m_undoStack(new QUndoStack(this))
    , m_treeModel(new ModuleTreeModel(this))
    , m_refreshTimer(new QTimer(this))
{
    initExampleResources();
    static_cast<ml::CustomModule*>(m_root.get())->program().body.push_back(
        returnStatement("x"));
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(0);
    connect(m_refreshTimer, &QTimer::timeout, this, &Document::refreshNow);
    refreshNow();
}

Document::~Document()
{
    // Commands own detached subtrees; delete them before the tree they came from.
    m_undoStack->clear();
}

void Document::setFilePath(const QString& path)
{
    if (path == m_filePath)
        return;
    m_filePath = path;
    emit filePathChanged(path);
}

void Document::reset(std::unique_ptr<ml::Module> root, ml::Shape input, const QString& filePath,
                     std::vector<ml::Diagnostic> loadDiagnostics, ml::ModelFileExtras extras, const QString& extrasSource)
{
    m_extras = std::move(extras);
    m_extras.inputShape.reset(); // m_inputShape is the one input shape
    m_extrasSource = extrasSource;
    m_origin = std::exchange(m_nextOrigin, QString());
    m_undoStack->clear();
    m_treeModel->beginResetDocument();
    m_root = std::move(root);
    m_inputShape = std::move(input);
    m_loadDiagnostics = std::move(loadDiagnostics);
    m_analysis = {};
    m_status.clear();
    m_params.clear();
    m_treeModel->endResetDocument();
    setFilePath(filePath);
    refreshNow();
    emit documentReset();
}

static ml::Shape defaultInput(const std::optional<ml::Shape>& given)
{
    return given ? *given : ml::Shape{1, 1, 28, 28};
}

bool Document::load(const QString& path, QString* error, const ml::ModelLoadOptions& options, bool* needsChoice)
{
    if (needsChoice)
        *needsChoice = false;
    auto source = readModelSource(path);
    if (auto* err = std::get_if<ml::ParseError>(&source)) {
        if (error)
            *error = QString::fromStdString(err->toString());
        return false;
    }
    return loadText(std::get<QByteArray>(source), path, error, options, needsChoice);
}

bool Document::loadText(const QByteArray& text, const QString& path, QString* error, const ml::ModelLoadOptions& options,
                        bool* needsChoice, bool imported)
{
    auto loaded = readModelText(text, path, options);
    if (needsChoice)
        *needsChoice = false;
    if (auto* err = std::get_if<ml::ParseError>(&loaded)) {
        if (error)
            *error = QString::fromStdString(err->toString());
        // An error in the chosen arguments: the engine read them as the call NAME(ARGS).
        if (error && err->file == "--args")
            *error = QStringLiteral("In the arguments %1(%2): %3")
                         .arg(QString::fromStdString(options.className), QString::fromStdString(options.args),
                              QString::fromStdString(err->message));
        if (needsChoice)
            *needsChoice = err->needsChoice;
        return false;
    }
    auto& model = std::get<LoadedModel>(loaded);
    const bool example = path.startsWith(QLatin1Char(':'));
    if (imported)
        m_nextOrigin = QStringLiteral("%1 (imported)").arg(path);
    else
        m_nextOrigin = example ? QStringLiteral("%1 (example)").arg(QFileInfo(path).fileName()) : QString();
    ml::ModelFileExtras extras = ml::extrasOf(model);
    reset(std::move(model.root), defaultInput(model.inputShape), example || imported ? QString() : path,
          std::move(model.diagnostics), std::move(extras), imported ? QString() : path);
    return true;
}

bool Document::importPython(const QString& source, const QString& fileName, QString* error)
{
    return loadText(source.toUtf8(), fileName, error, {}, nullptr, true);
}

QString Document::displayName() const
{
    return m_filePath.isEmpty() ? m_origin : QFileInfo(m_filePath).fileName();
}

// An example's weights live inside the application: a copy beside `path` keeps them with the
// saved model. The copy's path, or empty (no weights); `error` when it cannot be written.
static QString copyShippedWeights(const QString& source, const ml::ModelFileExtras& extras, const QString& path,
                                  QString& error)
{
    const QString weights = source.startsWith(QLatin1Char(':')) ? shippedWeightsFile(source, extras) : QString();
    if (weights.isEmpty())
        return {};
    QFile in(weights);
    if (!in.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("cannot read the example's weights %1: %2").arg(weights, in.errorString());
        return {};
    }
    const QByteArray bytes = in.readAll();
    const QFileInfo target(path);
    const QString name = target.completeBaseName() + QLatin1Char('.') + QFileInfo(weights).suffix();
    const QString copy = target.absoluteDir().filePath(name);
    if (auto err = ml::writeFileAtomically(copy.toStdString(), std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())))) {
        error = QString::fromStdString(*err);
        return {};
    }
    return copy;
}

bool Document::save(const QString& path, QString* error, QString* note)
{
    ml::ModelFileExtras extras = m_extras;
    extras.inputShape = m_inputShape;
    QString copyError;
    const QString weights = copyShippedWeights(m_extrasSource, m_extras, path, copyError);
    if (!copyError.isEmpty()) {
        if (error)
            *error = QStringLiteral("Not saved: %1").arg(copyError);
        return false;
    }
    if (!weights.isEmpty())
        extras.weightsPath = weights.toStdString();
    else if (extras.weightsPath.starts_with(':'))
        extras.weightsPath.clear();
    if (auto err = writeModelFile(*m_root, extras, path)) {
        if (error)
            *error = *err;
        return false;
    }
    if (!weights.isEmpty()) {
        // The saved file names the copy from now on.
        m_extras.weightsPath = extras.weightsPath;
        m_extrasSource = path;
        if (note)
            *note = QStringLiteral("the example's weights were written beside it as %1").arg(QFileInfo(weights).fileName());
    }
    setFilePath(path);
    m_undoStack->setClean();
    return true;
}

ml::Module* Document::moduleAtDotted(const QString& dottedPath) const
{
    return dottedPath.isEmpty() ? m_root.get() : m_root->findPath(dottedPath.toStdString());
}

ml::Module* Document::insertModule(const IndexPath& parent, int index, const std::string& name,
                                   std::unique_ptr<ml::Module> module)
{
    ml::Module* p = moduleAt(parent);
    Q_ASSERT(p && p->isContainer());
    ml::Module* m = m_treeModel->insertModule(p, index, name, std::move(module));
    emit modified();
    scheduleRefresh();
    return m;
}

std::unique_ptr<ml::Module> Document::takeModule(const IndexPath& path)
{
    Q_ASSERT(!path.empty());
    ml::Module* m = moduleAt(path);
    Q_ASSERT(m);
    auto taken = m_treeModel->takeModule(m->parent(), path.back());
    emit modified();
    scheduleRefresh();
    return taken;
}

ml::Module* Document::moveModule(const IndexPath& from, const IndexPath& toParent, int toIndex, const std::string& name)
{
    ml::Module* m = moduleAt(from);
    ml::Module* target = moduleAt(toParent);
    Q_ASSERT(m && target);
    m_treeModel->moveModule(m, target, toIndex, name);
    emit modified();
    scheduleRefresh();
    return m;
}

void Document::renameModule(const IndexPath& path, const std::string& name)
{
    ml::Module* m = moduleAt(path);
    Q_ASSERT(m && m->parent());
    m_treeModel->renameModule(m, name);
    emit modified();
    scheduleRefresh();
}

std::optional<std::string> Document::setLayerArg(const IndexPath& path, const std::string& arg, const ml::ArgValue& value)
{
    auto* layer = dynamic_cast<ml::Layer*>(moduleAt(path));
    if (!layer)
        return "not a layer";
    if (auto err = layer->setArg(arg, value))
        return err;
    m_treeModel->moduleDataChanged(layer);
    emit moduleChanged(layer);
    emit modified();
    scheduleRefresh();
    return std::nullopt;
}

void Document::setInputShape(const ml::Shape& shape)
{
    m_inputShape = shape;
    emit modified();
    scheduleRefresh();
}

void Document::setForward(const IndexPath& path, ml::ForwardProgram program)
{
    auto* custom = dynamic_cast<ml::CustomModule*>(moduleAt(path));
    Q_ASSERT(custom);
    custom->setProgram(std::move(program));
    emit moduleChanged(custom);
    emit modified();
    scheduleRefresh();
}

static bool nameTaken(const ml::Module& parent, const std::string& name, const ml::Module* except)
{
    const ml::Module* other = parent.findChild(name);
    return other && other != except;
}

std::string Document::freeChildName(const ml::Module& parent, const std::string& preferred, const ml::Module& module)
{
    if (parent.namesArePositions())
        return {};
    if (isPythonIdentifier(preferred) && !nameTaken(parent, preferred, &module))
        return preferred;
    std::string base = isPythonIdentifier(preferred) ? preferred : std::string();
    if (base.empty()) {
        for (char c : module.typeName())
            base += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!isPythonIdentifier(base))
            base = "module";
    }
    if (!nameTaken(parent, base, &module))
        return base;
    while (!base.empty() && std::isdigit(static_cast<unsigned char>(base.back())))
        base.pop_back();
    for (int n = 1;; ++n) {
        std::string candidate = base + std::to_string(n);
        if (!nameTaken(parent, candidate, &module))
            return candidate;
    }
}

QString Document::renameProblem(const ml::Module& parent, int index, const QString& name)
{
    if (parent.namesArePositions())
        return QStringLiteral("children of a %1 are named by their position").arg(QString::fromStdString(parent.typeName()));
    const std::string n = name.toStdString();
    if (parent.kind() == ml::ModuleKind::ModuleDict) {
        if (n.empty() || n.find('.') != std::string::npos)
            return QStringLiteral("a ModuleDict key must be a non-empty string without '.'");
    } else if (!isPythonIdentifier(n)) {
        return QStringLiteral("'%1' is not a Python identifier (letters, digits and _, not starting with a digit, "
                              "not a keyword)").arg(name);
    }
    if (nameTaken(parent, n, parent.child(index)))
        return QStringLiteral("'%1' already names another child of this module").arg(name);
    return {};
}

std::vector<ml::Diagnostic> Document::diagnostics() const
{
    std::vector<ml::Diagnostic> all = m_loadDiagnostics;
    all.insert(all.end(), m_analysis.diagnostics.begin(), m_analysis.diagnostics.end());
    return all;
}

const NodeStatus* Document::status(const ml::Module* m) const
{
    auto it = m_status.find(m);
    return it == m_status.end() ? nullptr : &it->second;
}

std::optional<int64_t> Document::params(const ml::Module* m) const
{
    auto it = m_params.find(m);
    return it == m_params.end() ? std::nullopt : std::optional<int64_t>(it->second);
}

void Document::scheduleRefresh()
{
    m_refreshTimer->start();
}

void Document::refreshNow()
{
    m_refreshTimer->stop();
    QElapsedTimer timer;
    timer.start();
    m_analysis = ml::analyze(*m_root, m_inputShape);
    m_totals = ml::summaryTotals(*m_root, m_analysis);
    m_params.clear();
    m_status.clear();
    const std::vector<ml::SummaryRow> rows = ml::summaryRows(*m_root, m_analysis);
    m_nodeCount = static_cast<int>(rows.size());
    for (const ml::SummaryRow& r : rows)
        if (r.registered)
            m_params[r.module] = r.params;
    for (const ml::Diagnostic& d : diagnostics()) {
        const ml::Module* m = moduleAtDotted(QString::fromStdString(d.path));
        if (!m)
            m = m_root.get();
        NodeStatus& s = m_status[m];
        const bool error = d.severity == ml::Severity::Error;
        const bool warning = d.severity == ml::Severity::Warning;
        s.ownErrors += error;
        s.ownWarnings += warning;
        s.messages << QStringLiteral("%1: %2").arg(QString::fromLatin1(ml::severityName(d.severity)),
                                                   QString::fromStdString(d.message));
        for (const ml::Module* a = m->parent(); a; a = a->parent()) {
            NodeStatus& as = m_status[a];
            as.errorInside |= error;
            as.warningInside |= warning;
        }
    }
    m_lastAnalysisMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    emit analysisUpdated();
}

} // namespace ml::ui
