#pragma once

#include "engine/io/json.h"

#include <string>

namespace ml {

// The one table of forward ops (detail::forwardOps()) as people read it: `modulelab-cli subset`
// prints it and docs/python-subset.md's "forward" section holds the markdown text verbatim.
// One row per op: its name, every spelling, what it does, and whether it runs on shapes, on
// tensor data and backward (training); the ops with a partial limit are listed under the table.
std::string forwardOpsMarkdown();
// The same as JSON: [{"name", "spellings", "kind", "shapes", "data", "data_limit", "backward", "layer",
// "receiver", "example", "on"}]: the example is the op's tiny call (forwardop.h).
// "backward" is null for an op that gives no tensor.
JsonValue forwardOpsJson();

} // namespace ml
