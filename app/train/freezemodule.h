#pragma once

#include "app/document/indexpath.h"

#include <QUndoCommand>

namespace ml::ui {

class Document;

// requires_grad = False (or True again) for a module's parameters and those below it.
class FreezeModule : public QUndoCommand {
public:
    FreezeModule(Document* document, IndexPath path, bool frozen, QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* m_document;
    IndexPath m_path;
    bool m_frozen;
};

} // namespace ml::ui
