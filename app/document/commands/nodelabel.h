#pragma once

#include <QString>

namespace ml {
class Module;
}

namespace ml::ui {

// How History names a node: its path as print(model) names it and its type, "head.1 (Linear)";
// the root is "model (Net)".
QString nodeLabel(const ml::Module& module);
// Where a child at `index` of `parent` lands, as History names it: "head.2", "position 2 of the model".
QString placeLabel(const ml::Module& parent, int index);

} // namespace ml::ui
