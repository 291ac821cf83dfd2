#include "engine/analysis/summary.h"

#include <cstdio>

namespace ml {

SummaryTotals summaryTotals(const Module& root, const Analysis& analysis)
{
    const ParamCounts pc = countParameters(root);
    SummaryTotals t;
    t.totalParams = pc.total;
    t.trainableParams = pc.trainable;
    t.nonTrainableParams = pc.total - pc.trainable;
    t.bufferElements = pc.buffers;
    t.totalMultAdds = analysis.totalMultAdds;
    if (!checkedMul(pc.total, 4, t.paramsBytes))
        t.paramsBytes = INT64_MAX;
    return t;
}

namespace {

struct Row {
    std::string path;
    const Module* module;
    int depth;
    std::string tree; // "│    └─Conv2d: 2-1"
};

void collectRows(const Module& m, const std::string& path, int depth, const std::string& prefix,
                 std::vector<int>& counters, std::vector<Row>& rows)
{
    for (int i = 0; i < m.childCount(); ++i) {
        const Module& c = *m.child(i);
        const bool last = i == m.childCount() - 1;
        if (static_cast<int>(counters.size()) <= depth)
            counters.resize(static_cast<size_t>(depth) + 1, 0);
        const int idx = ++counters[static_cast<size_t>(depth)];
        // torchinfo's row_settings=("var_names",) style: "├─Sequential (conv_block1): 1-1".
        std::string label = prefix + (depth == 0 ? "├─" : "└─") + c.typeName() + " (" + m.childName(i) + "): "
            + std::to_string(depth + 1) + "-" + std::to_string(idx);
        if (!c.isRegistered() || c.kind() == ModuleKind::PlainList)
            label += " (unregistered)";
        const std::string childPath = joinName(path, m.childName(i));
        rows.push_back({childPath, &c, depth + 1, label});
        (void)last;
        collectRows(c, childPath, depth + 1, depth == 0 ? prefix + "│    " : prefix + "     ", counters, rows);
    }
}

// Display width in terminal columns of UTF-8 text (box-drawing characters are one column).
size_t displayWidth(const std::string& s)
{
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

std::string pad(const std::string& s, size_t width)
{
    const size_t w = displayWidth(s);
    return w >= width ? s + " " : s + std::string(width - w, ' ');
}

std::string shapeText(const std::optional<Shape>& s) { return s ? s->toString() : "--"; }

// One shape, or several for a list or tuple of tensors (as PyTorch's hooks see them).
std::string shapeText(const std::optional<Shape>& s, const std::vector<Shape>& several)
{
    if (several.empty())
        return shapeText(s);
    std::string t;
    for (const Shape& x : several)
        t += (t.empty() ? "" : ", ") + x.toString();
    return t;
}

std::string shapeText(const std::optional<Shape>& s, const std::vector<std::optional<Shape>>& several)
{
    if (several.empty())
        return shapeText(s);
    std::string t;
    for (const std::optional<Shape>& x : several)
        t += (t.empty() ? "" : ", ") + (x ? x->toString() : "None");
    return t;
}

std::string scaled(double v, const char* unitsFmt)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, unitsFmt, v);
    return buf;
}

JsonValue shapeJson(const std::optional<Shape>& s)
{
    if (!s)
        return JsonValue::null();
    JsonValue a = JsonValue::array();
    for (int64_t d : s->dims())
        a.append(JsonValue::integer(d));
    return a;
}

template <typename Several>
JsonValue shapeJson(const std::optional<Shape>& s, const Several& several)
{
    if (several.empty())
        return shapeJson(s);
    JsonValue a = JsonValue::array();
    for (const auto& x : several)
        a.append(shapeJson(std::optional<Shape>(x)));
    return a;
}

} // namespace

std::string summaryTable(const Module& root, const Shape& input, const Analysis& analysis)
{
    std::vector<Row> rows;
    rows.push_back({"", &root, 0, root.typeName()});
    std::vector<int> counters;
    collectRows(root, "", 0, "", counters, rows);

    size_t nameWidth = 40;
    for (const Row& r : rows)
        nameWidth = std::max(nameWidth, displayWidth(r.tree) + 4);
    // Marks: "!" error at the node, "?" warning; ancestors of a broken node get "*".
    std::vector<std::string> marks(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
        for (const Diagnostic& d : analysis.diagnostics) {
            if (d.path == rows[k].path && d.severity == Severity::Error)
                marks[k] = "!";
            else if (d.path == rows[k].path && d.severity == Severity::Warning && marks[k].empty())
                marks[k] = "?";
        }
    }
    const size_t shapeWidth = 24;
    const size_t total = nameWidth + 2 * shapeWidth + 14 + 16;
    const std::string rule(total, '=');
    std::string out;
    out += rule + "\n";
    out += pad("Layer (type:depth-idx)", nameWidth) + pad("Input Shape", shapeWidth) + pad("Output Shape", shapeWidth)
        + pad("Param #", 14) + "Mult-Adds\n";
    out += rule + "\n";
    for (size_t k = 0; k < rows.size(); ++k) {
        const Row& r = rows[k];
        const NodeInfo* info = analysis.info(r.module);
        const int64_t own = ownParameterCount(*r.module);
        std::string params = r.module->isContainer() ? (own ? withThousands(own) : "--") : withThousands(own);
        std::string ma = r.module->kind() == ModuleKind::Layer && info && info->outputShape ? withThousands(info->multAdds) : "--";
        std::string name = r.tree;
        if (!marks[k].empty())
            name += " " + marks[k];
        out += pad(name, nameWidth) + pad(info ? shapeText(info->inputShape, info->inputShapes) : "--", shapeWidth)
            + pad(info ? shapeText(info->outputShape, info->outputShapes) : "--", shapeWidth) + pad(params, 14) + ma
            + (info && info->assumed() ? " *" : "") + "\n";
    }
    if (analysis.stopsAt)
        out += afterErrorNote(analysis) + "\n";
    const SummaryTotals t = summaryTotals(root, analysis);
    out += rule + "\n";
    out += "Total params: " + withThousands(t.totalParams) + "\n";
    out += "Trainable params: " + withThousands(t.trainableParams) + "\n";
    out += "Non-trainable params: " + withThousands(t.nonTrainableParams) + "\n";
    const double ma = static_cast<double>(t.totalMultAdds);
    if (ma >= 1e9)
        out += "Total mult-adds (G): " + scaled(ma / 1e9, "%.2f") + "\n";
    else
        out += "Total mult-adds (M): " + scaled(ma / 1e6, "%.2f") + "\n";
    out += rule + "\n";
    out += "Input size (MB): " + scaled(static_cast<double>(input.numel().value_or(0)) * 4 / 1e6, "%.2f") + "\n";
    out += "Params size (MB): " + scaled(static_cast<double>(t.paramsBytes) / 1e6, "%.2f") + "\n";
    out += "Buffer elements: " + withThousands(t.bufferElements) + "\n";
    out += (analysis.outputs.size() > 1 ? "Output shapes: " : "Output shape: ") + analysis.outputText() + "\n";
    out += rule + "\n";
    if (!analysis.diagnostics.empty()) {
        for (const Diagnostic& d : analysis.diagnostics) {
            out += std::string(severityName(d.severity)) + " at " + (d.path.empty() ? std::string("<root>") : d.path);
            if (d.loc.valid())
                out += " (line " + std::to_string(d.loc.line) + ", column " + std::to_string(d.loc.column) + ")";
            out += ": " + d.message + "\n";
        }
        out += rule + "\n";
    }
    return out;
}

std::string afterErrorNote(const Analysis& analysis)
{
    if (!analysis.stopsAt)
        return {};
    return "* shapes after the first error assume it is fixed; PyTorch stops at "
        + (analysis.stopsAt->empty() ? std::string("the model") : *analysis.stopsAt);
}

std::vector<SummaryRow> summaryRows(const Module& root, const Analysis& analysis)
{
    std::vector<SummaryRow> rows;
    for (const NamedModule& nm : namedModules(root, true)) {
        const Module& m = *nm.module;
        SummaryRow r;
        r.module = &m;
        r.path = nm.path;
        r.type = m.typeName();
        r.registered = m.isRegistered();
        r.params = countParameters(m).total;
        if (const NodeInfo* info = analysis.info(&m)) {
            r.inputShape = info->inputShape;
            r.outputShape = info->outputShape;
            r.inputShapes = info->inputShapes;
            r.outputShapes = info->outputShapes;
            r.multAdds = info->multAdds;
            r.calls = info->calls;
            r.afterError = info->assumed();
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

JsonValue summaryJson(const Module& root, const Shape& input, const Analysis& analysis)
{
    const SummaryTotals t = summaryTotals(root, analysis);
    JsonValue j = JsonValue::object();
    j.set("model", JsonValue::string(root.typeName()));
    j.set("input_shape", shapeJson(input));
    j.set("output_shape", shapeJson(analysis.outputShape, analysis.outputValues.size() > 1 ? analysis.outputValues
                                                                                           : std::vector<std::optional<Shape>>{}));
    if (analysis.outputs.size() > 1) { // a tuple (namedtuple, dict) of tensors: their names as run --output saves them
        JsonValue outs = JsonValue::array();
        for (const OutputShape& o : analysis.outputs) {
            JsonValue x = JsonValue::object();
            x.set("name", JsonValue::string(o.name));
            x.set("shape", shapeJson(o.shape));
            outs.append(std::move(x));
        }
        j.set("outputs", std::move(outs));
    }
    j.set("total_params", JsonValue::integer(t.totalParams));
    j.set("trainable_params", JsonValue::integer(t.trainableParams));
    j.set("non_trainable_params", JsonValue::integer(t.nonTrainableParams));
    j.set("buffer_elements", JsonValue::integer(t.bufferElements));
    j.set("total_mult_adds", JsonValue::integer(t.totalMultAdds));
    j.set("params_bytes", JsonValue::integer(t.paramsBytes));
    JsonValue nodes = JsonValue::array();
    for (const SummaryRow& r : summaryRows(root, analysis)) {
        JsonValue n = JsonValue::object();
        n.set("path", JsonValue::string(r.path));
        n.set("type", JsonValue::string(r.type));
        n.set("params", JsonValue::integer(r.params));
        n.set("input_shape", shapeJson(r.inputShape, r.inputShapes));
        n.set("output_shape", shapeJson(r.outputShape, r.outputShapes));
        n.set("mult_adds", JsonValue::integer(r.multAdds));
        n.set("calls", JsonValue::integer(r.calls));
        if (!r.registered)
            n.set("registered", JsonValue::boolean(false));
        if (r.afterError)
            n.set("after_error", JsonValue::boolean(true));
        nodes.append(std::move(n));
    }
    j.set("nodes", std::move(nodes));
    if (analysis.stopsAt)
        j.set("stops_at", JsonValue::string(*analysis.stopsAt));
    JsonValue diags = JsonValue::array();
    for (const Diagnostic& d : analysis.diagnostics) {
        JsonValue o = JsonValue::object();
        o.set("path", JsonValue::string(d.path));
        o.set("severity", JsonValue::string(std::string(severityName(d.severity))));
        o.set("message", JsonValue::string(d.message));
        o.set("line", d.loc.valid() ? JsonValue::integer(d.loc.line) : JsonValue::null());
        o.set("column", d.loc.valid() ? JsonValue::integer(d.loc.column) : JsonValue::null());
        diags.append(std::move(o));
    }
    j.set("diagnostics", std::move(diags));
    return j;
}

} // namespace ml
