#pragma once

#include "app/document/indexpath.h"

#include <QUndoCommand>

#include <string>

namespace ml::ui {

class Document;

// Moves the node at `from` to final position `toIndex` of `toParent` (paths as before the
// move). Keeps its name when the target allows it, else picks a free one; undo restores both.
class MoveModule : public QUndoCommand {
public:
    MoveModule(Document* document, IndexPath from, IndexPath toParent, int toIndex, QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* m_document;
    IndexPath m_from, m_toParent;
    int m_toIndex;
    std::string m_oldName;
    IndexPath m_movedTo, m_oldParentAfter; // valid after redo
};

} // namespace ml::ui
