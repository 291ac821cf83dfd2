#pragma once

#include "app/document/indexpath.h"
#include "engine/program.h"

#include <QUndoCommand>

namespace ml::ui {

class Document;

// Replaces the forward program of a custom Module. Consecutive typing edits of the same
// module's code merge into one step when `mergeable`.
class ChangeForward : public QUndoCommand {
public:
    ChangeForward(Document* document, IndexPath path, ml::ForwardProgram program, bool mergeable, const QString& text,
                  QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* m_document;
    IndexPath m_path;
    ml::ForwardProgram m_oldProgram, m_newProgram;
    bool m_mergeable;
};

} // namespace ml::ui
