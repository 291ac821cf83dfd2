#pragma once

#include "app/document/indexpath.h"
#include "engine/argvalue.h"

#include <QString>
#include <QUndoCommand>

#include <string>

namespace ml::ui {

class Document;

// Sets one constructor argument of a layer (already validated). Consecutive changes of the
// same argument of the same layer merge into one step when `mergeable`.
class ChangeLayerArg : public QUndoCommand {
public:
    ChangeLayerArg(Document* document, IndexPath path, std::string arg, ml::ArgValue value, bool mergeable,
                   QUndoCommand* parentCommand = nullptr);
    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    void updateText();

    Document* m_document;
    IndexPath m_path;
    std::string m_arg;
    ml::ArgValue m_oldValue, m_newValue;
    bool m_mergeable;
    QString m_label; // "head.1 (Linear)"
};

} // namespace ml::ui
