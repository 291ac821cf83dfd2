#pragma once

#include "app/train/trainsession.h"

#include <QWidget>

#include <utility>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace ml::ui {

// The training settings a user picks: optimizer, learning rate, batch size, epochs, seed and
// (when asked for) the loss, read from and written to TrainSettings. The Train panel and the
// compare view's Train tab both show it. Choosing an optimizer sets PyTorch's default learning
// rate for it. `columns` label-and-field pairs per row.
class TrainSettingsForm : public QWidget {
    Q_OBJECT
public:
    TrainSettingsForm(bool withLoss, int columns, QWidget* parent = nullptr);

    // The fields' values; what the form does not show (fromScratch, and the loss without its
    // field) keeps TrainSettings' defaults.
    TrainSettings settings() const;
    void setSettings(const TrainSettings& s);

    // Whether the model's output has its input's shape: then the target "the input image
    // (reconstruction)" is offered and chosen with MSELoss; otherwise class labels with
    // CrossEntropyLoss. Only with the loss field; the choice changes only when the answer does.
    void setReconstructionAvailable(bool available);
    // The model's several outputs ({name, label}, TrainSession::outputChoices): an "Output" field
    // to choose the one the loss is computed on, shown only when there are several.
    void setOutputChoices(const std::vector<std::pair<QString, QString>>& choices);
    QComboBox* outputBox() const { return m_output; }
    QComboBox* targetBox() const { return m_target; }
    QComboBox* lossBox() const { return m_loss; }
    QSpinBox* batchBox() const { return m_batch; }
    int columns() const { return m_columns; } // label-and-field pairs a row now

    QSize minimumSizeHint() const override;

signals:
    void batchChanged(int batch); // the output shapes the Output field shows depend on it

protected:
    // Fewer pairs a row (down to two) when the form is narrower than `columns` of them need.
    void resizeEvent(QResizeEvent* event) override;

private:
    void arrange(int columns);
    int widthFor(int columns) const; // the least width of `columns` pairs a row
    void optimizerChanged();
    void targetChanged();

    QComboBox* m_optimizer;
    QDoubleSpinBox* m_lr;
    QSpinBox* m_batch;
    QSpinBox* m_epochs;
    QSpinBox* m_seed;
    QComboBox* m_loss = nullptr;
    QComboBox* m_target = nullptr;
    QComboBox* m_output = nullptr;
    QWidget* m_outputLabel = nullptr;
    int m_reconstructionAvailable = -1; // unknown, no, yes
    std::vector<std::pair<QLabel*, QWidget*>> m_pairs; // label and field, in reading order
    std::vector<std::pair<QLabel*, QWidget*>> m_wide;  // Target and Output: a row each, across
    int m_maxColumns = 1;
    int m_columns = 1;
};

} // namespace ml::ui
