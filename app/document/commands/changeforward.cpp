#include "app/document/commands/changeforward.h"

#include "app/document/commands/commandids.h"
#include "app/document/document.h"
#include "engine/module.h"

namespace ml::ui {

ChangeForward::ChangeForward(Document* document, IndexPath path, ml::ForwardProgram program, bool mergeable,
                             const QString& text, QUndoCommand* parentCommand)
    : QUndoCommand(text, parentCommand)
    , m_document(document)
    , m_path(std::move(path))
    , m_oldProgram(static_cast<const ml::CustomModule*>(document->moduleAt(m_path))->program())
    , m_newProgram(std::move(program))
    , m_mergeable(mergeable)
{
}

void ChangeForward::redo()
{
    m_document->setForward(m_path, m_newProgram);
}

void ChangeForward::undo()
{
    m_document->setForward(m_path, m_oldProgram);
}

int ChangeForward::id() const
{
    return ChangeForwardId;
}

bool ChangeForward::mergeWith(const QUndoCommand* other)
{
    const auto* o = static_cast<const ChangeForward*>(other);
    if (!m_mergeable || !o->m_mergeable || o->m_path != m_path)
        return false;
    m_newProgram = o->m_newProgram;
    setObsolete(m_newProgram == m_oldProgram);
    return true;
}

} // namespace ml::ui
