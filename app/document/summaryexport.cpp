#include "app/document/summaryexport.h"

#include "engine/analysis/summary.h"
#include "engine/io/atomicfile.h"

#include <QByteArray>
#include <QFileInfo>
#include <QStringList>

namespace ml::ui {

namespace {

struct Row {
    QString path, type, input, output;
    int64_t params = 0, multAdds = 0;
};

const ml::Shape* shapeOf(const ml::Shape& s) { return &s; }
const ml::Shape* shapeOf(const std::optional<ml::Shape>& s) { return s ? &*s : nullptr; }

// One shape, or several for a list or tuple (None for a None among them).
template <typename Several>
QString shapeText(const std::optional<ml::Shape>& one, const Several& several, QChar sep)
{
    auto text = [sep](const ml::Shape& shape) {
        QStringList dims;
        for (int64_t d : shape.dims())
            dims << QString::number(d);
        return sep == QLatin1Char('x') ? dims.join(sep) : QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")));
    };
    if (several.empty())
        return one ? text(*one) : QString();
    QStringList parts;
    for (const auto& s : several)
        parts << (shapeOf(s) ? text(*shapeOf(s)) : QStringLiteral("None"));
    return sep == QLatin1Char('x') ? parts.join(QLatin1Char(' ')) : QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
}

// The engine's summary rows, so that every number is the command line's.
std::vector<Row> rows(const ml::Module& root, const ml::Analysis& analysis, QChar shapeSep)
{
    std::vector<Row> out;
    for (const ml::SummaryRow& n : ml::summaryRows(root, analysis)) {
        Row r;
        r.path = n.path.empty() ? QStringLiteral("(root)") : QString::fromStdString(n.path);
        if (!n.registered)
            r.path += QStringLiteral(" (not registered)");
        r.type = QString::fromStdString(n.type);
        r.input = shapeText(n.inputShape, n.inputShapes, shapeSep);
        r.output = shapeText(n.outputShape, n.outputShapes, shapeSep);
        r.params = n.params;
        r.multAdds = n.multAdds;
        out.push_back(r);
    }
    return out;
}

QString thousands(int64_t v) { return QString::fromStdString(ml::withThousands(v)); }

QString markdownCell(QString s)
{
    s.replace(QLatin1Char('|'), QStringLiteral("\\|"));
    return s.isEmpty() ? QStringLiteral("–") : s;
}

QString csvField(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

QString summaryMarkdown(const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis)
{
    const ml::SummaryTotals t = ml::summaryTotals(root, analysis);
    QString md = QStringLiteral("## %1\n\nInput %2 → output %3\n\n")
                     .arg(QString::fromStdString(root.typeName()), QString::fromStdString(input.toString()),
                          !analysis.outputs.empty() ? QString::fromStdString(analysis.outputText())
                                                    : QStringLiteral("(forward fails)"));
    md += QStringLiteral("| Path | Type | Input | Output | Params | Mult-adds |\n");
    md += QStringLiteral("|---|---|---|---|---:|---:|\n");
    for (const Row& r : rows(root, analysis, QLatin1Char(',')))
        md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                  .arg(markdownCell(r.path), markdownCell(r.type), markdownCell(r.input), markdownCell(r.output),
                       thousands(r.params), thousands(r.multAdds));
    md += QStringLiteral("\n**Total params:** %1 · **Trainable:** %2 · **Mult-adds:** %3\n")
              .arg(thousands(t.totalParams), thousands(t.trainableParams), thousands(t.totalMultAdds));
    return md;
}

QString summaryCsv(const ml::Module& root, const ml::Shape&, const ml::Analysis& analysis)
{
    QString csv = QStringLiteral("path,type,input,output,params,mult_adds\n");
    for (const Row& r : rows(root, analysis, QLatin1Char('x')))
        csv += QStringList{csvField(r.path), csvField(r.type), r.input, r.output, QString::number(r.params),
                           QString::number(r.multAdds)}
                   .join(QLatin1Char(','))
               + QLatin1Char('\n');
    return csv;
}

QString writeSummary(const QString& path, const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    QString text;
    if (suffix == QLatin1String("md") || suffix == QLatin1String("markdown"))
        text = summaryMarkdown(root, input, analysis);
    else if (suffix == QLatin1String("csv"))
        text = summaryCsv(root, input, analysis);
    else
        return QStringLiteral("%1: choose a .md or .csv file name").arg(QFileInfo(path).fileName());
    const QByteArray bytes = text.toUtf8();
    if (auto err = ml::writeFileAtomically(path.toStdString(), std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()))))
        return QString::fromStdString(*err);
    return {};
}

} // namespace ml::ui
