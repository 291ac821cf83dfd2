#include "app/train/freezemodule.h"

#include "app/document/commands/nodelabel.h"
#include "app/document/document.h"
#include "engine/module.h"

#include <QCoreApplication>

namespace ml::ui {

FreezeModule::FreezeModule(Document* document, IndexPath path, bool frozen, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand), m_document(document), m_path(std::move(path)), m_frozen(frozen)
{
    setText(QCoreApplication::translate("Undo", frozen ? "Freeze %1" : "Unfreeze %1").arg(nodeLabel(*document->moduleAt(m_path))));
}

void FreezeModule::redo()
{
    m_document->moduleAt(m_path)->setFrozen(m_frozen);
}

void FreezeModule::undo()
{
    m_document->moduleAt(m_path)->setFrozen(!m_frozen);
}

} // namespace ml::ui
