#pragma once

#include "engine/shape.h"

#include <QUndoCommand>

namespace ml::ui {

class Document;

// Sets the input shape the model is analysed with; consecutive edits merge.
class ChangeInputShape : public QUndoCommand {
public:
    ChangeInputShape(Document* document, ml::Shape shape, QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* m_document;
    ml::Shape m_oldShape, m_newShape;
};

} // namespace ml::ui
