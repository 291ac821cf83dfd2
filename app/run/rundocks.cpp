#include "app/run/rundocks.h"

#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/document/predictions.h"
#include "app/document/runcontroller.h"
#include "app/document/samplelistmodel.h"
#include "app/document/tensorimage.h"
#include "app/run/activationview.h"
#include "app/run/predictionchart.h"
#include "app/run/runpanel.h"
#include "app/run/samplespanel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QDockWidget>
#include <QHash>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QScrollArea>
#include <QHeaderView>
#include <QScrollBar>
#include <QStatusBar>
#include <QTreeView>

#include <algorithm>

namespace ml::ui {

namespace {

// Why there is no class chart: the output's shape, and where to see it instead.
QString noClassesText(const ml::OutputTensor* out)
{
    const QString shape = out ? QString::fromStdString(out->tensor.shape().toString()) : QStringLiteral("the output");
    return QStringLiteral("No classes to predict: the output %1 is not [N, classes]. The Activations panel shows it "
                          "(select the model).").arg(shape);
}

} // namespace

static QDockWidget* addDock(QMainWindow* window, const QString& title, const QString& name, QWidget* content,
                            Qt::DockWidgetArea area)
{
    auto* d = new QDockWidget(title, window);
    d->setObjectName(name);
    d->setWidget(content);
    window->addDockWidget(area, d);
    return d;
}

RunDocks::RunDocks(QMainWindow* window, Document* document, QAbstractItemView* tree, DiagramView* diagram, QMenu* viewMenu,
                   SelectPath selectPath)
    : QObject(window)
    , m_window(window)
    , m_controller(new RunController(document, this))
    , m_samples(new SamplesPanel(m_controller, window))
    , m_panel(new RunPanel(m_controller, window))
    , m_activations(new ActivationView(window))
    , m_predictions(new PredictionChart(window))
    , m_diagram(diagram)
    , m_weightsStatus(new QLabel(window))
    , m_selectPath(std::move(selectPath))
{
    m_samplesDock = addDock(window, QStringLiteral("Samples"), QStringLiteral("samplesDock"), m_samples, Qt::LeftDockWidgetArea);
    auto* runScroll = new QScrollArea(window); // the panel is tall: it scrolls rather than pushing the window
    runScroll->setWidget(m_panel);
    runScroll->setWidgetResizable(true);
    runScroll->setFrameShape(QFrame::NoFrame);
    runScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_runDock = addDock(window, QStringLiteral("Run"), QStringLiteral("runDock"), runScroll, Qt::LeftDockWidgetArea);
    m_activationsDock = addDock(window, QStringLiteral("Activations"), QStringLiteral("activationsDock"), m_activations,
                                Qt::BottomDockWidgetArea);
    m_predictionsDock = addDock(window, QStringLiteral("Predictions"), QStringLiteral("predictionsDock"), m_predictions,
                                Qt::RightDockWidgetArea);
    connect(m_predictionsDock, &QDockWidget::visibilityChanged, m_predictions, &PredictionChart::setOnShow);
    // Tabbed with the editing panels, which stay in front until the run panels are raised.
    const auto tabWith = [window](const char* anchorName, QDockWidget* dock) {
        if (auto* anchor = window->findChild<QDockWidget*>(QString::fromLatin1(anchorName))) {
            window->tabifyDockWidget(anchor, dock);
            anchor->raise();
        }
    };
    tabWith("paletteDock", m_samplesDock);
    tabWith("propertiesDock", m_runDock);
    tabWith("codeDock", m_activationsDock);
    if (auto* diagramDock = window->findChild<QDockWidget*>(QStringLiteral("diagramDock")))
        window->splitDockWidget(diagramDock, m_predictionsDock, Qt::Vertical);
    m_activations->setClassNames(m_controller->classNames());
    if (viewMenu) {
        viewMenu->addSeparator();
        for (QDockWidget* d : {m_samplesDock, m_runDock, m_activationsDock, m_predictionsDock})
            viewMenu->addAction(d->toggleViewAction());
    }

    QMenu* menu = window->menuBar()->addMenu(QStringLiteral("&Run"));
    menu->addAction(QStringLiteral("&Run Forward"), QKeySequence(Qt::Key_F5), m_controller, &RunController::run);
    menu->addAction(QStringLiteral("&Cancel"), QKeySequence(Qt::Key_Escape), m_controller, &RunController::cancel);
    menu->addSeparator();
    menu->addAction(QStringLiteral("&Step"), QKeySequence(Qt::Key_F10), m_controller, &RunController::step);
    menu->addAction(QStringLiteral("&Play"), m_controller, &RunController::play);
    menu->addAction(QStringLiteral("Rese&t Steps"), m_controller, &RunController::resetSteps);
    menu->addSeparator();
    menu->addAction(QStringLiteral("Show Run Pa&nels"), this, &RunDocks::raise);

    m_weightsStatus->setObjectName(QStringLiteral("weightsStatus"));
    window->statusBar()->addPermanentWidget(m_weightsStatus);
    const auto showWeights = [this](const QString& s) { m_weightsStatus->setText(QStringLiteral("Weights: %1").arg(s)); };
    showWeights(m_controller->weightsSource());
    connect(m_controller, &RunController::weightsChanged, this, showWeights);
    connect(m_controller, &RunController::message, this, [this](const QString& text) {
        if (!text.isEmpty())
            m_window->statusBar()->showMessage(text, 8000);
    });

    if (tree && tree->selectionModel())
        connect(tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
            setSelectedPath(i.data(ModuleTreeModel::DottedPathRole).toString());
        });
    connect(m_controller, &RunController::runFinished, this, &RunDocks::showResult);
    connect(m_controller, &RunController::outputChosen, this, &RunDocks::showResult);
    connect(m_controller, &RunController::inputChanged, this, &RunDocks::showActivations);
    connect(m_controller, &RunController::stepChanged, this, &RunDocks::showStep);
    connect(m_controller, &RunController::staleChanged, this, [this](bool stale) {
        m_activations->setStale(stale);
        m_predictions->setStale(stale);
        if (stale && m_diagram) { // the boxes may no longer be the nodes that ran
            m_diagram->setThumbnails({});
            m_diagram->setHighlightedPath(QString());
        }
    });
    if (m_samples->model()->rowCount() > 0)
        m_samples->selectRow(0);
}

RunDocks::~RunDocks() = default;

void RunDocks::modelOpened()
{
    m_controller->modelOpened();
}

void RunDocks::setQuiet(bool quiet)
{
    m_panel->setQuiet(quiet);
}

void RunDocks::raise()
{
    for (QDockWidget* d : {m_samplesDock, m_runDock, m_activationsDock, m_predictionsDock}) {
        d->show();
        d->raise();
    }
    // The predictions among other panels' tabs: a presentation (classroom mode) has placed
    // and sized them.
    if (!m_window->tabifiedDockWidgets(m_predictionsDock).isEmpty())
        return;
    // Room for the maps and the chart: the bottom row grows to half the window, the left column
    // fits the run panel, the diagram keeps a readable width and the predictions under it.
    const int w = m_window->width();
    const int h = m_window->height();
    m_window->resizeDocks({m_activationsDock}, {std::max(m_activationsDock->height(), h / 2)}, Qt::Vertical);
    const int panelWidth = m_panel->minimumSizeHint().width() + 24;
    if (m_runDock->width() < panelWidth)
        m_window->resizeDocks({m_runDock}, {std::min(panelWidth, w / 4)}, Qt::Horizontal);
    if (auto* diagram = m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock")); diagram && diagram->isVisible()) {
        // The tree as wide as its columns when the diagram keeps a quarter of the window.
        int wanted = w * 3 / 10;
        if (auto* tree = qobject_cast<QTreeView*>(m_window->centralWidget()))
            wanted = w - std::max(m_runDock->width(), panelWidth) - tree->header()->length() -
                     tree->verticalScrollBar()->sizeHint().width() - 24;
        m_window->resizeDocks({diagram}, {std::clamp(wanted, w / 4, w * 45 / 100)}, Qt::Horizontal);
        // The chart's class names need the height more than the diagram does.
        const int chart = std::clamp(m_predictions->sizeHint().height() + 40, h / 3, h * 3 / 5);
        m_window->resizeDocks({diagram, m_predictionsDock}, {h - chart, chart}, Qt::Vertical);
    }
}

void RunDocks::setSelectedPath(const QString& path)
{
    m_selectedPath = path;
    if (!m_following)
        showActivations();
}

void RunDocks::showResult()
{
    const ForwardRecording* r = m_controller->result();
    QHash<QString, QImage> thumbs;
    if (r)
        for (const ForwardCall& c : r->calls)
            if (c.isLayer && !thumbs.contains(c.path))
                thumbs.insert(c.path, activationThumbnail(c.output));
    if (m_diagram) {
        m_diagram->setThumbnails(thumbs);
        m_diagram->setHighlightedPath(QString());
    }
    const RunInput* input = m_controller->resultInput();
    std::optional<Prediction> prediction;
    if (const ml::OutputTensor* out = m_controller->chosenOutput()) // the model's output, or the one chosen of several
        prediction = predictionOf(out->tensor);
    if (prediction) {
        // The class names for a model with as many outputs as there are names (other models'
        // outputs are "class k"); a true label only for a sample picture.
        const bool named = m_controller->classNames().size() == static_cast<int>(prediction->probabilities.size());
        m_predictions->setPrediction(&*prediction, named ? m_controller->classNames() : QStringList(),
                                     named && input && !input->original.isNull() ? input->label : -1);
    }
    else
        m_predictions->setPrediction(nullptr, {}, -1,
                                     !r ? QStringLiteral("No prediction yet")
                                        : r->cancelled ? QStringLiteral("The run was cancelled")
                                        : !r->errors.empty() ? QStringLiteral("Forward stopped: %1").arg(r->errorText())
                                                             : noClassesText(m_controller->chosenOutput()));
    m_predictions->setStale(m_controller->isStale());
    m_activations->setStale(m_controller->isStale());
    showActivations();
}

void RunDocks::showActivations()
{
    const ForwardRecording* r = m_controller->result();
    // While stepping, the current call; a node the user selects meanwhile shows its own call.
    // The model's call with several outputs shows the one chosen, as below.
    if (const ForwardCall* step = m_controller->currentStep(); step && step->path == m_selectedPath && step->outputs.empty()) {
        m_activations->showCall(step, m_controller->resultInput(), QString(), outputNames(step->output));
        return;
    }
    if (!r) {
        QString why;
        const auto input = m_controller->currentInput(&why);
        m_activations->showCall(nullptr, input ? &*input : nullptr,
                                input ? QStringLiteral("Run the model to see what every layer does to the picture") : why);
        return;
    }
    const ForwardCall* call = r->firstCallOf(m_selectedPath);
    if (m_selectedPath.isEmpty() && r->outputs.size() > 1 && m_controller->chosenOutput()) {
        // The model returns several tensors: the one chosen in the Run panel.
        m_rootCall.path = QString();
        m_rootCall.typeName = QString::fromStdString(m_controller->document()->root()->typeName() + ", " + m_controller->chosenOutput()->name);
        m_rootCall.input = m_controller->resultInput() ? m_controller->resultInput()->tensor : ml::Tensor();
        m_rootCall.output = m_controller->chosenOutput()->tensor;
        call = &m_rootCall;
    }
    m_activations->showCall(call, m_controller->resultInput(),
                            call ? QString()
                                 : QStringLiteral("%1 was not called by this forward pass")
                                       .arg(m_selectedPath.isEmpty() ? QStringLiteral("The model") : m_selectedPath),
                            call ? outputNames(call->output) : QStringList());
}

// The class names for a tensor that is the model's output (the same values), when there is a
// name per output; empty otherwise: a hidden layer's features are not classes.
QStringList RunDocks::outputNames(const ml::Tensor& values) const
{
    const ml::OutputTensor* out = m_controller->chosenOutput();
    const QStringList names = m_controller->classNames();
    if (!out || values.shape() != out->tensor.shape() || values.shape().rank() != 2 || values.shape()[1] != names.size())
        return {};
    if (values.data() != out->tensor.data()
        && !std::equal(values.data(), values.data() + values.numel(), out->tensor.data()))
        return {};
    return names;
}

void RunDocks::showStep()
{
    const ForwardCall* step = m_controller->currentStep();
    if (m_diagram)
        m_diagram->setHighlightedPath(step ? step->path : QString());
    if (step && m_selectPath) {
        m_following = true;
        m_selectPath(step->path);
        m_following = false;
        m_selectedPath = step->path;
    }
    showActivations();
}

} // namespace ml::ui
