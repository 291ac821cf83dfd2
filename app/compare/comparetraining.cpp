#include "app/compare/comparetraining.h"

#include "app/run/samplespanel.h"
#include "app/train/chartparts.h"
#include "app/train/trainsettingsform.h"
#include "engine/module.h"
#include "engine/train/curves.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QPushButton>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ml::ui {

namespace {

const std::array<QColor, 2> kColors = {QColor(20, 70, 170), QColor(200, 90, 20)};

QString sideName(size_t side)
{
    return side ? QStringLiteral("B") : QStringLiteral("A");
}

// A chart without a legend: the status lines above name A and B in their colours.
QChart* chartWithoutLegend(const QString& title)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    return chart;
}

} // namespace

CompareTraining::CompareTraining(QWidget* parent)
    : QWidget(parent)
    , m_form(new TrainSettingsForm(false, 5, this))
    , m_start(new QPushButton(QStringLiteral("Train Both"), this))
    , m_stop(new QPushButton(QStringLiteral("Stop"), this))
    , m_status(new QLabel(this))
    , m_layers(new QTableWidget(this))
{
    for (size_t side = 0; side < 2; ++side) {
        auto* s = new TrainSession([this, side] { return m_models[side].get(); }, this);
        s->setSamplesDirectory(shippedSamplesDirectory());
        m_sessions[side] = s;
        connect(s, &TrainSession::stepsAdded, this, &CompareTraining::refresh);
        connect(s, &TrainSession::epochFinished, this, &CompareTraining::refresh);
        connect(s, &TrainSession::changesUpdated, this, &CompareTraining::fillLayers);
        connect(s, &TrainSession::stateChanged, this, &CompareTraining::updateButtons);
        connect(s, &TrainSession::message, this, [this, side](const QString& text) {
            m_messages[side] = text;
            refresh();
        });
    }
    TrainSettings initial;
    initial.epochs = 1;
    m_form->setSettings(initial);

    QChart* loss = chartWithoutLegend(QStringLiteral("Loss per step (the same batches for both)"));
    m_x = addValueAxis(loss, Qt::AlignBottom, QStringLiteral("%d"));
    m_y = addValueAxis(loss, Qt::AlignLeft, QStringLiteral("%.2f"));
    // Short titles: the chart is the narrowest of the row (its axis counts the epochs).
    QChart* accuracy = chartWithoutLegend(QStringLiteral("Test accuracy (%)"));
    m_epochAxis = addValueAxis(accuracy, Qt::AlignBottom, QStringLiteral("%d"));
    QValueAxis* percent = addValueAxis(accuracy, Qt::AlignLeft, QStringLiteral("%d"));
    percent->setRange(0, 100);
    m_epochValue = percent;
    m_epochChart = accuracy;
    for (size_t side = 0; side < 2; ++side) {
        m_raw[side] = addLineSeries(loss, QPen(kColors[side].lighter(170), 1.0), m_x, m_y);
        m_smooth[side] = addLineSeries(loss, QPen(kColors[side], 2.0), m_x, m_y);
        m_accuracy[side] = addLineSeries(accuracy, QPen(kColors[side], 2.0), m_epochAxis, percent);
        m_accuracy[side]->setPointsVisible(true);
    }

    m_layers->setColumnCount(4);
    m_layers->setHorizontalHeaderLabels(
        {QStringLiteral("A: layer"), QStringLiteral("A: change"), QStringLiteral("B: layer"), QStringLiteral("B: change")});
    m_layers->verticalHeader()->hide();
    // Rows as high as their text, in the window's type and in classroom mode's.
    m_layers->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_layers->setWordWrap(false);
    m_layers->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->horizontalHeader()->setStretchLastSection(true);
    m_layers->setToolTip(QStringLiteral("Each layer's weight change |W - W₀| / |W₀| since training started, in the order the "
                                        "models create their layers, or why it cannot change"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);

    auto* form = new QHBoxLayout;
    form->addWidget(m_form, 1);
    form->addWidget(m_start);
    form->addWidget(m_stop);
    auto* results = new QHBoxLayout;
    m_lossView = makeChartView(loss, this, 120);
    m_epochView = makeChartView(accuracy, this, 120);
    results->addWidget(m_lossView, 4);
    results->addWidget(m_epochView, 2);
    results->addWidget(m_layers, 5);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addLayout(results, 1);
    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_stop, &QPushButton::clicked, this, &CompareTraining::stop);
    updateButtons();
    fitToType();
}

QSize CompareTraining::minimumSizeHint() const
{
    QSize least = QWidget::minimumSizeHint();
    // The layout counts the wrapping status lines at one width for all; they need their height
    // at the width they have.
    // Only on show: a hidden tab's width is stale.
    if (!isVisible() || !m_status->isVisible())
        return least;
    const int wraps = m_status->heightForWidth(m_status->width()) - m_status->minimumSizeHint().height();
    if (wraps > 0)
        least.rheight() += wraps;
    return least;
}

void CompareTraining::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        fitToType();
}

void CompareTraining::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_statusHeight = -1;
    updateGeometry();
}

void CompareTraining::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // Narrower, the status lines may wrap once more: the view around gives the room.
    const int height = m_status->heightForWidth(std::max(m_status->width(), 1));
    if (height != m_statusHeight) {
        m_statusHeight = height;
        updateGeometry();
    }
}

void CompareTraining::fitToType()
{
    // A title, the plot and a row of axis labels: seven lines of the panel's type at least.
    const int least = std::max(120, 7 * fontMetrics().height());
    for (QChartView* view : {m_lossView, m_epochView})
        view->setMinimumHeight(least);
    updateGeometry();
}

CompareTraining::~CompareTraining()
{
    for (TrainSession* s : m_sessions)
        s->stop();
}

void CompareTraining::setModels(const ml::Module* a, const QString& labelA, const ml::Module* b, const QString& labelB)
{
    stop();
    const std::array<const ml::Module*, 2> roots = {a, b};
    m_labels = {labelA, labelB};
    for (size_t side = 0; side < 2; ++side) {
        m_models[side] = roots[side] ? roots[side]->clone() : nullptr;
        m_sessions[side]->clearResults();
        m_messages[side].clear();
        const QString name = QStringLiteral("%1: %2").arg(sideName(side), m_labels[side]);
        m_smooth[side]->setName(name);
        m_accuracy[side]->setName(name);
    }
    refresh();
    fillLayers();
}

void CompareTraining::setDataDirectory(const QString& dir)
{
    for (TrainSession* s : m_sessions)
        s->setDataDirectory(dir);
}

TrainSettings CompareTraining::settings() const
{
    TrainSettings settings = m_form->settings();
    settings.fromScratch = true; // the same initial weights for both: PyTorch's initialisation after the seed
    return settings;
}

void CompareTraining::setSettings(const TrainSettings& s)
{
    m_form->setSettings(s);
}

bool CompareTraining::start(int64_t pauseAfter)
{
    TrainSettings settings = this->settings();
    // Two models whose outputs have their inputs' shape (autoencoders) train against their input
    // with MSELoss; beside a classifier, one is not trained.
    const std::array<bool, 2> recon = {m_models[0] && m_sessions[0]->reconstructionAvailable(),
                                       m_models[1] && m_sessions[1]->reconstructionAvailable()};
    m_reconstruction = recon[0] && recon[1];
    if (m_reconstruction) {
        settings.target = ml::TargetKind::Input;
        settings.loss = ml::defaultLossFor(ml::TargetKind::Input);
    }
    bool any = false;
    for (size_t side = 0; side < 2; ++side) {
        m_messages[side].clear();
        if (!m_models[side])
            m_messages[side] = QStringLiteral("no model");
        else if (recon[side] && !m_reconstruction)
            m_messages[side] = QStringLiteral("not supported by ModuleLab yet: training a model whose output has its input's shape "
                                              "(an autoencoder) against its input beside a classifier; compare it with another "
                                              "autoencoder, or train it in the main window's Train panel (View → Train)");
        else if (!m_sessions[side]->isActive())
            any = m_sessions[side]->start(settings, pauseAfter) || any;
    }
    refresh();
    return any;
}

bool CompareTraining::trainSteps(int steps, int timeoutMs)
{
    if (!start(steps))
        return false;
    // Each side pauses itself after the step; the window then has both sides' results.
    const bool done = m_sessions[0]->waitUntil(
        [&] {
            for (const TrainSession* s : m_sessions)
                if (s->isActive() && !s->pausedWithResults())
                    return false;
            return true;
        },
        timeoutMs);
    for (TrainSession* s : m_sessions)
        s->pause();
    return done;
}

void CompareTraining::stop()
{
    for (TrainSession* s : m_sessions)
        s->stop();
}

bool CompareTraining::isActive() const
{
    return m_sessions[0]->isActive() || m_sessions[1]->isActive();
}

void CompareTraining::updateButtons()
{
    const bool active = isActive();
    m_start->setEnabled(!active);
    m_stop->setEnabled(active);
    m_form->setEnabled(!active);
    refresh();
}

void CompareTraining::refresh()
{
    double top = 0.0, last = 1.0, highest = 0.0;
    int epochs = 1;
    bool reported = false;
    QStringList lines;
    for (size_t side = 0; side < 2; ++side) {
        const TrainSession* session = m_sessions[side];
        std::vector<double> raw;
        for (const StepPoint& p : session->steps())
            raw.push_back(p.loss);
        const std::vector<double> smooth = ml::smoothCurve(raw, 0.9);
        QList<QPointF> rp, sp, ap;
        for (size_t i = 0; i < raw.size(); ++i) {
            const auto x = static_cast<double>(session->steps()[i].step);
            rp.append(QPointF(x, raw[i]));
            sp.append(QPointF(x, smooth[i]));
            if (std::isfinite(raw[i]))
                top = std::max(top, raw[i]);
        }
        for (const EpochPoint& e : session->epochs()) {
            ap.append(QPointF(e.epoch, m_reconstruction ? e.testLoss : e.testAccuracy * 100.0));
            if (m_reconstruction && std::isfinite(e.testLoss))
                highest = std::max(highest, e.testLoss);
        }
        m_raw[side]->replace(rp);
        m_smooth[side]->replace(sp);
        m_accuracy[side]->replace(ap);
        if (session->isActive() || !raw.empty()) { // a side that did not train has no say in the axes
            last = std::max(last, static_cast<double>(session->stepsPerEpoch() * session->totalEpochs()));
            epochs = std::max(epochs, session->totalEpochs());
        }
        QString line = QStringLiteral("<b style=\"color:%1\">■ %2</b> %3: ")
                           .arg(kColors[side].name(), sideName(side), m_labels[side].toHtmlEscaped());
        if (!session->epochs().empty() && m_reconstruction)
            line += QStringLiteral("test loss %1 after epoch %2 (against the input)")
                        .arg(session->epochs().back().testLoss, 0, 'g', 4)
                        .arg(session->epochs().back().epoch);
        else if (!session->epochs().empty())
            line += QStringLiteral("test accuracy %1% after epoch %2")
                        .arg(session->epochs().back().testAccuracy * 100.0, 0, 'f', 2)
                        .arg(session->epochs().back().epoch);
        else if (!raw.empty())
            line += QStringLiteral("step %1, loss %2").arg(session->steps().back().step).arg(raw.back(), 0, 'f', 4);
        if (!m_messages[side].isEmpty() && !m_messages[side].startsWith(QStringLiteral("Training on ")))
            line += (raw.empty() ? QString() : QStringLiteral(" · ")) + m_messages[side].toHtmlEscaped();
        reported = reported || !raw.empty() || !m_messages[side].isEmpty();
        lines << line;
    }
    // The same data for both: from whichever side trained.
    const QString data = !m_sessions[0]->dataDescription().isEmpty() ? m_sessions[0]->dataDescription() : m_sessions[1]->dataDescription();
    if (!data.isEmpty() && reported)
        lines << QStringLiteral("Data: %1").arg(data.toHtmlEscaped());
    // Whole steps and epochs only: a short range gets one label a step (0 1 2 3, not 0 0 1 2 3).
    setRoundTicks(m_x, 0, last, 5, true);
    setRoundTicks(m_y, 0, top > 0.0 ? top * 1.05 : 1.0, 3, false);
    m_epochChart->setTitle(m_reconstruction ? QStringLiteral("Test loss (against the input)") : QStringLiteral("Test accuracy (%)"));
    if (m_reconstruction)
        setRoundTicks(m_epochValue, 0, highest > 0.0 ? highest * 1.1 : 1.0, 3, false);
    else
        setRoundTicks(m_epochValue, 0, 100.0, 3, true);
    setRoundTicks(m_epochAxis, 0, epochs, 11, true);
    if (!reported)
        lines = {QStringLiteral("Train Both starts A and B from the same initial weights (the seed) on the same batches, "
                                "so that what differs is how each model stores its layers.")};
    m_status->setText(lines.join(QStringLiteral("<br>")));
    if (const int height = m_status->heightForWidth(std::max(m_status->width(), 1)); height != m_statusHeight) {
        m_statusHeight = height;
        updateGeometry();
    }
}

// Row k shows each side's k-th layer with parameters, in the order the model creates them.
void CompareTraining::fillLayers()
{
    const std::array<const std::vector<ml::LayerChange>*, 2> changes = {&m_sessions[0]->changes(), &m_sessions[1]->changes()};
    const size_t rows = std::max(changes[0]->size(), changes[1]->size());
    m_layers->setRowCount(static_cast<int>(rows));
    for (size_t row = 0; row < rows; ++row)
        for (size_t side = 0; side < 2; ++side) {
            auto* name = new QTableWidgetItem;
            auto* change = new QTableWidgetItem;
            if (row < changes[side]->size()) {
                const ml::LayerChange& c = (*changes[side])[row];
                name->setText(QString::fromStdString(c.path));
                const QString amount = QStringLiteral("%1%").arg(c.relative * 100.0, 0, 'f', 3);
                change->setText(c.reason.empty() ? amount : amount + QStringLiteral(" · ") + QString::fromStdString(c.reason));
                if (!c.reason.empty())
                    change->setForeground(c.reason == "frozen" ? QColor(40, 110, 200) : QColor(200, 40, 40));
            }
            m_layers->setItem(static_cast<int>(row), static_cast<int>(side) * 2, name);
            m_layers->setItem(static_cast<int>(row), static_cast<int>(side) * 2 + 1, change);
        }
}

} // namespace ml::ui
