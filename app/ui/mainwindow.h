#pragma once

#include <QMainWindow>
#include <QSize>

#include <functional>
#include <vector>

class QAction;
class QByteArray;
class QLabel;
class QMenu;

namespace ml::python {
struct ModelChoice;
}

namespace ml::ui {

class CodePanel;
class DiagnosticsPanel;
class Document;
class ModuleTreePanel;
class PaletteWidget;
class PropertiesPanel;
class RunDocks;
class StatusMessage;

// Wires the document to its panels, menus and status bar; computes nothing itself.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Document* document() const { return m_document; }
    ModuleTreePanel* treePanel() const { return m_tree; }
    PaletteWidget* palette() const { return m_palette; }
    PropertiesPanel* properties() const { return m_properties; }
    CodePanel* codePanel() const { return m_code; }
    DiagnosticsPanel* diagnosticsPanel() const { return m_diagnostics; }
    QLabel* totalsLabel() const { return m_totals; }
    StatusMessage* statusMessage() const { return m_message; }
    RunDocks* runDocks() const { return m_run; } // null in builds without the run workbench

    // Reports failures in a message box unless quiet; `error` gets the message too.
    bool openFile(const QString& path, QString* error = nullptr);
    // The same after asking whether to save unsaved changes; false when the user cancels.
    bool openFileAsking(const QString& path);
    void setQuiet(bool quiet) { m_quiet = quiet; }
    bool selectPath(const QString& dottedPath); // false when the model has no such node
    void insertFromPalette(const QString& typeName);
    // The tree's columns whole at any window size: the right column's panel on show gives or
    // takes the difference, the input shapes go when even that is not enough (and come back
    // with room), then the left column gives what its panels can spare.
    void fitTree();

protected:
    void closeEvent(QCloseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void createDocks();
    void createMenus();
    void sizeDocks();
    int leftColumnLeast() const;
    bool presenting() const; // classroom mode arranges the panels itself
    // The Diagnostics panel as high as its messages (a third of its column at most), only its
    // header while it has none; `force` also when the number of messages has not changed.
    void fitDiagnostics(bool force);
    void later(bool& pending, std::function<void()> what); // once, after the events in the queue
    bool maybeSave();
    bool save();
    bool saveAs();
    bool saveOverPython(const QString& path); // asks: a project, or generated code over the file
    bool saveTo(const QString& path);
    bool chooseModel(const QString& path, const QByteArray& text, bool imported, std::vector<ml::python::ModelChoice> choices,
                     QString& error);
    bool buildModel(const QString& path, const QByteArray& text, bool imported, QString& error, bool& asked);
    void newDocument();
    void open();
    void importCode();
    void addRecentFile(const QString& path);
    void fillRecentMenu();
    void copySelection(bool cut);
    void paste();
    void updateStatus();
    void updateTitle();
    void showMessage(const QString& text);
    void showError(const QString& text);

    Document* m_document;
    PaletteWidget* m_palette;
    ModuleTreePanel* m_tree;
    PropertiesPanel* m_properties;
    CodePanel* m_code;
    DiagnosticsPanel* m_diagnostics;
    QWidget* m_diagram = nullptr;
    QLabel* m_totals;
    StatusMessage* m_message = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    bool m_quiet = false;
    QString m_replaceConfirmed; // a .py the user agreed to replace with generated code
    RunDocks* m_run = nullptr;
    bool m_layoutRestored = false;
    bool m_docksSized = false;
    bool m_fitTreePending = false;
    bool m_fitDiagnosticsPending = false;
    bool m_inputHiddenForRoom = false; // the input shapes column gave its room to the diagram
    int m_diagnosticsSizedRows = -1;
    QSize m_presentedAt; // the window's size when classroom mode began   // the messages the Diagnostics panel was last sized for
};

} // namespace ml::ui
