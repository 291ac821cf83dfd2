#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <variant>
#include <vector>

namespace ml::ui {

// One step of a guided lesson: the model it opens (an example name, kept open by later steps
// that name none), the node it selects ("" is the root), the text it shows, and optionally two
// examples to compare side by side, with the compare view's tab to show.
struct LessonStep {
    QString open;
    QString select;
    QString text;      // rich text, one or two sentences
    QStringList compare; // empty, or two example names
    QString compareTab;  // with compare: the title of the compare view's tab to show ("Train"); empty keeps the tab
};

struct Lesson {
    QString id;
    QString title;
    std::vector<LessonStep> steps;
};

// Lessons are data: {"format": "modulelab-lessons", "version": 1, "lessons": [{"id", "title",
// "steps": [{"open"?, "select"?, "text", "compare"?: [A, B], "compareTab"?: TITLE}]}]}. Errors name
// the lesson and step.
std::variant<std::vector<Lesson>, QString> parseLessons(const QByteArray& json);
// The lessons shipped in the resources (:/lessons/lessons.json).
std::vector<Lesson> builtinLessons();
// ":/examples/NAME" for a bare example name; other paths unchanged.
QString lessonModelPath(const QString& name);
// The model a step shows: its own "open", or the last one opened before it in the lesson.
QString effectiveModel(const Lesson& lesson, int step);

} // namespace ml::ui
