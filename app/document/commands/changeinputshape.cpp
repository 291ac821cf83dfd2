#include "app/document/commands/changeinputshape.h"

#include "app/document/commands/commandids.h"
#include "app/document/document.h"

#include <QCoreApplication>

namespace ml::ui {

ChangeInputShape::ChangeInputShape(Document* document, ml::Shape shape, QUndoCommand* parentCommand)
    : QUndoCommand(parentCommand)
    , m_document(document)
    , m_oldShape(document->inputShape())
    , m_newShape(std::move(shape))
{
    setText(QCoreApplication::translate("Undo", "Set input shape %1").arg(QString::fromStdString(m_newShape.toString())));
}

void ChangeInputShape::redo()
{
    m_document->setInputShape(m_newShape);
}

void ChangeInputShape::undo()
{
    m_document->setInputShape(m_oldShape);
}

int ChangeInputShape::id() const
{
    return ChangeInputShapeId;
}

bool ChangeInputShape::mergeWith(const QUndoCommand* other)
{
    m_newShape = static_cast<const ChangeInputShape*>(other)->m_newShape;
    setText(other->text());
    setObsolete(m_newShape == m_oldShape);
    return true;
}

} // namespace ml::ui
