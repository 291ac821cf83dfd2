#include "app/train/trainsettingsform.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

#include <algorithm>
#include <utility>
#include <vector>

namespace ml::ui {

TrainSettingsForm::TrainSettingsForm(bool withLoss, int columns, QWidget* parent)
    : QWidget(parent)
    , m_optimizer(new QComboBox(this))
    , m_lr(new QDoubleSpinBox(this))
    , m_batch(new QSpinBox(this))
    , m_epochs(new QSpinBox(this))
    , m_seed(new QSpinBox(this))
{
    m_optimizer->addItem(QStringLiteral("SGD"), int(ml::OptimizerKind::Sgd));
    m_optimizer->addItem(QStringLiteral("Adam"), int(ml::OptimizerKind::Adam));
    m_optimizer->addItem(QStringLiteral("AdamW"), int(ml::OptimizerKind::AdamW));
    m_lr->setDecimals(5);
    m_lr->setRange(0.00001, 10.0);
    m_lr->setSingleStep(0.0001);
    m_batch->setRange(1, 4096);
    m_epochs->setRange(1, 1000);
    m_seed->setRange(0, 1 << 30);

    std::vector<std::pair<QString, QWidget*>> fields = {{QStringLiteral("Optimizer"), m_optimizer}, {QStringLiteral("lr"), m_lr}};
    if (withLoss) {
        m_loss = new QComboBox(this);
        m_loss->addItem(QStringLiteral("CrossEntropyLoss"), int(ml::LossKind::CrossEntropy));
        m_loss->addItem(QStringLiteral("NLLLoss"), int(ml::LossKind::Nll));
        m_loss->setToolTip(QStringLiteral("Fashion-MNIST's targets are class indices: CrossEntropyLoss on logits, NLLLoss on "
                                          "log_softmax outputs. MSELoss and BCEWithLogitsLoss take float targets "
                                          "(modulelab-cli train --data-tensors)."));
        fields.emplace_back(QStringLiteral("Loss"), m_loss);
    }
    fields.emplace_back(QStringLiteral("Batch"), m_batch);
    fields.emplace_back(QStringLiteral("Epochs"), m_epochs);
    fields.emplace_back(QStringLiteral("Seed"), m_seed);

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(3);
    columns = std::max(columns, 1);
    for (int k = 0; k < static_cast<int>(fields.size()); ++k) {
        auto* label = new QLabel(fields[static_cast<size_t>(k)].first, this);
        label->setBuddy(fields[static_cast<size_t>(k)].second);
        grid->addWidget(label, k / columns, (k % columns) * 2);
        grid->addWidget(fields[static_cast<size_t>(k)].second, k / columns, (k % columns) * 2 + 1);
    }
    for (int c = 0; c < columns; ++c)
        grid->setColumnStretch(c * 2 + 1, 1);

    setSettings(TrainSettings{});
    connect(m_optimizer, &QComboBox::currentIndexChanged, this, &TrainSettingsForm::optimizerChanged);
}

TrainSettings TrainSettingsForm::settings() const
{
    TrainSettings s;
    s.optimizer = static_cast<ml::OptimizerKind>(m_optimizer->currentData().toInt());
    s.lr = m_lr->value();
    s.batch = m_batch->value();
    s.epochs = m_epochs->value();
    s.seed = static_cast<quint64>(m_seed->value());
    if (m_loss)
        s.loss = static_cast<ml::LossKind>(m_loss->currentData().toInt());
    return s;
}

void TrainSettingsForm::setSettings(const TrainSettings& s)
{
    const QSignalBlocker block(m_optimizer);
    m_optimizer->setCurrentIndex(m_optimizer->findData(int(s.optimizer)));
    m_lr->setValue(s.lr);
    m_batch->setValue(s.batch);
    m_epochs->setValue(s.epochs);
    m_seed->setValue(static_cast<int>(s.seed));
    if (m_loss)
        m_loss->setCurrentIndex(m_loss->findData(int(s.loss)));
}

// The engine's default learning rate of the chosen optimizer (PyTorch's for Adam and AdamW).
void TrainSettingsForm::optimizerChanged()
{
    m_lr->setValue(ml::defaultOptimizerOptions(static_cast<ml::OptimizerKind>(m_optimizer->currentData().toInt())).lr);
}

} // namespace ml::ui
