#pragma once

#include "app/document/indexpath.h"

#include <QUndoCommand>

#include <memory>
#include <string>

namespace ml {
class Module;
}

namespace ml::ui {

class Document;

// Inserts a module (owned by the command while not in the tree) at parent[index].
class InsertModule : public QUndoCommand {
public:
    InsertModule(Document* document, IndexPath parent, int index, std::string name, std::unique_ptr<ml::Module> module,
                 QUndoCommand* parentCommand = nullptr);
    ~InsertModule() override;
    void redo() override;
    void undo() override;

private:
    Document* m_document;
    IndexPath m_parent;
    int m_index;
    std::string m_name;
    std::unique_ptr<ml::Module> m_module;
};

} // namespace ml::ui
