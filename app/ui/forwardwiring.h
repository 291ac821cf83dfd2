#pragma once

#include "app/document/indexpath.h"

#include <QString>

class QMimeData;

namespace ml {
class CustomModule;
class Module;
} // namespace ml

namespace ml::ui {

class Document;

// Wires forward() by dropping: a palette entry or nodes of this document dropped on a custom
// Module's forward become calls at that point (a new module is added as a child first, a node
// from elsewhere is moved in first); dropped on a Sequential they become its entries there.
// Every drop is one undoable step. Each function checks only when `commit` is false and
// returns why the drop cannot be made, empty when it can (was).
class ForwardWiring {
public:
    explicit ForwardWiring(Document* document) : m_document(document) {}

    // Calls the dropped modules from `owner`'s forward before its top-level statement `row`
    // (-1: before the final return).
    QString callFromForward(const QMimeData* data, const IndexPath& owner, int row, bool commit);
    // A drop on the diagram's flow: into `container` (a custom Module or a Sequential) before
    // or after its child `neighbour` (-1: the container has no children).
    QString dropOnFlow(const QMimeData* data, const IndexPath& container, int neighbour, bool after, bool commit);

    // The top-level statement of `owner`'s forward before which a call goes that is dropped
    // before/after its child `neighbour`: next to the statements that call that child, else
    // next to those calling the nearest stored sibling, else before the final return.
    static int statementRow(const ml::CustomModule& owner, int neighbour, bool after);

private:
    QString insertAndCall(const QMimeData* data, const IndexPath& owner, int row, int childIndex, bool commit);
    QString insertIntoSequential(const QMimeData* data, const IndexPath& container, int index, bool commit);

    Document* m_document;
};

} // namespace ml::ui
