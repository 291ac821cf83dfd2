#include "app/diagram/diagramlayout.h"

#include "app/diagram/diagramstyle.h"
#include "engine/analysis/summary.h"

#include <QFontMetricsF>

#include <algorithm>
#include <unordered_map>

namespace ml::ui {

namespace st = diagramstyle;

int DiagramLayout::indexOfPath(const QString& path) const
{
    for (size_t k = 0; k < boxes.size(); ++k)
        if (boxes[k].path == path)
            return static_cast<int>(k);
    return -1;
}

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

bool isPositional(const std::string& name)
{
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isShelf(ModuleKind k)
{
    return k == ModuleKind::ModuleList || k == ModuleKind::ModuleDict || k == ModuleKind::PlainList;
}

QString paramsText(int64_t n)
{
    if (n == 0)
        return QStringLiteral("no parameters");
    return qs(withThousands(n)) + (n == 1 ? QStringLiteral(" param") : QStringLiteral(" params"));
}

class Layouter {
public:
    Layouter(const Analysis* analysis, const LayoutOptions& options)
        : m_analysis(analysis)
        , m_options(options)
        , m_name(st::nameFont())
        , m_type(st::typeFont())
        , m_meta(st::metaFont())
        , m_label(st::labelFont())
        , m_ops(st::opsFont())
    {
        if (analysis)
            for (const Diagnostic& d : analysis->diagnostics)
                m_diagnostics[d.path].push_back(&d);
    }

    DiagramLayout run(const Module& root)
    {
        place(root, 0);
        addPills(root);
        QRectF bounds = m_out.boxes[0].rect;
        for (const DiagramPill& p : m_out.pills)
            bounds |= p.rect;
        m_out.bounds = bounds.adjusted(-24, -24, 24, 24);
        return std::move(m_out);
    }

private:
    const NodeInfo* info(const Module* m) const { return m_analysis ? m_analysis->info(m) : nullptr; }

    int place(const Module& m, int depth)
    {
        const int idx = static_cast<int>(m_out.boxes.size());
        m_out.boxes.emplace_back();
        m_owned.emplace_back();
        m_index[&m] = idx;
        describe(m, depth, m_out.boxes[static_cast<size_t>(idx)]);

        if (m.kind() == ModuleKind::Layer) {
            sizeLayer(m_out.boxes[static_cast<size_t>(idx)]);
            return idx;
        }
        std::vector<int> kids;
        for (const Module::Child& c : m.children())
            kids.push_back(place(*c.module, depth + 1));
        m_out.boxes[static_cast<size_t>(idx)].children = kids;
        arrangeContainer(idx);
        return idx;
    }

    void describe(const Module& m, int depth, DiagramBox& b)
    {
        b.module = &m;
        b.path = qs(m.path());
        b.depth = depth;
        switch (m.kind()) {
        case ModuleKind::Layer: b.style = BoxStyle::Layer; break;
        case ModuleKind::Sequential: b.style = BoxStyle::Sequential; break;
        case ModuleKind::Custom: b.style = BoxStyle::Custom; break;
        case ModuleKind::ModuleList:
        case ModuleKind::ModuleDict: b.style = BoxStyle::Shelf; break;
        case ModuleKind::PlainList: b.style = BoxStyle::PlainShelf; break;
        }

        const std::string name = m.name();
        const Module* parent = m.parent();
        const QString type = qs(m.typeName());
        if (!parent || (isShelf(parent->kind()))) {
            b.title = type; // the shelf's index column names it
        } else if (isPositional(name)) {
            b.prefix = QStringLiteral("(%1)").arg(qs(name));
            b.title = type;
        } else {
            b.title = qs(name);
            b.subtitle = type;
        }

        const int64_t params = countParameters(m).total; // a plain list: its modules' (unregistered)
        if (m.kind() == ModuleKind::PlainList)
            b.meta = QStringLiteral("list · not registered · %1").arg(paramsText(params));
        else if (isShelf(m.kind()))
            b.meta = QStringLiteral("%1 %2 · %3")
                         .arg(m.childCount())
                         .arg(m.childCount() == 1 ? QStringLiteral("entry") : QStringLiteral("entries"))
                         .arg(paramsText(params));
        else
            b.meta = paramsText(params);

        const NodeInfo* ni = info(&m);
        const auto diags = m_diagnostics.find(m.path());
        bool error = ni && ni->failed;
        bool warning = false;
        if (diags != m_diagnostics.end())
            for (const Diagnostic* d : diags->second) {
                error = error || d->severity == Severity::Error;
                warning = warning || d->severity == Severity::Warning;
            }
        b.status = error ? BoxStatus::Error : warning ? BoxStatus::Warning : BoxStatus::Normal;
        b.reached = !m_analysis || isShelf(m.kind()) || (ni && ni->calls > 0);
        b.afterError = ni && ni->afterError;
        b.tooltip = tooltip(m, ni, params, diags == m_diagnostics.end() ? nullptr : &diags->second, b.reached);
    }

    QString tooltip(const Module& m, const NodeInfo* ni, int64_t params, const std::vector<const Diagnostic*>* diags,
                    bool reached) const
    {
        QString t = QStringLiteral("<b>%1</b>").arg(qs(m.path().empty() ? m.typeName() : m.path()).toHtmlEscaped());
        const std::string extra = m.extraRepr();
        t += QStringLiteral("<br/><code>%1(%2)</code>").arg(qs(m.typeName()).toHtmlEscaped(), qs(extra).toHtmlEscaped());
        t += QStringLiteral("<br/>%1").arg(paramsText(params));
        if (ni && ni->calls > 0) {
            if (ni->inputShape)
                t += QStringLiteral("<br/>in %1").arg(qs(ni->inputShape->toString()));
            if (ni->outputShape)
                t += QStringLiteral(" → out %1").arg(qs(ni->outputShape->toString()));
            if (ni->calls > 1)
                t += QStringLiteral("<br/>called %1 times").arg(ni->calls);
            if (ni->multAdds > 0)
                t += QStringLiteral("<br/>%1 mult-adds").arg(qs(withThousands(ni->multAdds)));
            if (ni->assumed())
                t += QStringLiteral("<br/><i>%1</i>").arg(qs(afterErrorNote(*m_analysis).substr(2)).toHtmlEscaped());
        } else if (!reached) {
            t += m_analysis && m_analysis->hasErrors() ? QStringLiteral("<br/><i>not reached: forward() stops at an error first</i>")
                                                       : QStringLiteral("<br/><i>never called by forward()</i>");
        }
        if (diags)
            for (const Diagnostic* d : *diags) {
                const char* colour = d->severity == Severity::Error ? "#b82525" : d->severity == Severity::Warning ? "#9c5b00" : "#52606d";
                t += QStringLiteral("<br/><span style=\"color:%1\">%2: %3</span>")
                         .arg(QLatin1String(colour), qs(std::string(severityName(d->severity))), qs(d->message).toHtmlEscaped());
            }
        return t;
    }

    double titleWidth(const DiagramBox& b) const
    {
        double w = m_name.horizontalAdvance(b.title);
        if (!b.prefix.isEmpty())
            w += m_meta.horizontalAdvance(b.prefix) + 6;
        if (!b.subtitle.isEmpty())
            w += 8 + m_type.horizontalAdvance(b.subtitle);
        return w;
    }

    void sizeLayer(DiagramBox& b) const
    {
        const double note = m_options.noteWidth > 0.0 ? m_options.noteWidth + 6 : 0.0;
        double w = std::max(titleWidth(b), m_meta.horizontalAdvance(b.meta) + note) + 2 * st::kLayerPadX;
        if (m_options.thumbnails)
            w += st::kThumbSize + 8;
        b.rect = QRectF(0, 0, std::max(st::kLayerMinWidth, std::ceil(w)), st::kLayerHeight);
    }

    void translate(int idx, double dx, double dy)
    {
        DiagramBox& b = m_out.boxes[static_cast<size_t>(idx)];
        b.rect.translate(dx, dy);
        for (auto& cell : b.slotLabels)
            cell.first.translate(dx, dy);
        for (int e : m_owned[static_cast<size_t>(idx)]) {
            DiagramEdge& edge = m_out.edges[static_cast<size_t>(e)];
            edge.points.translate(dx, dy);
            edge.labelPos += QPointF(dx, dy); // side labels move with their arrows
        }
        for (int c : b.children)
            translate(c, dx, dy);
    }

    const QRectF& rectOf(int idx) const { return m_out.boxes[static_cast<size_t>(idx)].rect; }

    // A forward() call from one box to the next: adjacent siblings get a straight arrow,
    // everything else a side lane.
    struct Step {
        int from = -1;
        int to = -1;
        QString ops;
        bool straight = false;
        double y1 = 0, y2 = 0; // exit and entry heights (side lanes)
        int lane = 0;
    };

    void arrangeContainer(int idx)
    {
        const DiagramBox& b0 = m_out.boxes[static_cast<size_t>(idx)];
        const Module& m = *b0.module;
        const std::vector<int> kids = b0.children;
        const bool shelf = b0.style == BoxStyle::Shelf || b0.style == BoxStyle::PlainShelf;

        // Shelf index column.
        double labelCol = 0;
        std::vector<QString> slotText;
        if (shelf) {
            for (int k = 0; k < m.childCount(); ++k) {
                slotText.push_back(qs(m.childName(k)));
                labelCol = std::max(labelCol, m_label.horizontalAdvance(slotText.back()));
            }
            labelCol = std::max(26.0, std::ceil(labelCol) + 2 * st::kSlotLabelPad);
        }

        // Vertical stacking first: side lanes depend on heights only.
        const double gap = shelf ? st::kSlotGap : st::kFlowGap;
        double y = st::kHeaderHeight;
        double contentW = 0;
        for (int c : kids) {
            translate(c, 0, y);
            y += rectOf(c).height() + gap;
            contentW = std::max(contentW, rectOf(c).width());
        }
        const double contentBottom = kids.empty() ? st::kHeaderHeight + 4 : y - gap + st::kPad;

        std::vector<Step> steps;
        int lanes = 0;
        double labelRoom = 0;
        if (m.kind() == ModuleKind::Custom)
            steps = flowSteps(idx, static_cast<const CustomModule&>(m), lanes, labelRoom);

        const DiagramBox& b = m_out.boxes[static_cast<size_t>(idx)];
        // Straight arrows carry their shape on the right and their ops on the left of the
        // centre line: keep both inside the box.
        double straightText = 0;
        if (b.style == BoxStyle::Sequential)
            for (size_t k = 1; k < kids.size(); ++k)
                straightText = std::max(straightText, m_label.horizontalAdvance(edgeShape(kids[k - 1], kids[k], false)));
        for (const Step& s : steps)
            if (s.straight)
                straightText = std::max({straightText, m_label.horizontalAdvance(edgeShape(s.from, s.to, !s.ops.isEmpty())),
                                         m_ops.horizontalAdvance(s.ops)});
        if (straightText > 0)
            contentW = std::max(contentW, 2 * (std::ceil(straightText) + 16));
        const double headerW = titleWidth(b) + 28 + m_meta.horizontalAdvance(b.meta) + 2 * st::kPad;
        const double x0 = st::kPad + (shelf ? labelCol + 6 : 0);
        const double laneSpace = lanes > 0 ? st::kLaneGap + (lanes - 1) * st::kLaneStep + 14 + labelRoom : 0;
        contentW = std::max(contentW, headerW - x0 - laneSpace - st::kPad);
        const double width = std::ceil(x0 + contentW + laneSpace + st::kPad);

        for (size_t k = 0; k < kids.size(); ++k) {
            const int c = kids[k];
            if (shelf && m_out.boxes[static_cast<size_t>(c)].style == BoxStyle::Layer)
                m_out.boxes[static_cast<size_t>(c)].rect.setWidth(contentW); // even slots, like a tray
            const QRectF r = rectOf(c);
            translate(c, shelf ? x0 : x0 + (contentW - r.width()) / 2, 0);
            if (shelf)
                m_out.boxes[static_cast<size_t>(idx)].slotLabels.emplace_back(
                    QRectF(st::kPad, r.top(), labelCol, r.height()), slotText[k]);
        }
        m_out.boxes[static_cast<size_t>(idx)].rect = QRectF(0, 0, width, std::max(contentBottom, st::kHeaderHeight + 8));

        if (b.style == BoxStyle::Sequential)
            for (size_t k = 1; k < kids.size(); ++k)
                addStraight(idx, kids[k - 1], kids[k], DiagramEdge::Kind::Sequence, {});
        const double laneX0 = x0 + contentW + st::kLaneGap;
        // Side labels stand in one column right of the outermost lane, so that no lane crosses
        // them; each beside the middle of its arrow, pushed down below every label placed before
        // it that it would overlap (arrows jump back and forth: earlier labels can lie lower).
        // An arrow that passes other called boxes (a call out of order, a skip) is labelled
        // where it arrives instead: the middles of several such arrows fall on one spot.
        const double labelX = laneX0 + (lanes - 1) * st::kLaneStep + 6;
        double labelFloor = -1e9;
        std::vector<std::pair<double, double>> placed; // top, bottom
        std::vector<double> called; // the heights where calls arrive and leave
        std::unordered_map<int, int> arrivals; // side arrows into each box
        for (const Step& s : steps)
            if (!s.straight) {
                called.insert(called.end(), {rectOf(s.from).center().y(), rectOf(s.to).center().y()});
                ++arrivals[s.to];
            }
        const auto passesOthers = [&](const Step& s) {
            const double lo = std::min(rectOf(s.from).center().y(), rectOf(s.to).center().y());
            const double hi = std::max(rectOf(s.from).center().y(), rectOf(s.to).center().y());
            return s.y2 < s.y1 || std::any_of(called.begin(), called.end(), [&](double y) { return y > lo + 1 && y < hi - 1; });
        };
        for (const Step& s : steps) {
            if (s.straight) {
                addStraight(idx, s.from, s.to, DiagramEdge::Kind::Flow, s.ops);
                continue;
            }
            DiagramEdge e;
            e.kind = DiagramEdge::Kind::Flow;
            e.afterError = m_out.boxes[static_cast<size_t>(s.to)].afterError;
            e.side = true;
            e.depth = b.depth;
            e.ops = s.ops;
            e.label = edgeShape(s.from, s.to, !s.ops.isEmpty());
            const double laneX = laneX0 + s.lane * st::kLaneStep;
            e.points << QPointF(rectOf(s.from).right(), s.y1) << QPointF(laneX, s.y1) << QPointF(laneX, s.y2)
                     << QPointF(rectOf(s.to).right(), s.y2);
            const double lines = (e.label.isEmpty() ? 0 : 1) + (e.ops.isEmpty() ? 0 : 1);
            const double height = lines * 16 + 2;
            // A box called several times (ResNet's one ReLU) has its arrows labelled where they
            // leave, so that its side does not collect one label per call.
            double anchor = (s.y1 + s.y2) / 2;
            if (s.from != s.to && passesOthers(s))
                anchor = arrivals[s.to] > 1 ? s.y1 : s.y2;
            double top = anchor - lines * 8;
            for (bool moved = true; moved;) {
                moved = false;
                for (const auto& [t, b] : placed)
                    if (top < b && top + height > t) {
                        top = b;
                        moved = true;
                    }
            }
            if (lines > 0)
                placed.emplace_back(top, top + height);
            e.labelPos = QPointF(labelX, top);
            labelFloor = std::max(labelFloor, top + height);
            addEdge(idx, std::move(e));
        }
        QRectF& rect = m_out.boxes[static_cast<size_t>(idx)].rect;
        if (labelFloor + st::kPad > rect.bottom())
            rect.setBottom(labelFloor + st::kPad);
    }

    std::vector<Step> flowSteps(int idx, const CustomModule& m, int& lanes, double& labelRoom)
    {
        std::vector<int> targets;
        std::vector<QString> ops;
        const ForwardSteps order = m_analysis ? m_analysis->stepsOf(m) : ForwardSteps{};
        for (const ForwardStep& c : order.calls) {
            const auto it = m_index.find(c.callee);
            if (it == m_index.end() || it->second == idx)
                continue;
            targets.push_back(it->second);
            QStringList names;
            for (const std::string& op : c.opsBefore)
                names << qs(op) + QStringLiteral("()");
            ops.push_back(names.join(QStringLiteral(" · ")));
            m_out.boxes[static_cast<size_t>(it->second)].callNumbers.append(static_cast<int>(targets.size()));
        }

        std::vector<Step> steps;
        std::vector<std::vector<std::pair<double, double>>> laneUse;
        const DiagramBox& self = m_out.boxes[static_cast<size_t>(idx)];
        for (size_t k = 1; k < targets.size(); ++k) {
            Step s;
            s.from = targets[k - 1];
            s.to = targets[k];
            s.ops = ops[k];
            const DiagramBox& a = m_out.boxes[static_cast<size_t>(s.from)];
            const DiagramBox& b = m_out.boxes[static_cast<size_t>(s.to)];
            const auto ia = std::find(self.children.begin(), self.children.end(), s.from);
            s.straight = ia != self.children.end() && ia + 1 != self.children.end() && *(ia + 1) == s.to;
            if (!s.straight) {
                const bool loop = s.from == s.to;
                s.y1 = a.rect.center().y() + (loop ? 8 : 5);
                s.y2 = b.rect.center().y() - (loop ? 8 : 5);
                const double lo = std::min(s.y1, s.y2) - 4, hi = std::max(s.y1, s.y2) + 4;
                size_t lane = 0;
                for (; lane < laneUse.size(); ++lane) {
                    const bool clash = std::any_of(laneUse[lane].begin(), laneUse[lane].end(),
                                                   [&](const auto& iv) { return lo < iv.second && iv.first < hi; });
                    if (!clash)
                        break;
                }
                if (lane == laneUse.size())
                    laneUse.emplace_back();
                laneUse[lane].emplace_back(lo, hi);
                s.lane = static_cast<int>(lane);
                labelRoom = std::max({labelRoom, m_label.horizontalAdvance(edgeShape(s.from, s.to, !s.ops.isEmpty())),
                                      m_ops.horizontalAdvance(s.ops)});
            }
            steps.push_back(std::move(s));
        }
        lanes = static_cast<int>(laneUse.size());
        labelRoom = std::ceil(labelRoom);
        return steps;
    }

    // The shape flowing from one box into the next: what the target received when ops ran in
    // between, else what the source produced.
    QString edgeShape(int from, int to, bool opsBetween) const
    {
        const NodeInfo* a = info(m_out.boxes[static_cast<size_t>(from)].module);
        const NodeInfo* b = info(m_out.boxes[static_cast<size_t>(to)].module);
        if (opsBetween && b && b->inputShape)
            return qs(b->inputShape->toString());
        if (a && a->outputShape)
            return qs(a->outputShape->toString());
        if (b && b->inputShape)
            return qs(b->inputShape->toString());
        return {};
    }

    void addStraight(int owner, int from, int to, DiagramEdge::Kind kind, const QString& ops)
    {
        DiagramEdge e;
        e.kind = kind;
        e.afterError = m_out.boxes[static_cast<size_t>(to)].afterError;
        e.ops = ops;
        e.depth = m_out.boxes[static_cast<size_t>(owner)].depth;
        e.label = edgeShape(from, to, !ops.isEmpty());
        const QRectF a = rectOf(from), b = rectOf(to);
        const double x = a.center().x();
        e.points << QPointF(x, a.bottom()) << QPointF(x, b.top());
        addEdge(owner, std::move(e));
    }

    void addEdge(int owner, DiagramEdge e)
    {
        m_owned[static_cast<size_t>(owner)].push_back(static_cast<int>(m_out.edges.size()));
        m_out.edges.push_back(std::move(e));
    }

    void addPills(const Module& root)
    {
        const NodeInfo* ni = info(&root);
        if (!ni || !ni->inputShape)
            return;
        const QRectF r = m_out.boxes[0].rect;
        auto pill = [&](const QString& text, double y) {
            const double w = std::ceil(m_label.horizontalAdvance(text)) + 28;
            return DiagramPill{QRectF(r.center().x() - w / 2, y, w, st::kPillHeight), text};
        };
        const DiagramPill in = pill(QStringLiteral("input  ") + qs(ni->inputShape->toString()), r.top() - st::kFlowGap - st::kPillHeight);
        m_out.pills.push_back(in);
        DiagramEdge e;
        e.kind = DiagramEdge::Kind::Io;
        e.points << QPointF(r.center().x(), in.rect.bottom()) << QPointF(r.center().x(), r.top());
        m_out.edges.push_back(std::move(e));
        const size_t n = m_analysis->outputs.size();
        DiagramPill out = n > 0 ? pill((n > 1 ? QStringLiteral("outputs  ") : QStringLiteral("output  ")) + qs(m_analysis->outputText()),
                                       r.bottom() + st::kFlowGap)
                                : pill(QStringLiteral("no output: forward() stops at an error"), r.bottom() + st::kFlowGap);
        out.error = n == 0;
        m_out.pills.push_back(out);
        DiagramEdge o;
        o.kind = DiagramEdge::Kind::Io;
        o.points << QPointF(r.center().x(), r.bottom()) << QPointF(r.center().x(), out.rect.top());
        m_out.edges.push_back(std::move(o));
    }

    const Analysis* m_analysis;
    LayoutOptions m_options;
    QFontMetricsF m_name, m_type, m_meta, m_label, m_ops;
    std::unordered_map<std::string, std::vector<const Diagnostic*>> m_diagnostics;
    std::unordered_map<const Module*, int> m_index;
    std::vector<std::vector<int>> m_owned; // per box: the edges it owns (moved with it)
    DiagramLayout m_out;
};

} // namespace

DiagramLayout layoutDiagram(const Module& root, const Analysis* analysis, const LayoutOptions& options)
{
    return Layouter(analysis, options).run(root);
}

} // namespace ml::ui
