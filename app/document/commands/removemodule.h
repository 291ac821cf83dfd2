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

// Removes the subtree at `path`; the command owns it until undone.
class RemoveModule : public QUndoCommand {
public:
    RemoveModule(Document* document, IndexPath path, QUndoCommand* parentCommand = nullptr);
    ~RemoveModule() override;
    void redo() override;
    void undo() override;

private:
    Document* m_document;
    IndexPath m_path;
    std::string m_name;
    std::unique_ptr<ml::Module> m_module;
};

} // namespace ml::ui
