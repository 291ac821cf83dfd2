#pragma once

#include "engine/diagnostic.h"
#include "engine/program.h"

#include <QStringList>
#include <QWidget>

#include <functional>
#include <optional>
#include <variant>

class QLabel;
class QMimeData;
class QKeyEvent;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
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
    // Makes (commit) or checks a drop of modules before step `row` (-1: before the return);
    // returns why it cannot, empty when it can.
    using DropHandler = std::function<QString(const QMimeData*, int row, bool commit)>;
    void setDropHandler(DropHandler handler) { m_dropHandler = std::move(handler); }
    // Calls the dropped modules (palette entries, tree or diagram nodes) before step `row`.
    bool dropModules(const QMimeData* data, int row);
    QListWidget* stepList() const { return m_steps; }
    // The statements that call every child in stored order ("x = self.features(x)", a loop
    // for a ModuleList); offered as "Call the children in order", prominently while forward()
    // calls none of the module's children. Set before setProgram().
    void setChildCalls(std::function<QStringList()> calls) { m_childCalls = std::move(calls); }
    bool isOfferingChildCalls() const; // the "forward() calls none of its children" hint shown
    // "Call the children in order" enabled: the module has children and pressing it would change
    // forward() (its tooltip says why not otherwise).
    bool canCallChildrenInOrder() const;
    QPushButton* callChildrenButton() const { return m_inOrder; }

public slots:
    void addStep();
    void removeStep();
    void moveStep(int delta);
    void parseNow(); // parse the code now instead of after the typing pause
    void callChildrenInOrder(); // forward becomes: each child in stored order, then return

signals:
    // mergeable: consecutive typing edits; text: the undo step's label.
    void programEdited(const ml::ForwardProgram& program, bool mergeable, const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fillSteps();
    void editStep(int row, const QString& text);
    // Parses the steps (Python source each) as the whole forward; shows the error on failure.
    std::optional<ml::ForwardProgram> programFromSteps(const QStringList& steps, const QString& where);
    std::variant<ml::ForwardProgram, ml::ParseError> parseSteps(const QStringList& steps) const; // shows nothing
    std::optional<ml::ForwardProgram> childrenInOrder() const; // forward() calling each child, then return
    bool autoIndent(QKeyEvent* event); // Enter keeps the line's indentation, one more after ':'
    void updateOffer();
    DropHandler m_dropHandler;
    std::function<QStringList()> m_childCalls;

    ml::ForwardProgram m_program;
    QPlainTextEdit* m_code;
    QLabel* m_error;
    QListWidget* m_steps;
    QTimer* m_parseTimer;
    QLabel* m_offer;
    QPushButton* m_inOrder;
    bool m_updating = false;
};

} // namespace ml::ui
