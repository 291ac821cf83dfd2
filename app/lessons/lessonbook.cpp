#include "app/lessons/lessonbook.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

static void initLessonResources()
{
    Q_INIT_RESOURCE(lessons);
}

namespace ml::ui {

std::variant<std::vector<Lesson>, QString> parseLessons(const QByteArray& json)
{
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError)
        return QStringLiteral("lessons: %1 at offset %2").arg(err.errorString()).arg(err.offset);
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String("modulelab-lessons"))
        return QStringLiteral("lessons: not a modulelab-lessons file");
    if (root.value(QStringLiteral("version")).toInt() != 1)
        return QStringLiteral("lessons: unsupported version %1").arg(root.value(QStringLiteral("version")).toInt());
    std::vector<Lesson> out;
    const QJsonArray lessons = root.value(QStringLiteral("lessons")).toArray();
    for (int l = 0; l < lessons.size(); ++l) {
        const QJsonObject o = lessons[l].toObject();
        Lesson lesson;
        lesson.id = o.value(QStringLiteral("id")).toString();
        lesson.title = o.value(QStringLiteral("title")).toString();
        if (lesson.title.isEmpty())
            return QStringLiteral("lesson %1: no title").arg(l + 1);
        const QJsonArray steps = o.value(QStringLiteral("steps")).toArray();
        if (steps.isEmpty())
            return QStringLiteral("lesson '%1': no steps").arg(lesson.title);
        for (int s = 0; s < steps.size(); ++s) {
            const QJsonObject so = steps[s].toObject();
            LessonStep step;
            step.open = so.value(QStringLiteral("open")).toString();
            step.select = so.value(QStringLiteral("select")).toString();
            step.text = so.value(QStringLiteral("text")).toString();
            for (const QJsonValue& c : so.value(QStringLiteral("compare")).toArray())
                step.compare << c.toString();
            step.compareTab = so.value(QStringLiteral("compareTab")).toString();
            if (step.text.isEmpty())
                return QStringLiteral("lesson '%1', step %2: no text").arg(lesson.title).arg(s + 1);
            if (!step.compare.isEmpty() && step.compare.size() != 2)
                return QStringLiteral("lesson '%1', step %2: compare names two models").arg(lesson.title).arg(s + 1);
            if (!step.compareTab.isEmpty() && step.compare.isEmpty())
                return QStringLiteral("lesson '%1', step %2: compareTab without compare").arg(lesson.title).arg(s + 1);
            if (s == 0 && step.open.isEmpty())
                return QStringLiteral("lesson '%1': the first step must open a model").arg(lesson.title);
            lesson.steps.push_back(step);
        }
        out.push_back(std::move(lesson));
    }
    return out;
}

std::vector<Lesson> builtinLessons()
{
    initLessonResources();
    QFile f(QStringLiteral(":/lessons/lessons.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    auto r = parseLessons(f.readAll());
    if (auto* lessons = std::get_if<std::vector<Lesson>>(&r))
        return std::move(*lessons);
    qWarning("%s", qPrintable(std::get<QString>(r)));
    return {};
}

QString lessonModelPath(const QString& name)
{
    if (name.isEmpty() || name.contains(QLatin1Char('/')))
        return name;
    return QStringLiteral(":/examples/") + name;
}

QString effectiveModel(const Lesson& lesson, int step)
{
    for (int s = std::min(step, static_cast<int>(lesson.steps.size()) - 1); s >= 0; --s)
        if (!lesson.steps[static_cast<size_t>(s)].open.isEmpty())
            return lessonModelPath(lesson.steps[static_cast<size_t>(s)].open);
    return {};
}

} // namespace ml::ui
