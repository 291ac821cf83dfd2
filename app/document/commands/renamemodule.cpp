#include "app/document/commands/renamemodule.h"

#include "app/document/document.h"

#include <QCoreApplication>

namespace ml::ui {

RenameModule::RenameModule(Document* document, IndexPath path, std::string name, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_path(std::move(path))
    , m_oldName(document->moduleAt(m_path)->name())
    , m_newName(std::move(name))
{
    setText(QCoreApplication::translate("Undo", "Rename %1 to %2")
                .arg(QString::fromStdString(m_oldName), QString::fromStdString(m_newName)));
}

void RenameModule::redo()
{
    m_document->renameModule(m_path, m_newName);
}

void RenameModule::undo()
{
    m_document->renameModule(m_path, m_oldName);
}

} // namespace ml::ui
