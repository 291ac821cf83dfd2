#pragma once

#include "engine/module.h"
#include "engine/shape.h"

#include <string>
#include <string_view>

namespace ml::python {

// Writes the tree as clean PyTorch code of the subset (spec/python-subset.md): the torch
// imports, one class per custom class (dependencies first, the root last), and
// `instanceName = Root()`. Layers are written with their required arguments positional and
// every other non-default argument as a keyword: nn.Conv2d(1, 32, 3, padding=1). Two classes
// with the same name but different contents are kept apart: the later one is renamed Name_2.
// importPython(exportPython(m)) rebuilds m; exporting that again gives the same text.
std::string exportPython(const Module& root, std::string_view instanceName = "model");
// The same, ending with a '# input: 1,1,28,28' comment.
std::string exportPython(const Module& root, const Shape& inputShape, std::string_view instanceName = "model");

} // namespace ml::python
