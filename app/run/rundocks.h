#pragma once

#include "app/document/forwardrecording.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QAbstractItemView;
class QDockWidget;
class QLabel;
class QMainWindow;
class QMenu;

namespace ml {
class Tensor;
}

namespace ml::ui {

class ActivationView;
class DiagramView;
class Document;
class PredictionChart;
class RunController;
class RunPanel;
class SamplesPanel;

// The forward-pass workbench added to the main window: Samples, Run, Activations and
// Predictions docks, a Run menu, the weights' origin in the status bar, thumbnails and the
// running node on the diagram. Wiring only: the RunController does the work.
class RunDocks : public QObject {
    Q_OBJECT
public:
    using SelectPath = std::function<void(const QString&)>;
    // tree: the module tree view (its model has ModuleTreeModel's DottedPathRole); diagram may
    // be null. selectPath selects a node in the tree (used while stepping).
    RunDocks(QMainWindow* window, Document* document, QAbstractItemView* tree, DiagramView* diagram, QMenu* viewMenu,
             SelectPath selectPath);
    ~RunDocks() override;

    void modelOpened(); // loads the weights that ship with the document's model
    void setQuiet(bool quiet);
    void raise(); // brings the run docks to the front

    RunController* controller() const { return m_controller; }
    SamplesPanel* samples() const { return m_samples; }
    RunPanel* runPanel() const { return m_panel; }
    ActivationView* activations() const { return m_activations; }
    PredictionChart* predictions() const { return m_predictions; }
    QString selectedPath() const { return m_selectedPath; }

private:
    void setSelectedPath(const QString& path);
    void showResult();
    void showActivations();
    QStringList outputNames(const ml::Tensor& values) const;
    void showStep();

    QMainWindow* m_window;
    RunController* m_controller;
    SamplesPanel* m_samples;
    RunPanel* m_panel;
    ActivationView* m_activations;
    PredictionChart* m_predictions;
    DiagramView* m_diagram;
    QLabel* m_weightsStatus;
    QDockWidget* m_samplesDock = nullptr;
    QDockWidget* m_runDock = nullptr;
    QDockWidget* m_activationsDock = nullptr;
    QDockWidget* m_predictionsDock = nullptr;
    SelectPath m_selectPath;
    QString m_selectedPath;
    bool m_following = false; // the tree selection follows the step-through
    ForwardCall m_rootCall;   // the model's chosen output, when it returns several
};

} // namespace ml::ui
