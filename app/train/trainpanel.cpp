#include "app/train/trainpanel.h"

#include "app/train/confusionview.h"
#include "app/train/reconstructionview.h"
#include "app/train/traincharts.h"
#include "app/train/trainsettingsform.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ml::ui {

TrainPanel::TrainPanel(TrainSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_form(new TrainSettingsForm(true, 3, this))
    , m_scratch(new QCheckBox(QStringLiteral("From scratch"), this))
    , m_start(new QPushButton(QStringLiteral("Start"), this))
    , m_pause(new QPushButton(QStringLiteral("Pause"), this))
    , m_stop(new QPushButton(QStringLiteral("Stop"), this))
    , m_save(new QPushButton(QStringLiteral("Save ▾"), this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_charts(new TrainCharts(session, this))
    , m_layers(new QTableWidget(this))
    , m_confusion(new ConfusionView(this))
    , m_recon(new ReconstructionView(this))
{
    m_scratch->setToolTip(QStringLiteral("Initialise every layer from the seed first, as a new model is; otherwise train "
                                         "on from the current weights"));
    // The menu's arrow is part of the text, spaced as text is: a style's menu indicator sits in
    // the button's corner over the text (Fusion's, and a style sheet's padding in classroom mode).
    m_saveMenu = new QMenu(m_save);
    m_saveMenu->addAction(QStringLiteral("Save Trained Weights…"), this, &TrainPanel::saveWeightsRequested);
    m_saveMenu->addAction(QStringLiteral("Save Checkpoint…"), this, &TrainPanel::saveCheckpointRequested);
    m_saveMenu->addAction(QStringLiteral("Resume from Checkpoint…"), this, &TrainPanel::resumeRequested);
    connect(m_save, &QPushButton::clicked, this, [this] { m_saveMenu->exec(m_save->mapToGlobal(QPoint(0, m_save->height()))); });

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_scratch);
    buttons->addStretch(1);
    buttons->addWidget(m_save);

    m_progress->setTextVisible(true);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_layers->setColumnCount(3);
    m_layers->setHorizontalHeaderLabels({QStringLiteral("Layer"), QStringLiteral("Change"), QStringLiteral("Why it cannot learn")});
    m_layers->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_layers->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_layers->horizontalHeader()->setStretchLastSection(true);
    m_layers->verticalHeader()->hide();
    m_layers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_layers->setToolTip(QStringLiteral("|W - W₀| / |W₀| of each layer's parameters since training started"));

    m_tabs->addTab(m_charts, QStringLiteral("Curves"));
    m_tabs->addTab(m_layers, QStringLiteral("Layers"));
    m_tabs->addTab(m_confusion, QStringLiteral("Confusion"));
    m_tabs->addTab(m_recon, QStringLiteral("Reconstructions"));
    showResultTab();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(m_form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_tabs, 1);

    setSettings(TrainSettings{});
    // The Output field's shapes are those of a batch of the chosen size.
    connect(m_form, &TrainSettingsForm::batchChanged, this, [this] {
        if (!m_session->isActive())
            showOutputChoices();
    });
    connect(m_start, &QPushButton::clicked, this, [this] { m_session->start(settings()); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_session->state() == TrainSession::State::Paused)
            m_session->resume();
        else
            m_session->pause();
    });
    connect(m_stop, &QPushButton::clicked, this, [this] { m_session->stop(); });
    connect(m_session, &TrainSession::stateChanged, this, &TrainPanel::updateButtons);
    connect(m_session, &TrainSession::stateChanged, this, [this](TrainSession::State s) {
        if (s == TrainSession::State::Running && m_session->steps().empty()) {
            m_charts->refresh();
            m_confusion->clearMatrix();
            m_recon->clearPictures();
            m_layers->setRowCount(0);
            showResultTab();
        }
        updateProgress();
    });
    connect(m_session, &TrainSession::stepsAdded, this, [this] {
        m_charts->refresh();
        updateProgress();
    });
    connect(m_session, &TrainSession::epochFinished, this, [this] {
        m_charts->refresh();
        if (m_session->confusion() && !m_session->confusion()->reconstruction)
            m_confusion->show(*m_session->confusion());
    });
    connect(m_session, &TrainSession::weightsUpdated, this, &TrainPanel::showReconstructions);
    connect(m_session, &TrainSession::changesUpdated, this, &TrainPanel::fillLayers);
    connect(m_session, &TrainSession::message, m_status, &QLabel::setText);
    updateButtons();
    updateProgress();
    m_status->setText(QStringLiteral("Trains the model on Fashion-MNIST with PyTorch's gradients and optimizer steps."));
}

int TrainPanel::heightForWidth(int width) const
{
    // The least height at this width (the status line wraps): the scroll area gives the charts
    // the rest of the column, and the panel scrolls only when even this does not fit.
    const QMargins margins = layout()->contentsMargins();
    const int wraps = m_status->heightForWidth(std::max(width - margins.left() - margins.right(), 1))
                      - m_status->minimumSizeHint().height();
    return minimumSizeHint().height() + std::max(wraps, 0);
}

TrainSettings TrainPanel::settings() const
{
    TrainSettings s = m_form->settings();
    s.fromScratch = m_scratch->isChecked();
    return s;
}

void TrainPanel::setSettings(const TrainSettings& s)
{
    m_form->setSettings(s);
    m_scratch->setChecked(s.fromScratch);
}

void TrainPanel::setClassNames(const QStringList& names)
{
    m_confusion->setClassNames(names);
}

void TrainPanel::modelChanged()
{
    if (m_session->isActive())
        return;
    m_form->setReconstructionAvailable(m_session->reconstructionAvailable());
    showOutputChoices();
    showResultTab();
}

void TrainPanel::showOutputChoices()
{
    m_form->setOutputChoices(m_session->outputChoices(m_form->settings().batch));
}

void TrainPanel::showReconstructions()
{
    if (!m_session->reconstructions())
        return;
    QString caption = QStringLiteral("Test images (above) and the model's reconstructions (below) at step %1")
                          .arg(m_session->reconstructionsStep());
    if (!m_session->epochs().empty())
        caption += QStringLiteral(" · test loss %1 after epoch %2")
                       .arg(m_session->epochs().back().testLoss, 0, 'g', 4)
                       .arg(m_session->epochs().back().epoch);
    m_recon->setCaption(caption);
    m_recon->show(*m_session->reconstructions());
}

void TrainPanel::showResultTab()
{
    const bool recon = m_session->isActive() || !m_session->steps().empty() ? m_session->runSettings().target == ml::TargetKind::Input
                                                                            : settings().target == ml::TargetKind::Input;
    m_tabs->setTabVisible(m_tabs->indexOf(m_confusion), !recon);
    m_tabs->setTabVisible(m_tabs->indexOf(m_recon), recon);
}

void TrainPanel::updateButtons()
{
    const TrainSession::State s = m_session->state();
    const bool active = m_session->isActive();
    m_start->setEnabled(!active);
    m_pause->setEnabled(active);
    m_pause->setText(s == TrainSession::State::Paused ? QStringLiteral("Resume") : QStringLiteral("Pause"));
    m_stop->setEnabled(active);
    m_form->setEnabled(!active);
    m_scratch->setEnabled(!active);
}

void TrainPanel::updateProgress()
{
    const qint64 perEpoch = m_session->stepsPerEpoch();
    const qint64 total = perEpoch * m_session->totalEpochs();
    const qint64 done = m_session->steps().empty() ? 0 : m_session->steps().back().step;
    m_progress->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    m_progress->setValue(static_cast<int>(std::min(done, std::max<qint64>(total, 1))));
    if (perEpoch > 0 && !m_session->steps().empty()) {
        const qint64 epoch = std::min<qint64>((done - 1) / perEpoch + 1, m_session->totalEpochs());
        m_progress->setFormat(QStringLiteral("epoch %1/%2 · step %3/%4 · loss %5")
                                  .arg(epoch)
                                  .arg(m_session->totalEpochs())
                                  .arg(done)
                                  .arg(total)
                                  .arg(m_session->steps().back().loss, 0, 'f', 4));
    } else {
        m_progress->setFormat(m_session->isActive() ? QStringLiteral("loading the data…") : QStringLiteral("not started"));
    }
}

void TrainPanel::fillLayers()
{
    const auto& changes = m_session->changes();
    m_layers->setRowCount(static_cast<int>(changes.size()));
    for (int row = 0; row < static_cast<int>(changes.size()); ++row) {
        const ml::LayerChange& c = changes[static_cast<size_t>(row)];
        auto* name = new QTableWidgetItem(QString::fromStdString(c.path));
        auto* change = new QTableWidgetItem(QStringLiteral("%1%").arg(c.relative * 100.0, 0, 'f', 3));
        change->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto* why = new QTableWidgetItem(QString::fromStdString(c.reason));
        if (!c.reason.empty()) {
            const QColor color = c.reason == "frozen" ? QColor(40, 110, 200) : QColor(200, 40, 40);
            for (QTableWidgetItem* i : {name, change, why})
                i->setForeground(color);
        }
        m_layers->setItem(row, 0, name);
        m_layers->setItem(row, 1, change);
        m_layers->setItem(row, 2, why);
    }
}

} // namespace ml::ui
