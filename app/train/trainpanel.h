#pragma once

#include "app/train/trainsession.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;
class QToolButton;

namespace ml::ui {

class ConfusionView;
class TrainCharts;
class TrainSettingsForm;

// The Train panel: optimizer, learning rate, batch size, epochs, seed and loss; Start,
// Pause/Resume and Stop; live curves, the weight change of every layer with the reason when it
// cannot change, and the test set's confusion matrix. Saves the trained weights and training
// checkpoints (and resumes from one). Wiring only: the TrainSession drives the engine.
class TrainPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainPanel(TrainSession* session, QWidget* parent = nullptr);

    TrainSettings settings() const;
    void setSettings(const TrainSettings& s);
    void setClassNames(const QStringList& names);

    QPushButton* startButton() const { return m_start; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* stopButton() const { return m_stop; }
    QTableWidget* layerTable() const { return m_layers; }
    ConfusionView* confusion() const { return m_confusion; }
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

    TrainSession* m_session;
    TrainSettingsForm* m_form;
    QCheckBox* m_scratch;
    QPushButton* m_start;
    QPushButton* m_pause;
    QPushButton* m_stop;
    QToolButton* m_save;
    QProgressBar* m_progress;
    QLabel* m_status;
    QTabWidget* m_tabs;
    TrainCharts* m_charts;
    QTableWidget* m_layers;
    ConfusionView* m_confusion;
};

} // namespace ml::ui
