#include "app/run/runpanel.h"

#include "app/document/document.h"
#include "app/document/runcontroller.h"
#include "app/document/runinput.h"
#include "app/document/tensorimage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ml::ui {

RunPanel::RunPanel(RunController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_weights(new QLabel(this))
    , m_seed(new QSpinBox(this))
    , m_run(new QPushButton(QStringLiteral("Run"), this))
    , m_cancel(new QPushButton(QStringLiteral("Cancel"), this))
    , m_auto(new QCheckBox(QStringLiteral("Run on new input or weights"), this))
    , m_progress(new QProgressBar(this))
    , m_stale(new QLabel(QStringLiteral("Results are stale: the model was edited. Run again."), this))
    , m_status(new QLabel(this))
    , m_outputLabel(new QLabel(QStringLiteral("Output:"), this))
    , m_outputChoice(new QComboBox(this))
    , m_step(new QPushButton(QStringLiteral("Step"), this))
    , m_play(new QPushButton(QStringLiteral("Play"), this))
    , m_reset(new QPushButton(QStringLiteral("Reset"), this))
    , m_stepText(new QLabel(this))
    , m_stepIn(new QLabel(this))
    , m_stepOut(new QLabel(this))
    , m_inputBox(new QGroupBox(QStringLiteral("Input"), this))
    , m_inputShape(new QLabel(m_inputBox))
    , m_randomChoice(new QRadioButton(QStringLiteral("Random values in [0, 1)"), m_inputBox))
    , m_typedChoice(new QRadioButton(QStringLiteral("Typed values:"), m_inputBox))
    , m_typedValues(new QLineEdit(m_inputBox))
    , m_inputError(new QLabel(m_inputBox))
{
    setAcceptDrops(true);
    // Weights.
    auto* weights = new QGroupBox(QStringLiteral("Weights"), this);
    m_weights->setWordWrap(true);
    m_weights->setToolTip(QStringLiteral("Weights are data, not structure: loading or re-initialising them is not an "
                                         "edit of the model and is not on the undo stack"));
    auto* load = new QPushButton(QStringLiteral("Load…"), weights);
    auto* save = new QPushButton(QStringLiteral("Save…"), weights);
    auto* reinit = new QPushButton(QStringLiteral("Re-initialise"), weights);
    reinit->setToolTip(QStringLiteral("PyTorch's default initialisation after torch.manual_seed(seed)"));
    m_seed->setRange(0, 2147483647);
    m_seed->setPrefix(QStringLiteral("seed "));
    // Room for a usual seed: the panel fits a narrow column (larger seeds scroll in the field).
    m_seed->setMinimumWidth(m_seed->fontMetrics().horizontalAdvance(QStringLiteral("seed 0000000")) + 30);
    auto* wl = new QGridLayout(weights);
    wl->addWidget(m_weights, 0, 0, 1, 3);
    wl->addWidget(load, 1, 0);
    wl->addWidget(save, 1, 1);
    wl->addWidget(m_seed, 2, 0);
    wl->addWidget(reinit, 2, 1);

    // Run.
    auto* run = new QGroupBox(QStringLiteral("Forward pass"), this);
    m_run->setDefault(true);
    m_auto->setChecked(controller->autoRun());
    m_auto->setToolTip(QStringLiteral("Run again when the picture, the typed input or the weights change; an edit of the "
                                      "model marks the results stale until Run"));
    m_progress->setFormat(QStringLiteral("%v / %m module calls"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_stale->setWordWrap(true);
    m_stale->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #7a5600; border: 1px solid #e0b84c; padding: 3px; }"));
    m_stale->setVisible(false);
    m_status->setWordWrap(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    auto* rl = new QVBoxLayout(run);
    rl->addLayout(buttons);
    rl->addWidget(m_progress);
    rl->addWidget(m_auto);
    rl->addWidget(m_stale);
    rl->addWidget(m_status);
    // forward returns several tensors (a tuple): each by the name run --output gives it
    m_outputChoice->setObjectName(QStringLiteral("outputChoice"));
    m_outputChoice->setToolTip(QStringLiteral("forward() returns several tensors: the one Predictions and the model's "
                                              "Activations show"));
    m_outputChoice->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_outputChoice->setMinimumContentsLength(12);
    auto* outputs = new QHBoxLayout;
    outputs->addWidget(m_outputLabel);
    outputs->addWidget(m_outputChoice, 1);
    rl->addLayout(outputs);
    m_outputLabel->hide();
    m_outputChoice->hide();
    connect(m_outputChoice, &QComboBox::currentIndexChanged, this, [this](int index) { m_controller->setOutputIndex(index); });
    connect(m_controller, &RunController::runFinished, this, &RunPanel::updateOutputChoice);

    // The input of a model that does not take pictures.
    m_inputShape->setWordWrap(true);
    m_randomChoice->setToolTip(QStringLiteral("Drawn by PyTorch's generator after torch.manual_seed(seed), the weights' seed"));
    m_randomChoice->setChecked(true);
    m_typedValues->setPlaceholderText(QStringLiteral("0.5, -1, 2, … or one value for all"));
    m_typedValues->setToolTip(QStringLiteral("Numbers separated by commas or spaces, brackets allowed ([[1, 2], [3, 4]]), "
                                             "in the input's order; one number fills the whole input"));
    m_inputError->setWordWrap(true);
    m_inputError->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_inputError->hide();
    auto* il = new QVBoxLayout(m_inputBox);
    il->addWidget(m_inputShape);
    il->addWidget(m_randomChoice);
    il->addWidget(m_typedChoice);
    il->addWidget(m_typedValues);
    il->addWidget(m_inputError);

    // Step-through.
    auto* steps = new QGroupBox(QStringLiteral("Step through forward()"), this);
    m_stepText->setWordWrap(true);
    m_stepText->setTextFormat(Qt::RichText);
    for (QLabel* l : {m_stepIn, m_stepOut}) {
        l->setFixedSize(64, 64);
        l->setAlignment(Qt::AlignCenter);
        l->setFrameShape(QFrame::StyledPanel);
    }
    auto* sb = new QHBoxLayout;
    sb->addWidget(m_step);
    sb->addWidget(m_play);
    sb->addWidget(m_reset);
    auto* previews = new QHBoxLayout;
    previews->addWidget(new QLabel(QStringLiteral("in"), steps));
    previews->addWidget(m_stepIn);
    previews->addWidget(new QLabel(QStringLiteral("→ out"), steps));
    previews->addWidget(m_stepOut);
    previews->addStretch();
    auto* sl = new QVBoxLayout(steps);
    sl->addLayout(sb);
    sl->addWidget(m_stepText);
    sl->addLayout(previews);

    // Buttons as narrow as their labels (styles ask 80 pixels of each): the panel fits the
    // left column at 1280 pixels.
    for (QPushButton* b : findChildren<QPushButton*>())
        b->setMinimumWidth(b->fontMetrics().horizontalAdvance(b->text()) + 24);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_inputBox);
    layout->addWidget(weights);
    layout->addWidget(run);
    layout->addWidget(steps);
    layout->addStretch();

    connect(load, &QPushButton::clicked, this, &RunPanel::loadWeights);
    connect(save, &QPushButton::clicked, this, &RunPanel::saveWeights);
    connect(reinit, &QPushButton::clicked, this, [this] { m_controller->reinitialise(static_cast<uint64_t>(m_seed->value())); });
    connect(m_run, &QPushButton::clicked, m_controller, &RunController::run);
    connect(m_cancel, &QPushButton::clicked, m_controller, &RunController::cancel);
    connect(m_auto, &QCheckBox::toggled, m_controller, &RunController::setAutoRun);
    connect(m_step, &QPushButton::clicked, m_controller, &RunController::step);
    connect(m_play, &QPushButton::clicked, this, [this] {
        if (m_controller->isPlaying())
            m_controller->pause();
        else
            m_controller->play();
        updateStep();
    });
    connect(m_reset, &QPushButton::clicked, m_controller, &RunController::resetSteps);

    connect(m_controller, &RunController::weightsChanged, this, [this](const QString& s) {
        m_weights->setText(QStringLiteral("From: <b>%1</b>").arg(s.toHtmlEscaped()));
    });
    connect(m_controller, &RunController::runStarted, this, &RunPanel::updateRunState);
    connect(m_controller, &RunController::runFinished, this, &RunPanel::updateRunState);
    connect(m_controller, &RunController::staleChanged, this, &RunPanel::updateRunState);
    connect(m_controller, &RunController::progressChanged, this, [this](int done, int total) {
        m_progress->setRange(0, std::max({1, total, done}));
        m_progress->setValue(done);
        m_progress->setFormat(total > 0 ? QStringLiteral("%v / %m module calls") : QStringLiteral("not run yet"));
    });
    connect(m_controller, &RunController::message, m_status, &QLabel::setText);
    connect(m_controller, &RunController::stepChanged, this, &RunPanel::updateStep);
    connect(m_controller, &RunController::outputChosen, this, &RunPanel::updateStep);
    m_weights->setText(QStringLiteral("From: <b>%1</b>").arg(m_controller->weightsSource().toHtmlEscaped()));
    connect(m_randomChoice, &QRadioButton::toggled, this, &RunPanel::applyTypedValues);
    connect(m_typedValues, &QLineEdit::editingFinished, this, [this] {
        if (!m_typedChoice->isChecked())
            m_typedChoice->setChecked(true); // applies through toggled
        else
            applyTypedValues();
    });
    connect(m_controller->document(), &Document::analysisUpdated, this, &RunPanel::updateInputBox);
    connect(m_controller->document(), &Document::documentReset, this, [this] {
        m_randomChoice->setChecked(true);
        m_typedValues->clear();
        m_inputError->hide();
        updateInputBox();
    });
    updateInputBox();
    updateRunState();
    updateStep();
}

// Shown only while the model's input is not a picture (pictures come from the samples).
void RunPanel::updateInputBox()
{
    const ml::Shape& shape = m_controller->document()->inputShape();
    const bool picture = InputSpec::isPictureShape(shape);
    m_inputBox->setVisible(!picture);
    if (!picture)
        m_inputShape->setText(QStringLiteral("The model takes %1, not a picture: run it on").arg(QString::fromStdString(shape.toString())));
}

QString RunPanel::inputError() const
{
    return m_inputError->isHidden() ? QString() : m_inputError->text();
}

void RunPanel::applyTypedValues()
{
    m_inputError->hide();
    if (!m_typedChoice->isChecked()) {
        m_controller->setTypedInput({});
        return;
    }
    const ml::Shape& shape = m_controller->document()->inputShape();
    const int64_t n = shape.numel().value_or(-1);
    std::vector<float> values;
    const QStringList parts = m_typedValues->text().split(QRegularExpression(QStringLiteral("[\\s,\\[\\]()]+")), Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        bool ok = false;
        const double v = part.toDouble(&ok);
        if (!ok || !std::isfinite(v) || std::abs(v) > std::numeric_limits<float>::max()) {
            m_inputError->setText(QStringLiteral("'%1' is not a number").arg(part));
            m_inputError->show();
            return;
        }
        values.push_back(static_cast<float>(v));
    }
    if (values.size() == 1 && n > 1 && n <= (int64_t{1} << 26))
        values.assign(static_cast<size_t>(n), values.front());
    if (static_cast<int64_t>(values.size()) != n) {
        m_inputError->setText(QStringLiteral("%1 values typed; the input %2 takes %3 (or one for all)")
                                  .arg(values.size())
                                  .arg(QString::fromStdString(shape.toString()))
                                  .arg(n));
        m_inputError->show();
        return;
    }
    m_controller->setTypedInput(std::move(values));
}

void RunPanel::updateRunState()
{
    const bool running = m_controller->isRunning();
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_stale->setVisible(m_controller->isStale());
    if (m_controller->isStale())
        m_stale->setText(QStringLiteral("Results are stale: %1. Run again.").arg(m_controller->staleReason()));
    if (running)
        m_status->setText(QStringLiteral("Running in the background…"));
    else if (const ForwardRecording* r = m_controller->result(); r && !r->cancelled && r->errors.empty()
             && m_status->text().startsWith(QStringLiteral("Running")))
        m_status->setText(QStringLiteral("%1 module calls recorded").arg(r->calls.size()));
    updateStep();
}

void RunPanel::updateOutputChoice()
{
    const ForwardRecording* r = m_controller->result();
    const bool several = r && r->outputs.size() > 1;
    const QSignalBlocker block(m_outputChoice);
    m_outputChoice->clear();
    if (several)
        for (const ml::OutputTensor& o : r->outputs)
            m_outputChoice->addItem(QStringLiteral("%1  %2").arg(QString::fromStdString(o.name), QString::fromStdString(o.tensor.shape().toString())));
    m_outputChoice->setCurrentIndex(several ? m_controller->outputIndex() : -1);
    m_outputLabel->setVisible(several);
    m_outputChoice->setVisible(several);
}

static QPixmap preview(const ml::Tensor& t, const QSize& size)
{
    return QPixmap::fromImage(activationThumbnail(t, 60).scaled(size, Qt::KeepAspectRatio));
}

void RunPanel::updateStep()
{
    m_play->setText(m_controller->isPlaying() ? QStringLiteral("Pause") : QStringLiteral("Play"));
    const int n = m_controller->stepCount();
    m_reset->setEnabled(m_controller->stepIndex() >= 0);
    const ForwardCall* call = m_controller->currentStep();
    if (!call) {
        m_stepText->setText(n > 0 ? QStringLiteral("%1 module calls recorded. Step shows them one by one, in the order "
                                                   "forward() makes them.").arg(n)
                                  : QStringLiteral("Step runs the model and shows its module calls one by one."));
        m_stepIn->clear();
        m_stepOut->clear();
        return;
    }
    // The model's call when forward returns several tensors: all of them, the one the Output
    // choice picks in the preview.
    QString out = QString::fromStdString(call->output.shape().toString());
    const ml::Tensor* shown = &call->output;
    if (!call->outputs.empty()) {
        const int chosen = std::clamp(m_controller->outputIndex(), 0, static_cast<int>(call->outputs.size()) - 1);
        QStringList all;
        for (size_t k = 0; k < call->outputs.size(); ++k) {
            const QString one = QStringLiteral("%1 %2").arg(QString::fromStdString(call->outputs[k].name),
                                                             QString::fromStdString(call->outputs[k].tensor.shape().toString()));
            all << (static_cast<int>(k) == chosen ? QStringLiteral("<u>%1</u>").arg(one.toHtmlEscaped()) : one.toHtmlEscaped());
        }
        out = all.join(QStringLiteral(", ")) + QStringLiteral("<br>(shown: the Output choice, %1)")
                                                   .arg(QString::fromStdString(call->outputs[static_cast<size_t>(chosen)].name));
        shown = &call->outputs[static_cast<size_t>(chosen)].tensor;
    } else {
        out = out.toHtmlEscaped();
    }
    m_stepText->setText(QStringLiteral("Call <b>%1</b> of %2: <b>%3</b> (%4)<br>in %5 → out %6")
                            .arg(m_controller->stepIndex() + 1)
                            .arg(n)
                            .arg((call->path.isEmpty() ? QStringLiteral("model") : call->path).toHtmlEscaped(),
                                 call->typeName.toHtmlEscaped(), QString::fromStdString(call->input.shape().toString()), out));
    m_stepIn->setPixmap(preview(call->input, m_stepIn->size() - QSize(4, 4)));
    m_stepOut->setPixmap(preview(*shown, m_stepOut->size() - QSize(4, 4)));
}

bool RunPanel::loadWeightsFile(const QString& path)
{
    const ml::StateDictReport report = m_controller->loadWeights(path);
    if (report.loaded)
        return true;
    const QString text = QString::fromStdString(report.error.empty() ? report.message() : report.error);
    m_status->setText(QStringLiteral("%1 was not loaded; the weights are unchanged.").arg(QFileInfo(path).fileName()));
    if (!m_quiet) {
        // A file that cannot be read is not said to be another model's.
        const QString what = report.error.empty() ? QStringLiteral("%1 does not fit this model.")
                                                  : QStringLiteral("%1 cannot be read as weights.");
        QMessageBox box(QMessageBox::Warning, QStringLiteral("Weights not loaded"),
                        what.arg(QFileInfo(path).fileName()) + QStringLiteral(" Nothing was loaded: the weights are unchanged."),
                        QMessageBox::Ok, this);
        QStringList details;
        for (const std::string& k : report.missing)
            details << QStringLiteral("missing: %1").arg(QString::fromStdString(k));
        for (const std::string& k : report.unexpected)
            details << QStringLiteral("unexpected: %1").arg(QString::fromStdString(k));
        for (const std::string& k : report.mismatched)
            details << QStringLiteral("wrong shape: %1").arg(QString::fromStdString(k));
        box.setInformativeText(details.isEmpty() ? text : details.mid(0, 12).join(QLatin1Char('\n'))
                                                           + (details.size() > 12 ? QStringLiteral("\n…") : QString()));
        if (!details.isEmpty())
            box.setDetailedText(details.join(QLatin1Char('\n')) + QStringLiteral("\n\n") + text);
        box.exec();
    }
    return false;
}

namespace {

// "*.safetensors *.pt *.pth ..." from the engine's list of weights files.
QString weightsPatterns()
{
    QStringList patterns;
    for (const std::string& ext : ml::weightsExtensions())
        patterns << QStringLiteral("*.") + QString::fromStdString(ext);
    return patterns.join(QLatin1Char(' '));
}

QString droppedWeightsFile(const QMimeData* mime)
{
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile() && ml::isWeightsPath(url.toLocalFile().toStdString()))
            return url.toLocalFile();
    return {};
}

} // namespace

void RunPanel::loadWeights()
{
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Load weights"), QString(),
                                                      QStringLiteral("Weights (%1);;All files (*)").arg(weightsPatterns()));
    if (!path.isEmpty())
        loadWeightsFile(path);
}

void RunPanel::dragEnterEvent(QDragEnterEvent* event)
{
    if (!droppedWeightsFile(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void RunPanel::dropEvent(QDropEvent* event)
{
    const QString path = droppedWeightsFile(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    loadWeightsFile(path);
}

void RunPanel::saveWeights()
{
    const QString safetensors = QStringLiteral("safetensors (*.safetensors)");
    QString filter;
    QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save weights"), QString(),
                                                safetensors + QStringLiteral(";;PyTorch torch.save (*.pth *.pt)"), &filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += filter == safetensors ? QStringLiteral(".safetensors") : QStringLiteral(".pth");
    if (auto err = m_controller->saveWeights(path)) {
        m_status->setText(*err);
        if (!m_quiet)
            QMessageBox::warning(this, QStringLiteral("Weights not saved"), *err);
        return;
    }
    m_status->setText(QStringLiteral("Saved the weights to %1").arg(QFileInfo(path).fileName()));
}

} // namespace ml::ui
