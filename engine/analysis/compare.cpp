#include "engine/analysis/compare.h"

#include "engine/layer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

namespace ml {

namespace {

std::string signatureOf(const Module& m) { return m.typeName() + "(" + m.extraRepr() + ")"; }

bool isReshapeLayer(const std::string& type) { return type == "Flatten" || type == "Unflatten" || type == "Identity"; }

} // namespace

ExecutionTrace traceExecution(const Module& root, const Shape& input)
{
    ExecutionTrace trace;
    for (const NamedModule& nm : namedModules(root, true))
        if (nm.module->kind() == ModuleKind::Layer)
            trace.storedLeaves.push_back(nm.module);

    std::vector<LayerCall> log;
    for (const LayerCallRecord& r : analyze(root, input).layerCalls) {
        if (r.afterError)
            break; // PyTorch stops at the first error: what the analysis assumed past it is not compared
        LayerCall call;
        call.module = r.layer;
        call.input = r.input;
        call.output = r.output;
        call.error = r.error;
        log.push_back(std::move(call));
    }

    std::unordered_map<const Module*, int> storedIndex;
    for (size_t k = 0; k < trace.storedLeaves.size(); ++k)
        storedIndex[trace.storedLeaves[k]] = static_cast<int>(k);
    std::vector<bool> seen(trace.storedLeaves.size(), false);
    for (const LayerCall& c : log)
        if (auto it = storedIndex.find(c.module); it != storedIndex.end())
            seen[static_cast<size_t>(it->second)] = true;
    for (size_t k = 0; k < seen.size(); ++k)
        if (!seen[k]) {
            LayerCall c;
            c.module = trace.storedLeaves[k];
            c.reached = false;
            log.push_back(std::move(c));
        }
    int highest = -1;
    for (size_t k = 0; k < log.size(); ++k) {
        LayerCall& c = log[k];
        c.path = c.module->path();
        c.type = c.module->typeName();
        c.signature = signatureOf(*c.module);
        c.params = ownParameterCount(*c.module);
        c.callIndex = static_cast<int>(k);
        auto it = storedIndex.find(c.module);
        c.storedIndex = it == storedIndex.end() ? -1 : it->second;
        if (c.reached) {
            c.outOfStoredOrder = c.storedIndex <= highest;
            highest = std::max(highest, c.storedIndex);
        }
    }
    trace.calls = std::move(log);
    return trace;
}

namespace {

// Longest common subsequence of the two signature sequences: the index pairs, in order.
std::vector<std::pair<int, int>> lcs(const std::vector<LayerCall>& a, const std::vector<LayerCall>& b)
{
    const size_t n = a.size(), m = b.size();
    std::vector<std::pair<int, int>> out;
    if (n == 0 || m == 0)
        return out;
    constexpr size_t kMaxCells = size_t{16} << 20;
    if (n * m > kMaxCells) {
        // Too large for the table: pair equal signatures position by position.
        for (size_t k = 0; k < std::min(n, m); ++k)
            if (a[k].signature == b[k].signature)
                out.emplace_back(static_cast<int>(k), static_cast<int>(k));
        return out;
    }
    std::vector<uint32_t> t((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return t[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            at(i, j) = a[i].signature == b[j].signature ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n && j < m) {
        if (a[i].signature == b[j].signature) {
            out.emplace_back(static_cast<int>(i), static_cast<int>(j));
            ++i;
            ++j;
        } else if (at(i + 1, j) >= at(i, j + 1)) {
            ++i;
        } else {
            ++j;
        }
    }
    return out;
}

// Rows for the gap a[a0, a1) x b[b0, b1) between two anchors: layers of the same type pair up
// in order, the others stand alone.
void fillGap(const std::vector<LayerCall>& a, int a0, int a1, const std::vector<LayerCall>& b, int b0, int b1,
             std::vector<AlignedRow>& rows)
{
    std::vector<std::pair<int, int>> pairs;
    int nextB = b0;
    for (int i = a0; i < a1; ++i)
        for (int j = nextB; j < b1; ++j)
            if (a[static_cast<size_t>(i)].type == b[static_cast<size_t>(j)].type) {
                pairs.emplace_back(i, j);
                nextB = j + 1;
                break;
            }
    int i = a0, j = b0;
    auto flush = [&](int ia, int jb) {
        for (; i < ia; ++i)
            rows.push_back({a[static_cast<size_t>(i)], std::nullopt, kDiffOnlyInA, -1});
        for (; j < jb; ++j)
            rows.push_back({std::nullopt, b[static_cast<size_t>(j)], kDiffOnlyInB, -1});
    };
    for (auto [pa, pb] : pairs) {
        flush(pa, pb);
        rows.push_back({a[static_cast<size_t>(pa)], b[static_cast<size_t>(pb)], kDiffNone, -1});
        i = pa + 1;
        j = pb + 1;
    }
    flush(a1, b1);
}

unsigned pairDiff(const LayerCall& x, const LayerCall& y)
{
    unsigned d = kDiffNone;
    if (x.signature != y.signature)
        d |= kDiffArgs;
    if (!(x.input == y.input))
        d |= kDiffInputShape;
    if (x.output != y.output)
        d |= kDiffOutputShape;
    if (x.params != y.params)
        d |= kDiffParams;
    if (!x.error.empty() || !y.error.empty())
        d |= kDiffFails;
    if (x.path != y.path)
        d |= kDiffPath;
    if (x.reached != y.reached)
        d |= kDiffNotReached;
    return d;
}

// By name first; the outputs left over on both sides pair up in order.
std::vector<OutputPair> pairOutputs(const std::vector<OutputShape>& a, const std::vector<OutputShape>& b)
{
    std::vector<OutputPair> pairs;
    std::vector<bool> usedB(b.size(), false);
    std::vector<size_t> restA;
    for (size_t i = 0; i < a.size(); ++i) {
        const auto same = std::find_if(b.begin(), b.end(), [&](const OutputShape& o) { return o.name == a[i].name; });
        if (same == b.end()) {
            restA.push_back(i);
            pairs.push_back({a[i], std::nullopt, false});
            continue;
        }
        usedB[static_cast<size_t>(same - b.begin())] = true;
        pairs.push_back({a[i], *same, false});
    }
    size_t next = 0;
    for (size_t j = 0; j < b.size(); ++j) {
        if (usedB[j])
            continue;
        if (next < restA.size()) {
            OutputPair& p = pairs[restA[next++]];
            p.b = b[j];
            p.byPosition = true;
        } else {
            pairs.push_back({std::nullopt, b[j], false});
        }
    }
    return pairs;
}

ModelSide analyseSide(const Module& root, const Shape& input, const std::string& name)
{
    ModelSide s;
    s.name = name.empty() ? root.typeName() : name;
    s.input = input;
    s.analysis = analyze(root, input);
    s.totals = summaryTotals(root, s.analysis);
    s.trace = traceExecution(root, input);
    return s;
}

} // namespace

int ModelComparison::pairedCount() const
{
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const AlignedRow& r) { return r.paired(); }));
}

int ModelComparison::differenceCount() const
{
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const AlignedRow& r) { return r.structural(); }));
}

bool ModelComparison::sameOutputStructure() const
{
    return !outputs.empty()
        && std::all_of(outputs.begin(), outputs.end(), [](const OutputPair& p) { return p.paired() && !p.byPosition; });
}

bool ModelComparison::sameOutputShape() const
{
    return sameOutputStructure() && std::all_of(outputs.begin(), outputs.end(), [](const OutputPair& p) { return p.sameShape(); });
}

bool ModelComparison::sameComputation() const { return differenceCount() == 0 && sameOutputShape(); }

ModelComparison compareModels(const Module& a, const Shape& inputA, const Module& b, const Shape& inputB,
                              const std::string& nameA, const std::string& nameB)
{
    ModelComparison c;
    c.a = analyseSide(a, inputA, nameA);
    c.b = analyseSide(b, inputB, nameB);
    const std::vector<LayerCall>& ca = c.a.trace.calls;
    const std::vector<LayerCall>& cb = c.b.trace.calls;

    int pa = 0, pb = 0;
    for (auto [ia, ib] : lcs(ca, cb)) {
        fillGap(ca, pa, ia, cb, pb, ib, c.rows);
        c.rows.push_back({ca[static_cast<size_t>(ia)], cb[static_cast<size_t>(ib)], kDiffNone, -1});
        pa = ia + 1;
        pb = ib + 1;
    }
    fillGap(ca, pa, static_cast<int>(ca.size()), cb, pb, static_cast<int>(cb.size()), c.rows);
    if (!c.a.analysis.outputs.empty() && !c.b.analysis.outputs.empty())
        c.outputs = pairOutputs(c.a.analysis.outputs, c.b.analysis.outputs);

    for (AlignedRow& r : c.rows)
        if (r.paired())
            r.diff = pairDiff(*r.a, *r.b);

    // A gap whose layer runs at another place on the other side has moved.
    for (size_t k = 0; k < c.rows.size(); ++k) {
        AlignedRow& r = c.rows[k];
        if (r.paired() || r.movedPartner >= 0)
            continue;
        const LayerCall& mine = r.a ? *r.a : *r.b;
        for (size_t q = 0; q < c.rows.size(); ++q) {
            AlignedRow& o = c.rows[q];
            if (o.paired() || o.movedPartner >= 0 || q == k || bool(o.a) == bool(r.a))
                continue;
            const LayerCall& theirs = o.a ? *o.a : *o.b;
            if (theirs.signature == mine.signature) {
                r.diff |= kDiffMoved;
                o.diff |= kDiffMoved;
                r.movedPartner = static_cast<int>(q);
                o.movedPartner = static_cast<int>(k);
                break;
            }
        }
    }

    // A one-sided Flatten between rows that agree: the other model reshapes inside forward().
    for (size_t k = 0; k < c.rows.size(); ++k) {
        AlignedRow& r = c.rows[k];
        if (r.paired() || (r.diff & kDiffMoved))
            continue;
        const LayerCall& mine = r.a ? *r.a : *r.b;
        if (!isReshapeLayer(mine.type) || !mine.output)
            continue;
        const AlignedRow* next = nullptr;
        for (size_t q = k + 1; q < c.rows.size() && !next; ++q)
            if (c.rows[q].paired())
                next = &c.rows[q];
        if (next && next->a->input == next->b->input && next->a->input == *mine.output)
            r.diff = (r.diff & ~(kDiffOnlyInA | kDiffOnlyInB)) | kDiffFunctionalElsewhere;
    }
    return c;
}

std::vector<std::string> describeDiff(unsigned diff)
{
    static const std::vector<std::pair<unsigned, const char*>> names = {
        {kDiffOnlyInA, "missing in B"},
        {kDiffOnlyInB, "missing in A"},
        {kDiffArgs, "arguments"},
        {kDiffInputShape, "input shape"},
        {kDiffOutputShape, "output shape"},
        {kDiffParams, "parameters"},
        {kDiffMoved, "order: runs at another place"},
        {kDiffFails, "fails"},
        {kDiffPath, "name"},
        {kDiffFunctionalElsewhere, "done in forward() on the other side"},
        {kDiffNotReached, "not run"},
    };
    // A moved layer is not missing: it runs elsewhere.
    if (diff & kDiffMoved)
        diff &= ~(kDiffOnlyInA | kDiffOnlyInB);
    std::vector<std::string> out;
    for (const auto& [flag, text] : names)
        if (diff & flag)
            out.emplace_back(text);
    return out;
}

std::string describeRow(const AlignedRow& row)
{
    auto side = [](const std::optional<LayerCall>& c) {
        return c ? (c->path.empty() ? std::string("(root)") : c->path) + " " + c->signature : std::string("-");
    };
    if (row.paired() && !(row.diff & (kDiffArgs | kDiffPath)))
        return side(row.a);
    return side(row.a) + "  vs  " + side(row.b);
}

namespace {

std::string outputsLine(const ModelComparison& c)
{
    const std::vector<OutputShape>& x = c.a.analysis.outputs;
    const std::vector<OutputShape>& y = c.b.analysis.outputs;
    auto single = [](const std::vector<OutputShape>& o) { return o.size() == 1 && o.front().name == "output"; };
    auto text = [&](const std::vector<OutputShape>& o) {
        return o.empty() ? std::string("fails") : single(o) ? o.front().shape.toString() : describeOutputs(o);
    };
    if (x.empty() && y.empty())
        return "Output: fails in both";
    if (x.empty() || y.empty() || (single(x) && single(y)))
        return (c.sameOutputShape() ? "Same output: " + text(x) : "Output differs: " + text(x) + " vs " + text(y));
    if (!c.sameOutputStructure())
        return "Outputs differ: A returns " + describeOutputs(x) + ", B " + describeOutputs(y);
    std::string differing;
    for (const OutputPair& p : c.outputs)
        if (!p.sameShape())
            differing += (differing.empty() ? "" : "; ") + describeOutputPair(p);
    if (differing.empty()) {
        std::string same;
        for (const OutputShape& o : x)
            same += (same.empty() ? "" : ", ") + o.name + " " + o.shape.toString();
        return "Same outputs: " + same;
    }
    return "Outputs differ: " + differing;
}

} // namespace

std::string describeOutputs(const std::vector<OutputShape>& outputs)
{
    if (outputs.empty())
        return "fails";
    if (outputs.size() == 1 && outputs.front().name == "output")
        return "one tensor";
    std::string names;
    for (const OutputShape& o : outputs)
        names += (names.empty() ? "" : ", ") + o.name;
    return std::to_string(outputs.size()) + (outputs.size() == 1 ? " tensor (" : " tensors (") + names + ")";
}

std::string describeOutputPair(const OutputPair& p)
{
    if (!p.b)
        return p.a->name + " " + p.a->shape.toString() + ": only in A";
    if (!p.a)
        return p.b->name + " " + p.b->shape.toString() + ": only in B";
    const std::string verdict = p.sameShape() ? "same shape" : "shapes differ";
    if (p.byPosition)
        return p.a->name + " " + p.a->shape.toString() + " (A) and " + p.b->name + " " + p.b->shape.toString()
            + " (B), paired by position: " + verdict;
    if (p.sameShape())
        return p.a->name + " " + p.a->shape.toString() + ": same shape";
    return p.a->name + " " + p.a->shape.toString() + " vs " + p.b->shape.toString();
}

std::vector<std::string> totalsComparison(const ModelComparison& c)
{
    std::vector<std::string> lines;
    const SummaryTotals& x = c.a.totals;
    const SummaryTotals& y = c.b.totals;
    auto diffText = [](int64_t p, int64_t q) {
        const int64_t d = q - p;
        return std::string(d > 0 ? "+" : "-") + withThousands(d > 0 ? d : -d);
    };
    if (x.totalParams == y.totalParams)
        lines.push_back("Same parameters: " + withThousands(x.totalParams) + " in both");
    else
        lines.push_back("Parameters differ: " + withThousands(x.totalParams) + " vs " + withThousands(y.totalParams) + " ("
                        + diffText(x.totalParams, y.totalParams) + ")");
    if (x.totalMultAdds == y.totalMultAdds)
        lines.push_back("Same mult-adds: " + withThousands(x.totalMultAdds));
    else
        lines.push_back("Mult-adds differ: " + withThousands(x.totalMultAdds) + " vs " + withThousands(y.totalMultAdds));
    lines.push_back(outputsLine(c));
    // Counted as the table lists them: rows that change the computation, and rows that differ
    // only in a name or in being done by forward() itself.
    const int diffs = c.differenceCount();
    const int listed = static_cast<int>(std::count_if(c.rows.begin(), c.rows.end(),
                                                      [](const AlignedRow& r) { return !describeDiff(r.diff).empty(); }));
    const int minor = listed - diffs;
    std::string text = std::to_string(c.pairedCount()) + " layer calls aligned, "
        + (diffs == 0 ? std::string("no differences in computation")
                      : std::to_string(diffs) + (diffs == 1 ? " difference" : " differences"));
    if (minor > 0)
        text += (diffs == 0 ? ", " : " and ") + std::to_string(minor) + (minor == 1 ? " row differs" : " rows differ")
            + " only in names or in what forward() does itself";
    lines.push_back(text);
    return lines;
}

std::optional<TensorDifference> tensorDifference(const Tensor& a, const Tensor& b)
{
    if (!(a.shape() == b.shape()) || a.numel() != b.numel())
        return std::nullopt;
    TensorDifference d;
    d.count = a.numel();
    const float* x = a.data();
    const float* y = b.data();
    double sum = 0;
    for (int64_t i = 0; i < d.count; ++i) {
        if (x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))
            continue;
        ++d.unequal;
        const double e = std::abs(static_cast<double>(x[i]) - static_cast<double>(y[i]));
        d.maxAbs = std::isnan(e) || std::isnan(d.maxAbs) ? std::numeric_limits<double>::quiet_NaN() : std::max(d.maxAbs, e);
        sum += e;
    }
    d.meanAbs = d.count > 0 ? sum / static_cast<double>(d.count) : 0.0;
    return d;
}

} // namespace ml
