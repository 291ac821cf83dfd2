#include "app/ui/modelchoicedialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QStringList>
#include <QVBoxLayout>

namespace ml::ui {

namespace {

using ml::python::ModelChoice;
using ml::python::ModelChoiceParam;

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString paramLabel(const ModelChoiceParam& p)
{
    return (p.varArgs ? QStringLiteral("*") : p.varKwargs ? QStringLiteral("**") : QString()) + qs(p.name);
}

// "Net(in_channels, num_classes=10)", "resnet18(**kwargs)", "model".
QString signature(const ModelChoice& c)
{
    if (c.kind == ModelChoice::Kind::Variable)
        return qs(c.name);
    QStringList params;
    for (const ModelChoiceParam& p : c.params)
        params << paramLabel(p) + (p.defaultSource.empty() ? QString() : QLatin1Char('=') + qs(p.defaultSource));
    return QStringLiteral("%1(%2)").arg(qs(c.name), params.join(QStringLiteral(", ")));
}

QString kindText(const ModelChoice& c)
{
    switch (c.kind) {
    case ModelChoice::Kind::Variable:
        return QStringLiteral("the model the file creates at line %1").arg(c.line);
    case ModelChoice::Kind::Class:
        return QStringLiteral("class, line %1").arg(c.line);
    case ModelChoice::Kind::Function:
        return QStringLiteral("factory function, line %1").arg(c.line);
    }
    return {};
}

bool required(const ModelChoiceParam& p)
{
    return p.defaultSource.empty() && !p.varArgs && !p.varKwargs;
}

} // namespace

ModelChoiceDialog::ModelChoiceDialog(const QString& fileName, std::vector<ml::python::ModelChoice> choices,
                                     const QString& reason, QWidget* parent)
    : QDialog(parent)
    , m_choices(std::move(choices))
    , m_list(new QListWidget(this))
    , m_paramsTitle(new QLabel(this))
    , m_paramsBox(new QWidget(this))
    , m_params(new QFormLayout(m_paramsBox))
    , m_error(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Which model to build?"));
    auto* intro = new QLabel(QStringLiteral("%1 can build these models. Choose one and give its arguments as Python "
                                            "writes them (10, 'relu', [64, 128], nn.ReLU).")
                                 .arg(QFileInfo(fileName).fileName()),
                             this);
    intro->setWordWrap(true);
    for (const ModelChoice& c : m_choices) {
        auto* item = new QListWidgetItem(QStringLiteral("%1    — %2").arg(signature(c), kindText(c)), m_list);
        item->setToolTip(kindText(c));
    }
    m_list->setMinimumWidth(420);
    m_paramsTitle->setWordWrap(true);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #c02020;"));
    showError(reason);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Open)->setText(QStringLiteral("Build"));
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const ModelChoice* c = current();
        if (!c) {
            showError(QStringLiteral("Choose what to build"));
            return;
        }
        for (const auto& [param, edit] : m_fields)
            if (required(*param) && edit->text().trimmed().isEmpty()) {
                showError(QStringLiteral("%1 needs a value for '%2'").arg(qs(c->name), qs(param->name)));
                edit->setFocus();
                return;
            }
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QListWidget::currentRowChanged, this, &ModelChoiceDialog::showParams);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_paramsTitle);
    layout->addWidget(m_paramsBox);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    // The model the file creates, else the last class or factory (the model usually comes
    // after the blocks it is made of).
    int preferred = static_cast<int>(m_choices.size()) - 1;
    for (int k = 0; k < static_cast<int>(m_choices.size()); ++k)
        if (m_choices[static_cast<size_t>(k)].kind == ModelChoice::Kind::Variable)
            preferred = k;
    m_list->setCurrentRow(preferred);
}

const ModelChoice* ModelChoiceDialog::current() const
{
    const int row = m_list->currentRow();
    return row >= 0 && row < static_cast<int>(m_choices.size()) ? &m_choices[static_cast<size_t>(row)] : nullptr;
}

void ModelChoiceDialog::showParams()
{
    while (m_params->rowCount() > 0)
        m_params->removeRow(0);
    m_fields.clear();
    const ModelChoice* c = current();
    if (!c) {
        m_paramsTitle->clear();
        return;
    }
    if (c->kind == ModelChoice::Kind::Variable) {
        m_paramsTitle->setText(QStringLiteral("<b>%1</b> is built by the file's own code, with its arguments.").arg(qs(c->name).toHtmlEscaped()));
        return;
    }
    m_paramsTitle->setText(c->params.empty() ? QStringLiteral("<b>%1</b> takes no arguments.").arg(qs(c->name).toHtmlEscaped())
                                             : QStringLiteral("Arguments of <b>%1</b> (empty: the default):").arg(qs(c->name).toHtmlEscaped()));
    for (const ModelChoiceParam& p : c->params) {
        auto* edit = new QLineEdit(m_paramsBox);
        edit->setObjectName(qs(p.name));
        if (p.varArgs)
            edit->setPlaceholderText(QStringLiteral("more positional values: 1, 2"));
        else if (p.varKwargs)
            edit->setPlaceholderText(QStringLiteral("keyword arguments: num_classes=10"));
        else if (p.defaultSource.empty())
            edit->setPlaceholderText(QStringLiteral("required"));
        else
            edit->setPlaceholderText(QStringLiteral("default: %1").arg(qs(p.defaultSource)));
        m_params->addRow(paramLabel(p), edit);
        m_fields.emplace_back(&p, edit);
    }
}

ml::python::ImportOptions ModelChoiceDialog::options() const
{
    ml::python::ImportOptions options;
    const ModelChoice* c = current();
    if (!c)
        return options;
    options.className = c->name;
    // Parameters before a filled *args go by position (Python fills them first); the others by
    // keyword, so that an empty field keeps its default.
    bool varArgsFilled = false;
    for (const auto& [param, edit] : m_fields)
        varArgsFilled |= param->varArgs && !edit->text().trimmed().isEmpty();
    QStringList args;
    bool beforeVarArgs = true;
    for (const auto& [param, edit] : m_fields) {
        const QString text = edit->text().trimmed();
        if (param->varArgs)
            beforeVarArgs = false;
        if (text.isEmpty())
            continue;
        if (param->varArgs || param->varKwargs || (varArgsFilled && beforeVarArgs))
            args << text;
        else
            args << QStringLiteral("%1=%2").arg(qs(param->name), text);
    }
    options.args = args.join(QStringLiteral(", ")).toStdString();
    return options;
}

void ModelChoiceDialog::showError(const QString& error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

QString ModelChoiceDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

bool ModelChoiceDialog::choose(const QString& name)
{
    for (int k = 0; k < static_cast<int>(m_choices.size()); ++k)
        if (qs(m_choices[static_cast<size_t>(k)].name) == name) {
            m_list->setCurrentRow(k);
            return true;
        }
    return false;
}

QLineEdit* ModelChoiceDialog::field(const QString& param) const
{
    for (const auto& [p, edit] : m_fields)
        if (qs(p->name) == param)
            return edit;
    return nullptr;
}

int ModelChoiceDialog::choiceCount() const
{
    return static_cast<int>(m_choices.size());
}

} // namespace ml::ui
