#pragma once

#include <QString>

#include <vector>

namespace ml {
class Module;
}

namespace ml::ui {

// A node's position in the tree as child indices from the root ({} is the root). Undo commands
// store these, never pointers into the live tree.
using IndexPath = std::vector<int>;

IndexPath indexPathOf(const ml::Module* m);
ml::Module* moduleAtPath(ml::Module* root, const IndexPath& path);
QString indexPathToString(const IndexPath& path); // "0.3.1"
bool indexPathFromString(const QString& text, IndexPath& out);

} // namespace ml::ui
