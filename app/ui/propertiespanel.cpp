#include "app/ui/propertiespanel.h"

#include "app/document/forwardtext.h"

#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/argeditor.h"
#include "app/ui/forwardeditor.h"
#include "app/ui/forwardwiring.h"
#include "engine/layer.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QVBoxLayout>

namespace ml::ui {

PropertiesPanel::PropertiesPanel(Document* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_inputShape(new QLineEdit(this))
    , m_inputError(new QLabel(this))
    , m_title(new QLabel(this))
{
    auto* layout = new QVBoxLayout(this);
    auto* shapeForm = new QFormLayout;
    m_inputShape->setToolTip(QStringLiteral("The shape of the tensor passed to the model's forward, e.g. 1, 1, 28, 28"));
    shapeForm->addRow(QStringLiteral("Input shape"), m_inputShape);
    layout->addLayout(shapeForm);
    m_inputError->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_inputError->setWordWrap(true);
    m_inputError->hide();
    layout->addWidget(m_inputError);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the fields fit the panel's width
    auto* holder = new QWidget(scroll);
    m_bodyLayout = new QVBoxLayout(holder);
    m_bodyLayout->setContentsMargins(0, 0, 0, 0);
    scroll->setWidget(holder);
    layout->addWidget(scroll, 1);

    connect(m_inputShape, &QLineEdit::editingFinished, this, &PropertiesPanel::applyInputShape);
    connect(document, &Document::analysisUpdated, this, [this] {
        if (!m_inputShape->hasFocus() && m_inputError->isHidden()) {
            QStringList dims;
            for (int64_t d : m_document->inputShape().dims())
                dims << QString::number(d);
            m_inputShape->setText(dims.join(QStringLiteral(", ")));
        }
        if (current() != m_shown)
            rebuild();
        else
            refreshValues();
    });
    connect(document, &Document::documentReset, this, [this] { setCurrent({}); });
    rebuild();
}

ml::Module* PropertiesPanel::current() const
{
    return m_current.isValid() ? m_document->treeModel()->moduleOf(m_current) : nullptr;
}

void PropertiesPanel::setCurrent(const QModelIndex& treeIndex)
{
    m_current = treeIndex.siblingAtColumn(0);
    rebuild();
}

QString PropertiesPanel::inputShapeError() const
{
    return m_inputError->isHidden() ? QString() : m_inputError->text();
}

void PropertiesPanel::applyInputShape()
{
    std::vector<int64_t> dims;
    QString problem;
    for (const QString& part : m_inputShape->text().split(QRegularExpression(QStringLiteral("[,x\\s\\[\\]()]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong d = part.toLongLong(&ok);
        if (!ok || d <= 0) {
            problem = QStringLiteral("'%1' is not a positive dimension").arg(part);
            break;
        }
        dims.push_back(d);
    }
    if (problem.isEmpty())
        problem = ModuleEditor(m_document).setInputShape(ml::Shape(dims));
    m_inputError->setText(problem);
    m_inputError->setVisible(!problem.isEmpty());
}

void PropertiesPanel::rebuild()
{
    delete m_body;
    m_body = new QWidget;
    m_args.clear();
    m_forward = nullptr;
    m_bodyLayout->addWidget(m_body);
    m_shown = current();
    auto* layout = new QVBoxLayout(m_body);
    layout->setContentsMargins(0, 0, 0, 0);
    ml::Module* m = m_shown;
    if (!m) {
        m_title->setText(QStringLiteral("Select a node in the module tree to edit it."));
        layout->addStretch();
        return;
    }
    m_containerInfo = nullptr;
    refreshTitle();
    if (auto* layer = dynamic_cast<ml::Layer*>(m)) {
        auto* form = new QFormLayout;
        form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
        // A field that does not fit beside its name (track_running_stats, a value with None
        // beside it) goes under the name instead of past the panel's edge.
        form->setRowWrapPolicy(QFormLayout::WrapLongRows);
        for (const ml::ArgSpec& spec : layer->schema().args) {
            auto* editor = new ArgEditor(spec, m_body);
            editor->setValue(layer->arg(spec.name));
            const QString name = QString::fromUtf8(spec.name.data(), static_cast<qsizetype>(spec.name.size()));
            connect(editor, &ArgEditor::edited, this, [this, editor, name](const ml::ArgValue& v, bool merge) {
                editor->setError(ModuleEditor(m_document).setArg(indexPathOf(m_shown), name, v, merge));
            });
            auto* label = new QLabel(name + (spec.required ? QStringLiteral(" *") : QString()), m_body);
            label->setToolTip(QString::fromUtf8(spec.help.data(), static_cast<qsizetype>(spec.help.size())));
            form->addRow(label, editor);
            m_args.push_back(editor);
        }
        layout->addLayout(form);
        layout->addStretch();
    } else if (auto* custom = dynamic_cast<ml::CustomModule*>(m)) {
        m_forward = new ForwardEditor(m_body);
        connect(m_forward, &ForwardEditor::programEdited, this,
                [this](const ml::ForwardProgram& p, bool merge, const QString& text) {
                    ModuleEditor(m_document).setForward(indexPathOf(m_shown), p, merge, text);
                });
        // The node's path when used: a move elsewhere in the tree changes it.
        m_forward->setDropHandler([this](const QMimeData* data, int row, bool commit) {
            return ForwardWiring(m_document).callFromForward(data, indexPathOf(m_shown), row, commit);
        });
        m_forward->setChildCalls([this] {
            QStringList calls;
            const ml::Module* owner = m_shown;
            const auto* custom = owner ? dynamic_cast<const ml::CustomModule*>(owner) : nullptr;
            if (!custom)
                return calls;
            const QString var = custom->program().params.empty() ? QStringLiteral("x")
                                                                 : QString::fromStdString(custom->program().params[0]);
            for (int k = 0; k < owner->childCount(); ++k)
                if (QString call = callStatementFor(*owner, *owner->child(k), var); !call.isEmpty())
                    calls << call;
            return calls;
        });
        m_forward->setProgram(custom->program());
        layout->addWidget(m_forward, 1);
    } else {
        m_containerInfo = new QLabel(m_body);
        m_containerInfo->setWordWrap(true);
        layout->addWidget(m_containerInfo);
        layout->addStretch();
        refreshTitle();
    }
}

// The node's path, type and (for a container) its children: they change with drops and moves
// while the same node stays selected.
void PropertiesPanel::refreshTitle()
{
    const ml::Module* m = m_shown;
    if (!m)
        return;
    const QString path = QString::fromStdString(m->path());
    m_title->setText(QStringLiteral("<b>%1</b> &nbsp;<i>%2</i>")
                         .arg(path.isEmpty() ? QStringLiteral("model") : path.toHtmlEscaped(),
                              QString::fromStdString(m->typeName()).toHtmlEscaped()));
    if (m_containerInfo)
        m_containerInfo->setText(QStringLiteral("%1 with %2 %3. Drop layers from the palette into it.")
                                     .arg(QString::fromStdString(m->typeName()))
                                     .arg(m->childCount())
                                     .arg(m->childCount() == 1 ? QStringLiteral("child") : QStringLiteral("children")));
}

QString PropertiesPanel::titleText() const
{
    return m_title->text();
}

QString PropertiesPanel::containerInfoText() const
{
    return m_containerInfo ? m_containerInfo->text() : QString();
}

void PropertiesPanel::refreshValues()
{
    ml::Module* m = m_shown;
    refreshTitle();
    if (auto* layer = dynamic_cast<ml::Layer*>(m)) {
        for (ArgEditor* e : m_args)
            if (e->errorText().isEmpty())
                e->setValue(layer->arg(e->spec().name));
    } else if (auto* custom = dynamic_cast<ml::CustomModule*>(m); custom && m_forward) {
        m_forward->setProgram(custom->program());
    }
}

ArgEditor* PropertiesPanel::argEditor(const QString& name) const
{
    for (ArgEditor* e : m_args)
        if (QString::fromUtf8(e->spec().name.data(), static_cast<qsizetype>(e->spec().name.size())) == name)
            return e;
    return nullptr;
}

} // namespace ml::ui
