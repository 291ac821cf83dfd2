#include "app/document/commands/insertmodule.h"

#include "app/document/commands/nodelabel.h"
#include "app/document/document.h"

#include <QCoreApplication>

namespace ml::ui {

InsertModule::InsertModule(Document* document, IndexPath parent, int index, std::string name,
                           std::unique_ptr<ml::Module> module, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_parent(std::move(parent))
    , m_index(index)
    , m_name(std::move(name))
    , m_module(std::move(module))
{
    setText(QCoreApplication::translate("Undo", "Insert %1 at %2")
                .arg(QString::fromStdString(m_module->typeName()), placeLabel(*document->moduleAt(m_parent), m_index)));
}

InsertModule::~InsertModule() = default;

void InsertModule::redo()
{
    m_document->insertModule(m_parent, m_index, m_name, std::move(m_module));
}

void InsertModule::undo()
{
    IndexPath path = m_parent;
    path.push_back(m_index);
    m_module = m_document->takeModule(path);
}

} // namespace ml::ui
