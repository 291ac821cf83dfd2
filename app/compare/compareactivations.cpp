#include "app/compare/compareactivations.h"

#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/document/samplelistmodel.h"
#include "app/run/featuremapgrid.h"
#include "app/run/samplespanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace ml::ui {

namespace {

QString sideName(int side) { return side == 0 ? QStringLiteral("A") : QStringLiteral("B"); }

QString shown(const std::string& path) { return path.empty() ? QStringLiteral("(root)") : QString::fromStdString(path); }

void setStatus(QLabel* label, const QString& text, bool error)
{
    label->setStyleSheet(error ? QStringLiteral("color:#b3261e") : QString());
    label->setText(text);
}

} // namespace

CompareActivations::CompareActivations(QWidget* parent)
    : QWidget(parent)
    , m_sampleModel(new SampleListModel(this))
    , m_samples(new QComboBox(this))
    , m_layers(new QComboBox(this))
    , m_difference(new QLabel(this))
    , m_run(new QPushButton(QStringLiteral("Run"), this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    const QString dir = shippedSamplesDirectory();
    if (!dir.isEmpty())
        m_sampleModel->setShippedDirectory(dir);
    m_samples->setObjectName(QStringLiteral("compareSample"));
    m_samples->setModel(m_sampleModel);
    m_samples->setMaxVisibleItems(12);
    m_layers->setObjectName(QStringLiteral("compareLayer"));
    m_layers->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_run->setObjectName(QStringLiteral("compareRun"));
    m_run->setToolTip(QStringLiteral("Run A and B on the same sample"));
    bar->addWidget(new QLabel(QStringLiteral("Sample:"), this));
    bar->addWidget(m_samples);
    bar->addWidget(m_run);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(QStringLiteral("Layer:"), this));
    bar->addWidget(m_layers, 1);
    layout->addLayout(bar);
    m_difference->setObjectName(QStringLiteral("compareDifference"));
    m_difference->setWordWrap(true);
    m_difference->hide();
    layout->addWidget(m_difference);
    auto* sides = new QHBoxLayout;
    sides->addWidget(buildSide(0), 1);
    sides->addWidget(buildSide(1), 1);
    layout->addLayout(sides, 1);

    connect(m_run, &QPushButton::clicked, this, &CompareActivations::run);
    connect(m_layers, &QComboBox::activated, this, [this](int index) {
        showRow(index);
        emit rowChosen(index);
    });
    fillLayers();
}

CompareActivations::~CompareActivations() = default; // the controllers wait for their workers

QWidget* CompareActivations::buildSide(int side)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    auto* panel = new QWidget(this);
    auto* pl = new QVBoxLayout(panel);
    pl->setContentsMargins(0, 0, 0, 0);
    auto* head = new QHBoxLayout;
    s.weights = new QLabel(panel);
    s.weights->setObjectName(QStringLiteral("weights") + sideName(side));
    auto* load = new QPushButton(QStringLiteral("Load weights %1…").arg(sideName(side)), panel);
    connect(load, &QPushButton::clicked, this, [this, side] { chooseWeights(side); });
    head->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(sideName(side)), panel));
    head->addWidget(s.weights, 1);
    head->addWidget(load);
    pl->addLayout(head);
    s.status = new QLabel(panel);
    s.status->setWordWrap(true);
    s.caption = new QLabel(panel);
    s.caption->setTextFormat(Qt::RichText);
    s.grid = new FeatureMapGrid(panel);
    s.grid->setObjectName(QStringLiteral("grid") + sideName(side));
    pl->addWidget(s.status);
    pl->addWidget(s.caption);
    pl->addWidget(s.grid, 1);

    s.document = new Document(this);
    s.controller = new RunController(s.document, this);
    s.controller->setAutoRun(false);
    connect(s.controller, &RunController::weightsChanged, this, [this, side](const QString& source) {
        Side& si = m_sides[static_cast<size_t>(side)];
        si.weights->setText(QStringLiteral("weights: %1").arg(source));
        if (si.controller->result())
            setStatus(si.status, QStringLiteral("Weights changed: run again"), false);
    });
    connect(s.controller, &RunController::message, this,
            [this, side](const QString& text) { setStatus(m_sides[static_cast<size_t>(side)].status, text, true); });
    connect(s.controller, &RunController::runStarted, this,
            [this, side] { setStatus(m_sides[static_cast<size_t>(side)].status, QStringLiteral("Running…"), false); });
    connect(s.controller, &RunController::runFinished, this, [this, side] {
        showRunStatus(side);
        showSide(side);
        showDifference();
        m_run->setEnabled(!isRunning());
    });
    return panel;
}

void CompareActivations::showRunStatus(int side)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    const ForwardRecording* r = s.controller->result();
    if (r && !r->errors.empty()) {
        setStatus(s.status, QStringLiteral("✖ Forward stopped: %1").arg(r->errorText()), true);
        return;
    }
    if (!r || r->outputs.empty() || !s.controller->resultInput())
        return;
    QStringList outputs; // every tensor forward returned, named when there are several
    for (const ml::OutputTensor& o : r->outputs)
        outputs << (r->output ? QString() : QString::fromStdString(o.name) + QLatin1Char(' '))
                       + QString::fromStdString(o.tensor.shape().toString());
    setStatus(s.status, QStringLiteral("✔ %1 → %2 %3")
                            .arg(s.controller->resultInput()->name, r->output ? QStringLiteral("output") : QStringLiteral("outputs"),
                                 outputs.join(QStringLiteral(", "))), false);
}

void CompareActivations::setModel(int side, const ml::Module* root, const ml::Shape& input, const QString& path,
                                  const ml::ModelFileExtras& extras)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    s.source = root;
    s.input = input;
    s.path = path;
    s.extras = extras;
    s.pending = true;
    s.controller->cancel();
    s.status->clear();
    s.weights->setText(root ? QStringLiteral("weights: the project's, or default init (seed 0)") : QString());
    if (isVisible())
        apply(side);
}

void CompareActivations::apply(int side)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    if (!s.pending)
        return;
    s.pending = false;
    s.shown = nullptr;
    s.shownTensor = nullptr;
    if (!s.source)
        return;
    s.document->reset(s.source->clone(), s.input, s.path, {}, s.extras, s.path);
    s.controller->modelOpened();
    showSide(side);
}

void CompareActivations::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    apply(0);
    apply(1);
}

void CompareActivations::setComparison(const ml::ModelComparison* comparison)
{
    m_comparison = comparison;
    m_row = -1;
    fillLayers();
    showSide(0);
    showSide(1);
    showDifference();
}

void CompareActivations::fillLayers()
{
    const QSignalBlocker block(m_layers);
    m_layers->clear();
    if (!m_comparison) {
        m_layers->addItem(QStringLiteral("(choose two models)"));
        return;
    }
    for (size_t k = 0; k < m_comparison->rows.size(); ++k) {
        const ml::AlignedRow& r = m_comparison->rows[k];
        const QString a = r.a ? shown(r.a->path) + QStringLiteral(" ") + QString::fromStdString(r.a->type) : QStringLiteral("—");
        const QString b = r.b ? shown(r.b->path) + QStringLiteral(" ") + QString::fromStdString(r.b->type) : QStringLiteral("—");
        m_layers->addItem(QStringLiteral("%1: %2  ↔  %3").arg(k + 1).arg(a, b));
    }
    for (const ml::OutputPair& p : m_comparison->outputs) {
        const auto name = [](const std::optional<ml::OutputShape>& o) {
            return o ? QString::fromStdString(o->name + " " + o->shape.toString()) : QStringLiteral("—");
        };
        m_layers->addItem(QStringLiteral("Output: %1  ↔  %2").arg(name(p.a), name(p.b)));
    }
    m_layers->setCurrentIndex(m_row);
}

int CompareActivations::outputRow(size_t output) const
{
    return m_comparison ? static_cast<int>(m_comparison->rows.size() + output) : -1;
}

void CompareActivations::showRow(int row)
{
    m_row = row;
    if (m_layers->currentIndex() != row) {
        const QSignalBlocker block(m_layers);
        m_layers->setCurrentIndex(row);
    }
    showSide(0);
    showSide(1);
    showDifference();
}

const ForwardCall* CompareActivations::shownCall(int side) const { return m_sides[static_cast<size_t>(side)].shown; }

const ml::Tensor* CompareActivations::shownTensor(int side) const { return m_sides[static_cast<size_t>(side)].shownTensor; }

void CompareActivations::showDifference()
{
    const ml::Tensor* a = m_sides[0].shownTensor;
    const ml::Tensor* b = m_sides[1].shownTensor;
    if (!a || !b) {
        m_difference->hide();
        return;
    }
    const std::optional<ml::TensorDifference> d = ml::tensorDifference(*a, *b);
    if (!d)
        m_difference->setText(QStringLiteral("A %1 and B %2: different shapes, no value-by-value difference")
                                  .arg(QString::fromStdString(a->shape().toString()), QString::fromStdString(b->shape().toString())));
    else if (d->unequal == 0)
        m_difference->setText(QStringLiteral("A and B equal in all %1 values").arg(QLocale().toString(static_cast<qlonglong>(d->count))));
    else
        m_difference->setText(QStringLiteral("A − B: %1 of %2 values differ, largest |A − B| %3, mean |A − B| %4")
                                  .arg(QLocale().toString(static_cast<qlonglong>(d->unequal)),
                                       QLocale().toString(static_cast<qlonglong>(d->count)), QString::number(d->maxAbs, 'g', 4),
                                       QString::number(d->meanAbs, 'g', 4)));
    m_difference->show();
}

void CompareActivations::showOutput(int side, const ml::OutputPair& pair)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    const std::optional<ml::OutputShape>& mine = side == 0 ? pair.a : pair.b;
    if (!mine) {
        s.caption->setText(QStringLiteral("<i>%1 returns no such output</i>").arg(sideName(side)));
        return;
    }
    const QString title = QStringLiteral("<b>%1</b> · the model's output").arg(QString::fromStdString(mine->name).toHtmlEscaped());
    const ForwardRecording* rec = s.controller->result();
    if (!rec || s.pending) {
        s.caption->setText(title + QStringLiteral(" — press Run to see it"));
        return;
    }
    for (const ml::OutputTensor& o : rec->outputs)
        if (o.name == mine->name)
            s.shownTensor = &o.tensor;
    if (!s.shownTensor) {
        s.caption->setText(title + QStringLiteral(" — not returned by this run"));
        return;
    }
    s.grid->setTensor(*s.shownTensor);
    s.caption->setText(title + QStringLiteral(" %1").arg(QString::fromStdString(s.shownTensor->shape().toString())));
}

void CompareActivations::showSide(int side)
{
    Side& s = m_sides[static_cast<size_t>(side)];
    s.shown = nullptr;
    s.shownTensor = nullptr;
    s.grid->clear();
    const int layerRows = m_comparison ? static_cast<int>(m_comparison->rows.size()) : 0;
    if (m_comparison && m_row >= layerRows && m_row < layerRows + static_cast<int>(m_comparison->outputs.size())) {
        showOutput(side, m_comparison->outputs[static_cast<size_t>(m_row - layerRows)]);
        return;
    }
    if (!m_comparison || m_row < 0 || m_row >= layerRows) {
        s.caption->setText(QStringLiteral("Select an aligned layer or an output"));
        return;
    }
    auto callOf = [&](int k) -> const std::optional<ml::LayerCall>& {
        const ml::AlignedRow& r = m_comparison->rows[static_cast<size_t>(k)];
        return side == 0 ? r.a : r.b;
    };
    const std::optional<ml::LayerCall>& call = callOf(m_row);
    if (!call) {
        s.caption->setText(QStringLiteral("<i>no such layer in %1</i>").arg(sideName(side)));
        return;
    }
    const QString title = QStringLiteral("<b>%1</b> · %2").arg(shown(call->path).toHtmlEscaped(),
                                                               QString::fromStdString(call->type));
    const ForwardRecording* rec = s.controller->result();
    if (!rec || s.pending) {
        s.caption->setText(title + QStringLiteral(" — press Run to see its output"));
        return;
    }
    // A layer called several times: the same call as the row (the n-th call of this path).
    int occurrence = 0;
    for (int k = 0; k < m_row; ++k)
        if (callOf(k) && callOf(k)->path == call->path)
            ++occurrence;
    const QString path = QString::fromStdString(call->path);
    for (const ForwardCall& c : rec->calls)
        if (c.path == path && occurrence-- == 0) {
            s.shown = &c;
            break;
        }
    if (!s.shown) {
        s.caption->setText(title + QStringLiteral(" — not reached by this run"));
        return;
    }
    s.shownTensor = &s.shown->output;
    s.grid->setTensor(s.shown->output);
    s.caption->setText(title + QStringLiteral(" · output %1").arg(QString::fromStdString(s.shown->output.shape().toString())));
}

bool CompareActivations::loadWeights(int side, const QString& path, QString* error)
{
    apply(side);
    Side& s = m_sides[static_cast<size_t>(side)];
    if (!s.source) {
        if (error)
            *error = QStringLiteral("No model on side %1").arg(sideName(side));
        return false;
    }
    const ml::StateDictReport report = s.controller->loadWeights(path);
    if (!report.loaded && error)
        *error = QString::fromStdString(report.error.empty() ? report.message() : report.error);
    return report.loaded;
}

void CompareActivations::chooseWeights(int side)
{
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Load weights %1").arg(sideName(side)), QString(),
                                                      QStringLiteral("Weights (*.safetensors *.pt *.pth *.bin *.ckpt);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !loadWeights(side, path, &error))
        QMessageBox::warning(this, QStringLiteral("Load weights"), error);
}

void CompareActivations::run()
{
    QString error;
    const int index = m_samples->currentIndex();
    const auto image = index >= 0 ? m_sampleModel->image(index, &error) : std::nullopt;
    for (int side = 0; side < 2; ++side) {
        apply(side);
        Side& s = m_sides[static_cast<size_t>(side)];
        if (!s.source)
            continue;
        if (!image) {
            setStatus(s.status, error.isEmpty() ? QStringLiteral("No sample to run on") : error, true);
            continue;
        }
        s.controller->setImage(*image, m_sampleModel->name(index), m_sampleModel->label(index));
        s.controller->run();
    }
    m_run->setEnabled(!isRunning());
}

bool CompareActivations::isRunning() const
{
    return m_sides[0].controller->isRunning() || m_sides[1].controller->isRunning();
}

bool CompareActivations::waitForFinished(int timeoutMs)
{
    return m_sides[0].controller->waitForFinished(timeoutMs) && m_sides[1].controller->waitForFinished(timeoutMs);
}

} // namespace ml::ui
