#pragma once

#include "app/train/trainsession.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
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

private:
    void optimizerChanged();

    QComboBox* m_optimizer;
    QDoubleSpinBox* m_lr;
    QSpinBox* m_batch;
    QSpinBox* m_epochs;
    QSpinBox* m_seed;
    QComboBox* m_loss = nullptr;
};

} // namespace ml::ui
