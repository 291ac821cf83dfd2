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
    for (const auto& [text, field] : fields) {
        auto* label = new QLabel(text, this);
        label->setBuddy(field);
        m_pairs.emplace_back(label, field);
    }
    if (m_target) { // on rows of their own: their choices are long
        auto* label = new QLabel(QStringLiteral("Target"), this);
        label->setBuddy(m_target);
        m_wide.emplace_back(label, m_target);
        // Which of several outputs the loss is computed on: shown for such a model only.
        m_output = new QComboBox(this);
        m_output->setToolTip(QStringLiteral("The model's forward returns several tensors: in PyTorch the training loop "
                                            "picks the one the loss is computed on (out.logits, out[1]); only that one "
                                            "gets a gradient. Each is shown with its shape for the chosen batch size."));
        auto* outputLabel = new QLabel(QStringLiteral("Output"), this);
        outputLabel->setBuddy(m_output);
        m_outputLabel = outputLabel;
        m_wide.emplace_back(outputLabel, m_output);
        m_output->hide();
        outputLabel->hide();
    }
    m_maxColumns = std::max(columns, 1);
    arrange(m_maxColumns);

    setSettings(TrainSettings{});
    if (m_target)
        setReconstructionAvailable(false);
    connect(m_optimizer, &QComboBox::currentIndexChanged, this, &TrainSettingsForm::optimizerChanged);
    connect(m_batch, &QSpinBox::valueChanged, this, &TrainSettingsForm::batchChanged);
    if (m_target)
        connect(m_target, &QComboBox::currentIndexChanged, this, &TrainSettingsForm::targetChanged);
}

void TrainSettingsForm::arrange(int columns)
{
    auto* grid = static_cast<QGridLayout*>(layout());
    for (const auto* list : {&m_pairs, &m_wide})
        for (const auto& [label, field] : *list) {
            grid->removeWidget(label);
            grid->removeWidget(field);
        }
    for (int c = 0; c < 2 * m_maxColumns; ++c)
        grid->setColumnStretch(c, 0);
    for (int k = 0; k < static_cast<int>(m_pairs.size()); ++k) {
        grid->addWidget(m_pairs[static_cast<size_t>(k)].first, k / columns, (k % columns) * 2);
        grid->addWidget(m_pairs[static_cast<size_t>(k)].second, k / columns, (k % columns) * 2 + 1);
    }
    const int row = (static_cast<int>(m_pairs.size()) + columns - 1) / columns;
    for (int k = 0; k < static_cast<int>(m_wide.size()); ++k) {
        grid->addWidget(m_wide[static_cast<size_t>(k)].first, row + k, 0);
        grid->addWidget(m_wide[static_cast<size_t>(k)].second, row + k, 1, 1, columns * 2 - 1);
    }
    for (int c = 0; c < columns; ++c)
        grid->setColumnStretch(c * 2 + 1, 1);
    m_columns = columns;
    updateGeometry();
}

int TrainSettingsForm::widthFor(int columns) const
{
    std::vector<int> labels(static_cast<size_t>(columns), 0), fields(static_cast<size_t>(columns), 0);
    for (size_t k = 0; k < m_pairs.size(); ++k) {
        const size_t c = k % static_cast<size_t>(columns);
        labels[c] = std::max(labels[c], m_pairs[k].first->minimumSizeHint().width());
        fields[c] = std::max(fields[c], m_pairs[k].second->minimumSizeHint().width());
    }
    const int space = static_cast<QGridLayout*>(layout())->horizontalSpacing();
    int width = space * (2 * columns - 1);
    for (int c = 0; c < columns; ++c)
        width += labels[static_cast<size_t>(c)] + fields[static_cast<size_t>(c)];
    for (const auto& [label, field] : m_wide) // the label in the first column, the field across the rest
        if (!field->isHidden())
            width = std::max(width, std::max(labels[0], label->minimumSizeHint().width()) + space + field->minimumSizeHint().width());
    return width;
}

QSize TrainSettingsForm::minimumSizeHint() const
{
    // As narrow as two fields a row make it: a narrower panel puts them on more rows.
    QSize least = QWidget::minimumSizeHint();
    least.setWidth(std::min(least.width(), widthFor(std::min(m_maxColumns, 2))));
    return least;
}

void TrainSettingsForm::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    int fit = m_maxColumns;
    while (fit > 2 && widthFor(fit) > width())
        --fit;
    if (fit != m_columns)
        arrange(fit);
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
