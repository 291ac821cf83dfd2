#pragma once

namespace ml::ui {

// QUndoCommand::id() values of the commands that merge consecutive edits.
enum CommandId {
    ChangeLayerArgId = 1,
    ChangeInputShapeId,
    ChangeForwardId,
};

} // namespace ml::ui
