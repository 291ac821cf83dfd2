#pragma once

#include "app/document/indexpath.h"
#include "app/document/mimeformats.h"
#include "engine/argvalue.h"
#include "engine/program.h"
#include "engine/shape.h"

#include <QString>

#include <memory>
#include <vector>

namespace ml {
class Module;
}

namespace ml::ui {

class Document;

// Builds the undo commands of the editor's operations and pushes them on the document's
// stack. Each operation returns an empty string on success, else the reason it was refused
// (nothing is pushed then).
class ModuleEditor {
public:
    explicit ModuleEditor(Document* document) : m_document(document) {}

    // A new palette module ("Conv2d", "Sequential", "Module") at parent[index] (-1: at the end).
    QString insertNew(const QString& typeName, const IndexPath& parent, int index);
    QString insertModules(NamedModules modules, const IndexPath& parent, int index, const QString& text);
    QString remove(std::vector<IndexPath> paths);
    QString move(const std::vector<IndexPath>& paths, const IndexPath& parent, int index);
    QString duplicate(const std::vector<IndexPath>& paths);
    QString rename(const IndexPath& path, const QString& name);
    // Validated on a copy of the layer first: PyTorch's message comes back when invalid.
    QString setArg(const IndexPath& path, const QString& arg, const ml::ArgValue& value, bool mergeable = true);
    QString setInputShape(const ml::Shape& shape);
    QString setForward(const IndexPath& path, ml::ForwardProgram program, bool mergeable, const QString& text);

    // Where "insert after the selection" puts a node: inside a selected container (at its
    // end), after a selected layer, at the end of the root without a selection.
    void insertionPoint(const IndexPath* selection, IndexPath& parent, int& index) const;
    // Why nodes cannot go into `parent` (a layer, the node itself or its descendant); empty if they can.
    static QString dropProblem(const ml::Module* parent, const std::vector<const ml::Module*>& moving);

private:
    Document* m_document;
};

// A new module for a palette entry: a layer with its example arguments, an empty container,
// or a custom Module whose forward returns its input.
std::unique_ptr<ml::Module> createPaletteModule(const QString& typeName);

} // namespace ml::ui
