#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace ml::ui {

class RunController;

// Weights (origin, load, save, re-initialise with a seed), Run / Cancel with progress and the
// stale warning, and the classroom step-through: Step, Play, Reset with the call going in and out.
class RunPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunPanel(RunController* controller, QWidget* parent = nullptr);

    bool loadWeightsFile(const QString& path); // a dialog lists every mismatch unless quiet
    void setQuiet(bool quiet) { m_quiet = quiet; }

    QPushButton* runButton() const { return m_run; }
    QPushButton* cancelButton() const { return m_cancel; }
    QPushButton* stepButton() const { return m_step; }
    QLabel* weightsLabel() const { return m_weights; }
    QLabel* stepLabel() const { return m_stepText; }
    QLabel* staleLabel() const { return m_stale; }
    QLabel* statusLabel() const { return m_status; } // what the last run, load or save did
    QProgressBar* progress() const { return m_progress; }
    // A model that returns several tensors: which one Predictions and Activations show.
    QComboBox* outputChoice() const { return m_outputChoice; }
    // For a model whose input is not a picture: random or typed values.
    QGroupBox* inputBox() const { return m_inputBox; }
    QLineEdit* typedValuesEdit() const { return m_typedValues; }
    QRadioButton* typedChoice() const { return m_typedChoice; }
    QString inputError() const;

protected:
    // Weights files (.safetensors, .pt, .pth, ...) dropped on the panel are loaded.
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void updateRunState();
    void updateInputBox();
    void applyTypedValues();
    void updateStep();
    void updateOutputChoice();
    void loadWeights();
    void saveWeights();

    RunController* m_controller;
    QLabel* m_weights;
    QSpinBox* m_seed;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QCheckBox* m_auto;
    QProgressBar* m_progress;
    QLabel* m_stale;
    QLabel* m_status;
    QLabel* m_outputLabel;
    QComboBox* m_outputChoice;
    QPushButton* m_step;
    QPushButton* m_play;
    QPushButton* m_reset;
    QLabel* m_stepText;
    QLabel* m_stepIn;
    QLabel* m_stepOut;
    QGroupBox* m_inputBox;
    QLabel* m_inputShape;
    QRadioButton* m_randomChoice;
    QRadioButton* m_typedChoice;
    QLineEdit* m_typedValues;
    QLabel* m_inputError;
    bool m_quiet = false;
};

} // namespace ml::ui
