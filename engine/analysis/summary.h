#pragma once

#include "engine/analysis/analysis.h"
#include "engine/io/json.h"
#include "engine/names.h"

#include <string>

namespace ml {

// The numbers of a model summary, computed once from a tree and its analysis.
struct SummaryTotals {
    int64_t totalParams = 0;
    int64_t trainableParams = 0;
    int64_t nonTrainableParams = 0;
    int64_t bufferElements = 0;
    int64_t totalMultAdds = 0;
    int64_t paramsBytes = 0; // float32 parameters
};
SummaryTotals summaryTotals(const Module& root, const Analysis& analysis);

// One node of the summary, in named_modules() order (plain lists' modules included): what the
// JSON summary, the table's exports and the application's tree show.
struct SummaryRow {
    const Module* module = nullptr;
    std::string path;                  // "" for the root
    std::string type;
    bool registered = true;            // false inside a plain Python list
    int64_t params = 0;                // countParameters(*module).total
    std::optional<Shape> inputShape;   // of its first call; empty if never called
    std::optional<Shape> outputShape;
    std::vector<Shape> inputShapes;    // a list or tuple of tensors, when that is what it took
    std::vector<std::optional<Shape>> outputShapes; // empty for a None among them
    int64_t multAdds = 0;
    int calls = 0;
    bool afterError = false;           // some of its values come after the first error (assumed fixed)
};
std::vector<SummaryRow> summaryRows(const Module& root, const Analysis& analysis);
// "* shapes after the first error assume it is fixed; PyTorch stops at PATH" when the analysis
// went on past an error; "" otherwise. The one text for the table, the tree and the diagram.
std::string afterErrorNote(const Analysis& analysis);

// A torchinfo-style table: tree rows with input and output shape, Param # and Mult-Adds, a
// totals block, then the diagnostics with their node and source line.
std::string summaryTable(const Module& root, const Shape& input, const Analysis& analysis);

// The summary as JSON: {"model", "input_shape", "output_shape", "total_params", ..., "nodes",
// "diagnostics"} (see README).
JsonValue summaryJson(const Module& root, const Shape& input, const Analysis& analysis);

} // namespace ml
