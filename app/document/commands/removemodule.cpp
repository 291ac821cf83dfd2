#include "app/document/commands/removemodule.h"

#include "app/document/commands/nodelabel.h"
#include "app/document/document.h"

#include <QCoreApplication>

namespace ml::ui {

RemoveModule::RemoveModule(Document* document, IndexPath path, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_path(std::move(path))
{
    const ml::Module* m = document->moduleAt(m_path);
    m_name = m->name();
    setText(QCoreApplication::translate("Undo", "Remove %1").arg(nodeLabel(*m)));
}

RemoveModule::~RemoveModule() = default;

void RemoveModule::redo()
{
    m_module = m_document->takeModule(m_path);
}

void RemoveModule::undo()
{
    IndexPath parent(m_path.begin(), m_path.end() - 1);
    m_document->insertModule(parent, m_path.back(), m_name, std::move(m_module));
}

} // namespace ml::ui
