#pragma once

#include "app/lessons/lessonbook.h"

#include <QWidget>

class QActionGroup;
class QLabel;
class QMenu;
class QPushButton;
class QScrollArea;
class QToolButton;

namespace ml::ui {

// Plays a lesson step by step: shows the step's text and asks its host (the main window) to
// open the step's model, select its node and, for some steps, compare two models.
class LessonPlayer : public QWidget {
    Q_OBJECT
public:
    explicit LessonPlayer(QWidget* parent = nullptr);

    void setLessons(std::vector<Lesson> lessons);
    const std::vector<Lesson>& lessons() const { return m_lessons; }
    int lessonIndex() const { return m_lesson; }
    int stepIndex() const { return m_step; }
    QLabel* textLabel() const { return m_text; }
    QLabel* counterLabel() const { return m_counter; }
    // The text selected in the step, as the lesson wrote it (without the breaks added for wrapping).
    QString selectedText() const;
    QPushButton* nextButton() const { return m_next; }
    QPushButton* backButton() const { return m_back; }
    QToolButton* pickerButton() const { return m_picker; }
    // How much of the title and text is out of view (pixels; 0 when all of it shows).
    int hiddenTextHeight() const;
    // The height that shows the title and the whole text at the player's width, with the
    // counter and the buttons under them: more than the player has when text is out of view,
    // less when there is empty room.
    int wantedHeight() const;

public slots:
    void startLesson(int index);
    void goToStep(int step);
    void next();
    void back();

signals:
    void stepShown();
    void openRequested(const QString& path);
    void selectRequested(const QString& dottedPath);
    // `tab`: the title of the compare view's tab to show, or empty to keep the current one.
    void compareRequested(const QString& pathA, const QString& pathB, const QString& tab);

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateControls();
    void fitText();
    bool atLessonEnd() const; // the last step of a lesson is shown
    void setNextLabel(const QString& text, const QString& toolTip);

    std::vector<Lesson> m_lessons;
    int m_lesson = -1;
    int m_step = -1;
    QString m_opened; // the model this player opened last
    QScrollArea* m_scroll; // the picker, title and text, over the counter and buttons
    QToolButton* m_picker; // "All lessons ▾": a menu of every lesson's whole title
    QMenu* m_menu;
    QActionGroup* m_group; // one checked lesson in m_menu
    QLabel* m_title;
    QLabel* m_counter;
    QLabel* m_text;
    QPushButton* m_back;
    QPushButton* m_next;
};

} // namespace ml::ui
