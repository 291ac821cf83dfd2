#include "app/document/commands/movemodule.h"

#include "app/document/commands/nodelabel.h"
#include "app/document/document.h"

#include <QCoreApplication>

namespace ml::ui {

MoveModule::MoveModule(Document* document, IndexPath from, IndexPath toParent, int toIndex, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_from(std::move(from))
    , m_toParent(std::move(toParent))
    , m_toIndex(toIndex)
{
    m_oldName = document->moduleAt(m_from)->name();
    setText(QCoreApplication::translate("Undo", "Move %1 to %2")
                .arg(nodeLabel(*document->moduleAt(m_from)), placeLabel(*document->moduleAt(m_toParent), m_toIndex)));
}

void MoveModule::redo()
{
    ml::Module* m = m_document->moduleAt(m_from);
    ml::Module* oldParent = m->parent();
    const std::string name = Document::freeChildName(*m_document->moduleAt(m_toParent), m_oldName, *m);
    m_document->moveModule(m_from, m_toParent, m_toIndex, name);
    m_movedTo = indexPathOf(m);
    m_oldParentAfter = indexPathOf(oldParent);
}

void MoveModule::undo()
{
    m_document->moveModule(m_movedTo, m_oldParentAfter, m_from.back(), m_oldName);
}

} // namespace ml::ui
