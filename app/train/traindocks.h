#pragma once

#include <QObject>

class QDockWidget;
class QTreeView;

namespace ml::ui {

class MainWindow;
class TrainPanel;
class TrainSession;
class WeightChangeDelegate;

// Training in the main window, installed by one call from its constructor: the Train dock, the
// weight-change badges in the module tree, Freeze/Unfreeze in the tree's context menu (an
// undoable command), Run following the newest weights, and training stopped by any edit.
class TrainDocks : public QObject {
    Q_OBJECT
public:
    explicit TrainDocks(MainWindow* window);

    TrainSession* session() const { return m_session; }
    TrainPanel* panel() const { return m_panel; }
    QDockWidget* dock() const { return m_dock; }
    // Freezes (or unfreezes) the node at the dotted path through the undo stack; the message
    // says why not when it cannot be frozen.
    QString setFrozen(const QString& dottedPath, bool frozen);
    // Trains `steps` steps with the panel's settings and pauses (for screenshots); false on failure.
    bool trainSteps(int steps, int timeoutMs);

private:
    void showTreeMenu(const QPoint& pos);
    void modelEdited();
    void weightsArrived();
    void saveWeights();
    void saveCheckpoint();
    void chooseCheckpoint();
    void showMessage(const QString& text);

    MainWindow* m_window;
    TrainSession* m_session;
    TrainPanel* m_panel;
    QDockWidget* m_dock;
    QTreeView* m_tree;
    WeightChangeDelegate* m_delegate;
};

TrainDocks* installTrainDocks(MainWindow* window);

} // namespace ml::ui
