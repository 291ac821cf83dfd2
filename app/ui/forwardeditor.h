#pragma once

#include "engine/program.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QTimer;

namespace ml::ui {

// A custom Module's forward program, editable as code (parsed live by the engine's Python
// parser, errors at line:column) and as a list of steps to add, remove and reorder.
class ForwardEditor : public QWidget {
    Q_OBJECT
public:
    explicit ForwardEditor(QWidget* parent = nullptr);

    void setProgram(const ml::ForwardProgram& program); // keeps the text while the user types in it
    QString errorText() const;
    QPlainTextEdit* codeEdit() const { return m_code; }
    QListWidget* stepList() const { return m_steps; }

public slots:
    void addStep();
    void removeStep();
    void moveStep(int delta);
    void parseNow(); // parse the code now instead of after the typing pause

signals:
    // mergeable: consecutive typing edits; text: the undo step's label.
    void programEdited(const ml::ForwardProgram& program, bool mergeable, const QString& text);

private:
    void fillSteps();
    void editStep(int row, const QString& text);

    ml::ForwardProgram m_program;
    QPlainTextEdit* m_code;
    QLabel* m_error;
    QListWidget* m_steps;
    QTimer* m_parseTimer;
    bool m_updating = false;
};

} // namespace ml::ui
