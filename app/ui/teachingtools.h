#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

class QDockWidget;
class QWidget;

namespace ml::ui {

class ClassroomMode;
class CompareView;
class DiagramView;
class LessonPlayer;
class MainWindow;

// The teaching features of the main window, installed by one call from its constructor:
// File → Compare Models, the slide exports, View → Classroom Mode with keyboard zoom, and
// Help → Lessons / Container Concepts. Wiring only: the comparison, the concept table and the
// summary text are computed in the engine and app/document.
class TeachingTools : public QObject {
    Q_OBJECT
public:
    explicit TeachingTools(MainWindow* window);

    ClassroomMode* classroom() const { return m_classroom; }
    LessonPlayer* lessonPlayer() const { return m_player; }
    QDockWidget* lessonsDock() const { return m_lessonsDock; }
    CompareView* compareView(); // created on first use, in its own window

    void showLessons();
    // Loads the given sides (empty: keep) and shows the window, on the tab titled `tab` if given.
    void showCompare(const QString& pathA, const QString& pathB, const QString& tab = {});
    void showConcepts();
    // The Lessons panel as high as its step needs (up to 60% of its column, the properties under
    // it the rest), and as wide (up to 36% of the window) when the height is not enough, soon.
    void fitLessonsLater();
    // The main diagram as PNG/SVG/PDF; the summary as .md or .csv. Error or empty.
    QString exportDiagram(const QString& path);
    QString exportSummary(const QString& path);

private:
    void installMenus();
    void fitLessons();

    MainWindow* m_window;
    ClassroomMode* m_classroom;
    LessonPlayer* m_player;
    QDockWidget* m_lessonsDock;
    DiagramView* m_diagram = nullptr; // the main window's
    QPointer<QWidget> m_compareWindow;
    CompareView* m_compare = nullptr;
};

TeachingTools* installTeachingTools(MainWindow* window);

} // namespace ml::ui
