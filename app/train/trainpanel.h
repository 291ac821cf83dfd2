#pragma once

#include "app/train/trainsession.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace ml::ui {

class ConfusionView;
class ReconstructionView;
class TrainCharts;
class TrainSettingsForm;

// The Train panel: optimizer, learning rate, batch size, epochs, seed and loss; Start,
// Pause/Resume and Stop; live curves, the weight change of every layer with the reason when it
// cannot change, and the test set's confusion matrix (or, for a model trained against its input,
// test images with their reconstructions). Saves the trained weights and training
// checkpoints (and resumes from one). Wiring only: the TrainSession drives the engine.
class TrainPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainPanel(TrainSession* session, QWidget* parent = nullptr);

    TrainSettings settings() const;
    void setSettings(const TrainSettings& s);
    void setClassNames(const QStringList& names);
    // The model was opened or edited: offers training against the input when its output has
    // the input's shape (and chooses it), class labels otherwise.
    void modelChanged();

    QPushButton* startButton() const { return m_start; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* saveButton() const { return m_save; }
    QMenu* saveMenu() const { return m_saveMenu; }

    int heightForWidth(int width) const override;
    QTableWidget* layerTable() const { return m_layers; }
    ConfusionView* confusion() const { return m_confusion; }
    ReconstructionView* reconstructions() const { return m_recon; }
    TrainSettingsForm* form() const { return m_form; }
    TrainCharts* charts() const { return m_charts; }
    QTabWidget* tabs() const { return m_tabs; }
    QLabel* statusLabel() const { return m_status; }

signals:
    void saveWeightsRequested();
    void saveCheckpointRequested();
    void resumeRequested();

private:
    void updateButtons();
    void updateProgress();
    void fillLayers();
    void showResultTab(); // the confusion matrix, or the reconstructions when trained against the input
    void showOutputChoices(); // the model's outputs, shaped for the chosen batch
    void showReconstructions(); // the session's newest pictures, with the step and the test loss

    TrainSession* m_session;
    TrainSettingsForm* m_form;
    QCheckBox* m_scratch;
    QPushButton* m_start;
    QPushButton* m_pause;
    QPushButton* m_stop;
    QPushButton* m_save; // opens m_saveMenu: weights, checkpoint, resume
    QMenu* m_saveMenu;
    QProgressBar* m_progress;
    QLabel* m_status;
    QTabWidget* m_tabs;
    TrainCharts* m_charts;
    QTableWidget* m_layers;
    ConfusionView* m_confusion;
    ReconstructionView* m_recon;
};

} // namespace ml::ui
