#include "app/document/summaryexport.h"

#include "engine/analysis/summary.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QStringList>

namespace ml::ui {

namespace {

struct Row {
    QString path, type, input, output;
    int64_t params = 0, multAdds = 0;
};

QString shapeText(const ml::JsonValue* v, QChar sep)
{
    if (!v || !v->isArray())
        return {};
    QStringList dims;
    for (const ml::JsonValue& d : v->items())
        dims << QString::number(d.intValue());
    return sep == QLatin1Char('x') ? dims.join(sep) : QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")));
}

// The rows of the JSON summary, so that every number is the command line's.
std::vector<Row> rows(const ml::JsonValue& j, QChar shapeSep)
{
    std::vector<Row> out;
    for (const ml::JsonValue& n : j.find("nodes")->items()) {
        Row r;
        const QString path = QString::fromStdString(n.find("path")->stringValue());
        r.path = path.isEmpty() ? QStringLiteral("(root)") : path;
        if (const ml::JsonValue* reg = n.find("registered"); reg && !reg->boolValue())
            r.path += QStringLiteral(" (not registered)");
        r.type = QString::fromStdString(n.find("type")->stringValue());
        r.input = shapeText(n.find("input_shape"), shapeSep);
        r.output = shapeText(n.find("output_shape"), shapeSep);
        r.params = n.find("params")->intValue();
        r.multAdds = n.find("mult_adds")->intValue();
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
    const ml::JsonValue j = ml::summaryJson(root, input, analysis);
    const ml::SummaryTotals t = ml::summaryTotals(root, analysis);
    QString md = QStringLiteral("## %1\n\nInput %2 → output %3\n\n")
                     .arg(QString::fromStdString(root.typeName()), QString::fromStdString(input.toString()),
                          analysis.outputShape ? QString::fromStdString(analysis.outputShape->toString())
                                               : QStringLiteral("(forward fails)"));
    md += QStringLiteral("| Path | Type | Input | Output | Params | Mult-adds |\n");
    md += QStringLiteral("|---|---|---|---|---:|---:|\n");
    for (const Row& r : rows(j, QLatin1Char(',')))
        md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                  .arg(markdownCell(r.path), markdownCell(r.type), markdownCell(r.input), markdownCell(r.output),
                       thousands(r.params), thousands(r.multAdds));
    md += QStringLiteral("\n**Total params:** %1 · **Trainable:** %2 · **Mult-adds:** %3\n")
              .arg(thousands(t.totalParams), thousands(t.trainableParams), thousands(t.totalMultAdds));
    return md;
}

QString summaryCsv(const ml::Module& root, const ml::Shape& input, const ml::Analysis& analysis)
{
    const ml::JsonValue j = ml::summaryJson(root, input, analysis);
    QString csv = QStringLiteral("path,type,input,output,params,mult_adds\n");
    for (const Row& r : rows(j, QLatin1Char('x')))
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
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text.toUtf8()) < 0 || !f.commit())
        return QStringLiteral("%1: %2").arg(path, f.errorString());
    return {};
}

} // namespace ml::ui
