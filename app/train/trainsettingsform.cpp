#include "app/train/trainsettingsform.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>

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
        m_target = new QComboBox(this);
        m_target->addItem(QStringLiteral("class labels"), int(ml::TargetKind::Classes));
        m_target->addItem(QStringLiteral("the input image (reconstruction)"), int(ml::TargetKind::Input));
        m_target->setToolTip(QStringLiteral("What the loss compares the output with: Fashion-MNIST's class labels, or the input "
                                            "picture itself (loss(model(x), x)), offered when the model's output has its "
                                            "input's shape, as an autoencoder's does"));
        m_loss = new QComboBox(this);
        for (ml::LossKind k : {ml::LossKind::CrossEntropy, ml::LossKind::Nll, ml::LossKind::Mse, ml::LossKind::BceWithLogits})
            m_loss->addItem(QString::fromStdString(ml::lossClassName(k)), int(k));
        m_loss->setToolTip(QStringLiteral("Against class labels: CrossEntropyLoss on logits, NLLLoss on log_softmax outputs. "
                                          "Against the input image: MSELoss, or BCEWithLogitsLoss on logits."));
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
    if (m_target) { // on a row of its own: its choices are long
        const int row = (static_cast<int>(fields.size()) + columns - 1) / columns;
        auto* label = new QLabel(QStringLiteral("Target"), this);
        label->setBuddy(m_target);
        grid->addWidget(label, row, 0);
        grid->addWidget(m_target, row, 1, 1, columns * 2 - 1);
        // Which of several outputs the loss is computed on: shown for such a model only.
        m_output = new QComboBox(this);
        m_output->setToolTip(QStringLiteral("The model's forward returns several tensors: in PyTorch the training loop "
                                            "picks the one the loss is computed on (out.logits, out[1]); only that one "
                                            "gets a gradient"));
        auto* outputLabel = new QLabel(QStringLiteral("Output"), this);
        outputLabel->setBuddy(m_output);
        m_outputLabel = outputLabel;
        grid->addWidget(outputLabel, row + 1, 0);
        grid->addWidget(m_output, row + 1, 1, 1, columns * 2 - 1);
        m_output->hide();
        outputLabel->hide();
    }
    for (int c = 0; c < columns; ++c)
        grid->setColumnStretch(c * 2 + 1, 1);

    setSettings(TrainSettings{});
    if (m_target)
        setReconstructionAvailable(false);
    connect(m_optimizer, &QComboBox::currentIndexChanged, this, &TrainSettingsForm::optimizerChanged);
    connect(m_batch, &QSpinBox::valueChanged, this, &TrainSettingsForm::batchChanged);
    if (m_target)
        connect(m_target, &QComboBox::currentIndexChanged, this, &TrainSettingsForm::targetChanged);
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
    if (m_target)
        s.target = static_cast<ml::TargetKind>(m_target->currentData().toInt());
    if (m_output && m_output->count() > 0)
        s.output = m_output->currentData().toString();
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
    if (m_target) {
        const QSignalBlocker blockTarget(m_target);
        m_target->setCurrentIndex(m_target->findData(int(s.target)));
    }
    if (m_output && !s.output.isEmpty() && m_output->findData(s.output) >= 0)
        m_output->setCurrentIndex(m_output->findData(s.output));
}

void TrainSettingsForm::setOutputChoices(const std::vector<std::pair<QString, QString>>& choices)
{
    if (!m_output)
        return;
    const QString current = m_output->currentData().toString();
    m_output->clear();
    for (const auto& [name, label] : choices)
        m_output->addItem(label, name);
    if (m_output->findData(current) >= 0)
        m_output->setCurrentIndex(m_output->findData(current));
    m_output->setVisible(!choices.empty());
    m_outputLabel->setVisible(!choices.empty());
}

void TrainSettingsForm::setReconstructionAvailable(bool available)
{
    if (!m_target || m_reconstructionAvailable == int(available))
        return;
    m_reconstructionAvailable = int(available);
    auto* model = qobject_cast<QStandardItemModel*>(m_target->model());
    if (QStandardItem* item = model ? model->item(m_target->findData(int(ml::TargetKind::Input))) : nullptr) {
        item->setEnabled(available);
        item->setToolTip(available ? QString()
                                   : QStringLiteral("The model's output does not have its input's shape [N, 1, 28, 28]: "
                                                    "only such a model (an autoencoder) can be trained against its input"));
    }
    m_target->setCurrentIndex(m_target->findData(int(available ? ml::TargetKind::Input : ml::TargetKind::Classes)));
    targetChanged();
}

// The loss that suits the target: MSELoss against the input, CrossEntropyLoss against labels.
void TrainSettingsForm::targetChanged()
{
    const auto target = static_cast<ml::TargetKind>(m_target->currentData().toInt());
    const auto loss = static_cast<ml::LossKind>(m_loss->currentData().toInt());
    if (ml::lossTakesClasses(loss) == (target == ml::TargetKind::Input))
        m_loss->setCurrentIndex(m_loss->findData(int(ml::defaultLossFor(target))));
}

// The engine's default learning rate of the chosen optimizer (PyTorch's for Adam and AdamW).
void TrainSettingsForm::optimizerChanged()
{
    m_lr->setValue(ml::defaultOptimizerOptions(static_cast<ml::OptimizerKind>(m_optimizer->currentData().toInt())).lr);
}

} // namespace ml::ui
