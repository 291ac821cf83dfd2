#include "app/train/traindocks.h"

#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/diagram/diagramview.h"
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/run/samplespanel.h"
#include "app/train/freezemodule.h"
#include "app/train/trainpanel.h"
#include "app/train/trainsession.h"
#include "app/train/weightchangedelegate.h"
#include "app/ui/diagnosticspanel.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "engine/io/idx.h"
#include "engine/train/weightchange.h"

#include <QAction>
#include <QCoreApplication>
#include <QEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QStatusBar>
#include <QUndoStack>

#include <algorithm>

namespace ml::ui {

TrainDocks::TrainDocks(MainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_session(new TrainSession(window->document(), this))
    , m_tree(window->treePanel())
    , m_delegate(new WeightChangeDelegate(window->document(), m_session, this))
{
    setObjectName(QStringLiteral("trainDocks"));
    m_session->setSamplesDirectory(shippedSamplesDirectory());
    auto* toggle = new QAction(QStringLiteral("&Train"), this);
    toggle->setCheckable(true);
    connect(toggle, &QAction::triggered, this, [this](bool on) {
        if (on)
            showDock();
        else if (m_dock)
            m_dock->hide();
    });
    m_toggle = toggle;
    for (QAction* a : window->menuBar()->actions())
        if (a->menu() && a->text() == QStringLiteral("&View"))
            a->menu()->insertAction(a->menu()->actions().value(1), toggle);

    m_tree->setItemDelegateForColumn(ModuleTreeModel::NameColumn, m_delegate);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_tree, &QWidget::customContextMenuRequested, this, &TrainDocks::showTreeMenu);

    Document* doc = window->document();
    connect(doc->undoStack(), &QUndoStack::indexChanged, this, &TrainDocks::modelEdited);
    connect(doc, &Document::documentReset, this, [this] {
        if (m_session->isActive())
            m_session->stop(QStringLiteral("Training stopped: another model was opened"));
        m_session->clearResults();
        m_tree->viewport()->update();
        updateDiagramNotes();
        if (m_panel)
            m_panel->modelChanged();
    });
    connect(m_session, &TrainSession::changesUpdated, m_tree->viewport(), qOverload<>(&QWidget::update));
    // The badges widen the name column by their own width, no more.
    connect(m_session, &TrainSession::changesUpdated, this, &TrainDocks::fitTree);
    connect(m_session, &TrainSession::changesUpdated, this, &TrainDocks::updateDiagramNotes);
    // The project's normalize applies to training as Run applies it.
    if (RunDocks* run = window->runDocks()) {
        RunController* controller = run->controller();
        const auto follow = [this, controller] {
            m_session->setNormalisation(controller->normalisationMean(), controller->normalisationStd());
        };
        connect(controller, &RunController::inputChanged, this, follow);
        follow();
    }
    connect(m_session, &TrainSession::weightsUpdated, this, &TrainDocks::weightsArrived);
    connect(m_session, &TrainSession::message, this, &TrainDocks::showMessage);
    connect(m_session, &TrainSession::stateChanged, this, [this](TrainSession::State s) {
        if (s == TrainSession::State::Running)
            showDock();
    });
}

// The panel and its dock are made on first use: until then the window is exactly as without them.
TrainPanel* TrainDocks::panel()
{
    if (m_panel)
        return m_panel;
    m_panel = new TrainPanel(m_session);
    QStringList names;
    for (const std::string& n : ml::fashionMnistClassNames())
        names << QString::fromStdString(n);
    m_panel->setClassNames(names);
    connect(m_panel, &TrainPanel::saveWeightsRequested, this, &TrainDocks::saveWeights);
    connect(m_panel, &TrainPanel::saveCheckpointRequested, this, &TrainDocks::saveCheckpoint);
    connect(m_panel, &TrainPanel::resumeRequested, this, &TrainDocks::chooseCheckpoint);
    m_panel->modelChanged();
    m_dock = new QDockWidget(QStringLiteral("Train"), m_window);
    m_dock->setObjectName(QStringLiteral("trainDock"));
    m_dock->hide();
    // In a scroll area: the panel never forces its size on the window (1200 pixels, classroom
    // mode's large type); a narrow dock scrolls instead.
    auto* scroll = new QScrollArea(m_dock);
    scroll->setWidget(m_panel);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_dock->setWidget(scroll);
    connect(m_dock, &QDockWidget::visibilityChanged, m_toggle, [this] { m_toggle->setChecked(m_dock->isVisible()); });
    return m_panel;
}

QDockWidget* TrainDocks::dock()
{
    panel();
    return m_dock;
}

void TrainDocks::showDock()
{
    panel();
    if (!m_placed) {
        m_placed = true;
        m_window->addDockWidget(Qt::RightDockWidgetArea, m_dock);
        if (auto* diagram = m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock")); diagram && diagram->isVisible())
            m_window->tabifyDockWidget(diagram, m_dock);
    }
    m_dock->show();
    m_dock->raise();
    giveRoom();
}

// Training wants the right column: the Train panel gets its height but for the Diagnostics
// panel's rows (only its header and the tabs beside it while it has none, a third at most), and
// the tree keeps every column whole when the Train panel can spare the width.
void TrainDocks::giveRoom()
{
    auto* diags = m_window->findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
    const int column = m_dock->height() + (diags ? diags->height() : 0);
    if (diags && diags->isVisible() && m_window->dockWidgetArea(diags) == m_window->dockWidgetArea(m_dock) &&
        !m_window->tabifiedDockWidgets(m_dock).contains(diags)) {
        const int rows = m_window->diagnosticsPanel()->fittingHeight() + diags->height() - diags->widget()->height();
        const int wanted = std::clamp(rows, diags->minimumSizeHint().height(), std::max(diags->minimumSizeHint().height(), column / 3));
        m_window->resizeDocks({m_dock, diags}, {column - wanted, wanted}, Qt::Vertical);
    }
    fitTree();
}

void TrainDocks::fitTree()
{
    m_window->fitTree(); // the Train panel, on show in the right column, gives what it can spare
}

void TrainDocks::showMessage(const QString& text)
{
    if (!text.isEmpty())
        m_window->statusBar()->showMessage(text, 8000);
}

// Any edit (one on the undo stack, or undoing one) changes the model under training: the copy
// being trained no longer matches it, so training stops and says so.
void TrainDocks::updateDiagramNotes()
{
    const QDockWidget* dock = m_window->findChild<QDockWidget*>(QStringLiteral("diagramDock"));
    auto* diagram = dock ? qobject_cast<DiagramView*>(dock->widget()) : nullptr;
    const ml::Module* root = m_window->document()->root();
    if (!diagram || !root)
        return;
    QHash<QString, DiagramNote> notes;
    for (const ml::NamedModule& nm : ml::namedModules(*root, true)) {
        const QString path = QString::fromStdString(nm.path);
        const WeightChangeDelegate::Badge b = m_delegate->badgeFor(path);
        if (!b.text.isEmpty())
            notes.insert(path, DiagramNote{b.text, b.tooltip, b.color});
    }
    diagram->setNotes(notes);
}

void TrainDocks::modelEdited()
{
    m_tree->viewport()->update();
    updateDiagramNotes();
    if (m_panel)
        m_panel->modelChanged();
    if (!m_session->isActive())
        return;
    const QUndoStack* stack = m_window->document()->undoStack();
    const QString what = stack->index() > 0 ? stack->text(stack->index() - 1) : QStringLiteral("an undo");
    m_session->stop(QStringLiteral("Training stopped: the model was edited (%1). The weights trained so far stay; "
                                   "start again to train the edited model.")
                        .arg(what));
}

void TrainDocks::weightsArrived()
{
    const qint64 step = m_session->steps().empty() ? 0 : m_session->steps().back().step;
    if (RunDocks* run = m_window->runDocks())
        run->controller()->weightsReplaced(QStringLiteral("trained, step %1").arg(step));
    m_tree->viewport()->update();
}

QString TrainDocks::setFrozen(const QString& dottedPath, bool frozen)
{
    Document* doc = m_window->document();
    ml::Module* m = doc->moduleAtDotted(dottedPath);
    if (!m)
        return QStringLiteral("%1: no such node").arg(dottedPath);
    if (!m->isRegistered())
        return QStringLiteral("%1 is inside a plain Python list: model.parameters() never yields it, so there is nothing "
                              "to freeze (use nn.ModuleList to register it)")
            .arg(dottedPath.isEmpty() ? QStringLiteral("model") : dottedPath);
    if (m->frozen() == frozen)
        return {};
    doc->undoStack()->push(new FreezeModule(doc, indexPathOf(m), frozen));
    return {};
}

void TrainDocks::showTreeMenu(const QPoint& pos)
{
    const QModelIndex index = m_tree->indexAt(pos);
    if (!index.isValid())
        return;
    const QString path = index.data(ModuleTreeModel::DottedPathRole).toString();
    const ml::Module* m = m_window->document()->moduleAtDotted(path);
    if (!m)
        return;
    QMenu menu(m_tree);
    QAction* freeze = menu.addAction(QStringLiteral("Freeze (requires_grad = False)"));
    freeze->setCheckable(true);
    freeze->setChecked(m->frozen());
    if (!m->isRegistered()) {
        freeze->setEnabled(false);
        freeze->setText(QStringLiteral("Freeze: a plain list's layers are never trained"));
    } else if (!m->frozen() && ml::isFrozen(*m)) {
        freeze->setEnabled(false);
        freeze->setText(QStringLiteral("Frozen with a module above it"));
    }
    connect(freeze, &QAction::triggered, this, [this, path](bool on) { showMessage(setFrozen(path, on)); });
    for (QAction* a : m_tree->actions())
        menu.addAction(a);
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

void TrainDocks::saveWeights()
{
    if (m_session->state() == TrainSession::State::Running) {
        showMessage(QStringLiteral("Pause or stop training first: the weights change with every step"));
        return;
    }
    RunDocks* run = m_window->runDocks();
    if (!run)
        return;
    const QString path = QFileDialog::getSaveFileName(m_window, QStringLiteral("Save trained weights"), QString(),
                                                      QStringLiteral("safetensors (*.safetensors);;PyTorch (*.pth *.pt)"));
    if (path.isEmpty())
        return;
    if (auto err = run->controller()->saveWeights(path))
        QMessageBox::warning(m_window, QStringLiteral("ModuleLab"), *err);
    else
        showMessage(QStringLiteral("Saved the trained weights to %1").arg(path));
}

void TrainDocks::saveCheckpoint()
{
    const QString path = QFileDialog::getSaveFileName(m_window, QStringLiteral("Save training checkpoint"), QString(),
                                                      QStringLiteral("ModuleLab checkpoint (*.safetensors)"));
    if (path.isEmpty())
        return;
    if (auto err = m_session->saveCheckpoint(path))
        QMessageBox::warning(m_window, QStringLiteral("ModuleLab"), *err);
    else
        showMessage(QStringLiteral("Saved a checkpoint (weights, optimizer state, epoch) to %1").arg(path));
}

void TrainDocks::chooseCheckpoint()
{
    const QString path = QFileDialog::getOpenFileName(m_window, QStringLiteral("Resume from checkpoint"), QString(),
                                                      QStringLiteral("ModuleLab checkpoint (*.safetensors)"));
    if (path.isEmpty())
        return;
    m_session->setResumeCheckpoint(path);
    showMessage(QStringLiteral("Start resumes from %1 (choose the optimizer it was saved with)").arg(path));
}

bool TrainDocks::trainSteps(int steps, int timeoutMs)
{
    if (!m_session->start(panel()->settings(), steps))
        return false;
    showDock();
    // The run pauses itself after the step; the window then has that step's results.
    const bool reached = m_session->waitUntil(
        [this] { return m_session->state() == TrainSession::State::Finished || m_session->pausedWithResults(); }, timeoutMs);
    if (!reached)
        m_session->pause();
    return reached;
}

TrainDocks::~TrainDocks() = default; // the dock is the window's child

TrainDocks* installTrainDocks(MainWindow* window)
{
    return new TrainDocks(window);
}

} // namespace ml::ui
