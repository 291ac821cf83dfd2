#pragma once

#include <QObject>

class QAction;
class QDockWidget;
class QTreeView;

namespace ml::ui {

class MainWindow;
class TrainPanel;
class TrainSession;
class WeightChangeDelegate;

// Training in the main window, installed by one call from its constructor: the Train dock, the
// weight-change badges in the module tree, Freeze/Unfreeze in the tree's context menu (an
// undoable command) and on the diagram's layer boxes, Run following the newest weights, and
// training stopped by any edit.
class TrainDocks : public QObject {
    Q_OBJECT
public:
    explicit TrainDocks(MainWindow* window);
    ~TrainDocks() override;

    TrainSession* session() const { return m_session; }
    TrainPanel* panel();  // made on first use
    QDockWidget* dock(); // in the window's layout once View → Train or a run shows it
    void showDock();     // as View → Train does: beside the diagram, in front
    // Freezes (or unfreezes) the node at the dotted path through the undo stack; the message
    // says why not when it cannot be frozen.
    QString setFrozen(const QString& dottedPath, bool frozen);
    // Trains `steps` steps with the panel's settings and pauses (for screenshots); false on failure.
    bool trainSteps(int steps, int timeoutMs);

private:
    void giveRoom(); // the right column's height for the Train panel, the tree's columns whole
    void fitTree();
    void showTreeMenu(const QPoint& pos);
    void modelEdited();
    void updateDiagramNotes(); // the tree's badges, on the diagram's layer boxes
    void weightsArrived();
    void saveWeights();
    void saveCheckpoint();
    void chooseCheckpoint();
    void showMessage(const QString& text);

    MainWindow* m_window;
    TrainSession* m_session;
    TrainPanel* m_panel = nullptr;
    QDockWidget* m_dock = nullptr;
    QAction* m_toggle = nullptr;
    QTreeView* m_tree;
    WeightChangeDelegate* m_delegate;
    bool m_placed = false;
};

TrainDocks* installTrainDocks(MainWindow* window);

} // namespace ml::ui
