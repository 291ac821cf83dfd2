#include "app/document/commands/changelayerarg.h"

#include "app/document/commands/commandids.h"
#include "app/document/commands/nodelabel.h"
#include "app/document/document.h"
#include "engine/layer.h"

#include <QCoreApplication>

namespace ml::ui {

ChangeLayerArg::ChangeLayerArg(Document* document, IndexPath path, std::string arg, ml::ArgValue value,
                               bool mergeable, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_path(std::move(path))
    , m_arg(std::move(arg))
    , m_newValue(std::move(value))
    , m_mergeable(mergeable)
{
    const auto* layer = dynamic_cast<const ml::Layer*>(document->moduleAt(m_path));
    m_oldValue = layer->arg(m_arg);
    m_label = nodeLabel(*layer);
    updateText();
}

void ChangeLayerArg::updateText()
{
    setText(QCoreApplication::translate("Undo", "Set %1 %2 = %3 (was %4)")
                .arg(m_label, QString::fromStdString(m_arg), QString::fromStdString(m_newValue.repr()),
                     QString::fromStdString(m_oldValue.repr())));
}

void ChangeLayerArg::redo()
{
    m_document->setLayerArg(m_path, m_arg, m_newValue);
}

void ChangeLayerArg::undo()
{
    m_document->setLayerArg(m_path, m_arg, m_oldValue);
}

int ChangeLayerArg::id() const
{
    return ChangeLayerArgId;
}

bool ChangeLayerArg::mergeWith(const QUndoCommand* other)
{
    const auto* o = static_cast<const ChangeLayerArg*>(other);
    if (!m_mergeable || !o->m_mergeable || o->m_path != m_path || o->m_arg != m_arg)
        return false;
    m_newValue = o->m_newValue;
    updateText();
    setObsolete(m_newValue == m_oldValue);
    return true;
}

} // namespace ml::ui
