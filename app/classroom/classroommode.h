#pragma once

#include <QByteArray>
#include <QFont>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPalette>
#include <QPointer>
#include <QSize>

class QAction;
class QDockWidget;
class QGraphicsItem;
class QMainWindow;
class QTabBar;

namespace ml::ui {

class DiagramView;
class NodeCard;

// A projector-friendly presentation of the main window, switched as a whole: large type, a
// high-contrast theme, few panels. The diagram takes most of the width, enlarged to fill it
// (its lines and labels scale with it); the tree keeps its names, types and output shapes; a
// card under it shows the selected node's numbers in larger type; the diagnostics show only
// when there is something to say, the lessons when open. The editing panels (palette,
// properties, history) and every other panel (code, run controls, samples) are hidden.
// Switching back restores the fonts, palette, style sheet, panel layout, column widths and
// window state exactly as they were.
class ClassroomMode : public QObject {
    Q_OBJECT
public:
    explicit ClassroomMode(QMainWindow* window);

    void setEditingDocks(const QList<QDockWidget*>& docks) { m_editingDocks = docks; }
    void setDiagrams(const QList<DiagramView*>& diagrams);
    void addDiagram(DiagramView* diagram);

    bool isActive() const { return m_active; }
    double fontScale() const { return m_fontScale; }
    QAction* toggleAction() const { return m_toggle; }
    NodeCard* nodeCard() const { return m_card; } // null until classroom mode is first used

    static constexpr double kClassroomFontScale = 1.6;

public slots:
    // Switches the presentation; `fullScreen` also shows the window full screen (F11 does) and
    // back as it was.
    void setActive(bool on, bool fullScreen = false);
    // Ctrl+= / Ctrl+- / Ctrl+0: the diagrams always, the type too in classroom mode.
    void zoomIn();
    void zoomOut();
    void resetZoom();
    // The type alone, one step (classroom mode only): for zoom actions that already zoom the diagram.
    void scaleType(bool larger);

    // Fits the tree's columns and gives the diagram the rest of the width, once, after the
    // current event (classroom mode only; also after a panel on the left changed its width).
    void arrangeLater();

signals:
    void activeChanged(bool on);

private:
    void applyFont();
    // Fits the tree's columns and gives the diagram the rest of the width (classroom mode only).
    void arrange();
    void fitDiagnostics(QDockWidget* diags, int windowHeight);
    static void showBox(DiagramView* view, QGraphicsItem* box);
    bool stackRunPanels();
    QTabBar* cardTabs() const;

    void restoreLayout();
    void restoreFonts();
    void restoreZooms(); // the diagrams' zoom and scroll positions as before classroom mode
    double typeSize() const; // points
    void showCard();
    void setTitleBars(bool shown);
    QString styleSheet() const;

    QMainWindow* m_window;
    QList<QDockWidget*> m_editingDocks;
    QList<QPointer<DiagramView>> m_diagrams;
    QAction* m_toggle;
    bool m_active = false;
    bool m_arrangePending = false;
    double m_fontScale = 1.0;
    // What classroom mode replaced.
    QFont m_savedFont;
    QPalette m_savedPalette;
    QString m_savedStyleSheet;
    QHash<QDockWidget*, bool> m_savedVisible;
    QByteArray m_savedLayout;                 // QMainWindow::saveState: docks, their sizes
    QHash<QObject*, QByteArray> m_savedHeaders; // column widths of every tree and table
    Qt::WindowStates m_savedWindowState;
    QHash<QObject*, QFont> m_savedFonts; // widgets with a font of their own
    bool m_wentFullScreen = false;
    QSize m_presentedSize; // the window's size when classroom mode began
    struct DiagramZoom {
        QPointer<DiagramView> view;
        bool fitWidth;
        double zoom;
        double minFit; // Zoom to Fit's readable floor
        int x, y; // scroll positions
    };
    QList<DiagramZoom> m_savedZooms;
    QDockWidget* m_cardDock = nullptr;
    NodeCard* m_card = nullptr;
    QList<QPointer<QWidget>> m_hiddenStatus; // status bar widgets hidden in classroom mode
    QList<QPointer<QDockWidget>> m_untitled; // docks shown without a title bar
};

} // namespace ml::ui
