#pragma once

#include "app/train/trainsession.h"

#include <QWidget>

#include <array>
#include <memory>

class QChartView;
class QLabel;
class QLineSeries;
class QPushButton;
class QTableWidget;
class QChart;
class QValueAxis;

namespace ml {
class Module;
}

namespace ml::ui {

class TrainSettingsForm;

// The compare view's Train tab: both models, initialised from the same seed, trained on the
// same batches (the same shuffles) with the same optimizer; their loss curves (smoothed over
// raw) and test accuracies overlaid, and every layer's weight change side by side with the
// reason a layer cannot learn. Two TrainSessions drive the engine; this widget only shows what
// they report.
class CompareTraining : public QWidget {
    Q_OBJECT
public:
    explicit CompareTraining(QWidget* parent = nullptr);
    ~CompareTraining() override;

    // The models to train (copies are trained; the originals are not touched). Stops a run.
    void setModels(const ml::Module* a, const QString& labelA, const ml::Module* b, const QString& labelB);
    void setDataDirectory(const QString& dir);
    TrainSettings settings() const; // the same for both sides; always from the seed's initial weights
    void setSettings(const TrainSettings& s);
    bool start(int64_t pauseAfter = 0); // false when neither side can train (the reasons are shown); pauseAfter as TrainSession::start
    // Starts both and pauses each after `steps` steps (or when it ends); false on a timeout.
    bool trainSteps(int steps, int timeoutMs);
    void stop();
    bool isActive() const;
    TrainSession* session(int side) const { return m_sessions[static_cast<size_t>(side)]; }
    QLineSeries* lossCurve(int side) const { return m_raw[static_cast<size_t>(side)]; }
    QLineSeries* accuracyCurve(int side) const { return m_accuracy[static_cast<size_t>(side)]; }
    QTableWidget* layerTable() const { return m_layers; }
    QLabel* statusLabel() const { return m_status; }
    QChartView* lossView() const { return m_lossView; }
    QChartView* epochView() const { return m_epochView; } // test accuracy or test loss per epoch

    // As high as the status lines are at the width they have (they wrap), above charts tall
    // enough for their titles and labels in the panel's type.
    QSize minimumSizeHint() const override;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void refresh();
    void fitToType(); // the charts' least height follows the type (classroom mode's is larger)
    void fillLayers();
    void updateButtons();

    std::array<std::unique_ptr<ml::Module>, 2> m_models;
    std::array<QString, 2> m_labels;
    std::array<TrainSession*, 2> m_sessions{};
    std::array<QLineSeries*, 2> m_raw{};
    std::array<QLineSeries*, 2> m_smooth{};
    std::array<QLineSeries*, 2> m_accuracy{};
    std::array<QString, 2> m_messages;
    TrainSettingsForm* m_form;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QValueAxis* m_epochAxis = nullptr;
    QChart* m_epochChart = nullptr;
    QValueAxis* m_epochValue = nullptr; // test accuracy (%), or test loss for models trained against their input
    QTableWidget* m_layers;
    QChartView* m_lossView = nullptr;
    QChartView* m_epochView = nullptr;
    bool m_reconstruction = false; // both models trained against their input (autoencoders)
    int m_statusHeight = -1;       // the status lines' height at their width, when last asked
};

} // namespace ml::ui
