#pragma once

#include "app/document/indexpath.h"

#include <QUndoCommand>

#include <string>

namespace ml::ui {

class Document;

class RenameModule : public QUndoCommand {
public:
    RenameModule(Document* document, IndexPath path, std::string name, QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* m_document;
    IndexPath m_path;
    std::string m_oldName, m_newName;
};

} // namespace ml::ui
