#pragma once

#include "engine/analysis/analysis.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <QString>

namespace ml::ui {

// The model summary for slides and spreadsheets: one row per node as `modulelab-cli summary
// --format json` lists it (path, type, input, output, params, mult-adds), then the totals.
// Paths are written as named_modules() names them, "(root)" for the root.
QString summaryMarkdown(const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis);
// RFC 4180 CSV with a header row; shapes as "1x32x28x28", numbers without separators.
QString summaryCsv(const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis);
// Writes Markdown (.md) or CSV (.csv), chosen by the extension, atomically. Error or empty.
QString writeSummary(const QString& path, const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis);

} // namespace ml::ui
