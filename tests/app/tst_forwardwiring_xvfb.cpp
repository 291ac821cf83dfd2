// Wiring forward() by real mouse drags under Xvfb (xcb): a palette entry dropped on a new
// Module's flow in the diagram, tree rows dropped between the diagram's boxes and a diagram box
// dropped on the forward steps each insert a call at that point, as one undoable step, while
// the Properties panel keeps showing the forward the module is dropped on. ctest runs it on a
// 1280x1024 and on a 1920x1080 screen.
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/forwardeditor.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/palettewidget.h"
#include "app/ui/propertiespanel.h"
#include "engine/module.h"
#include "tests/app/realdrag.h"

#include <QApplication>
#include <QGuiApplication>
#include <QListWidget>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QUndoStack>

using namespace ml::ui;

namespace {

const QString kUnwired = QStringLiteral(
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())\n"
    "        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2704, 10))\n\n"
    "    def forward(self, x):\n        return x\n\n\nmodel = Net()\n# input: 1,1,28,28\n");

} // namespace

class TestForwardWiringXvfb : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<MainWindow> m_window;

    Document* doc() const { return m_window->document(); }
    DiagramView* diagram() const { return m_window->findChild<DiagramView*>(); }
    QString repr() const { return QString::fromStdString(ml::repr(*doc()->root())); }

    QStringList steps(const char* dotted = "") const
    {
        QStringList out;
        const auto* m = dynamic_cast<const ml::CustomModule*>(doc()->moduleAtDotted(QString::fromLatin1(dotted)));
        if (m)
            for (const ml::Stmt& s : m->program().body)
                out << QString::fromStdString(ml::toSource(s));
        return out;
    }

    QPoint centreOf(QTreeView* view, const QModelIndex& index) const { return test::rowPoint(view, index); }

    QPoint treeRow(const char* dotted) const
    {
        ModuleTreePanel* tree = m_window->treePanel();
        return centreOf(tree, doc()->treeModel()->indexOf(doc()->moduleAtDotted(QString::fromLatin1(dotted))));
    }

    QPoint paletteRow(const QString& type) const
    {
        QTreeView* palette = m_window->palette()->view();
        const QModelIndexList found = palette->model()->match(palette->model()->index(0, 0), Qt::DisplayRole, type, 1,
                                                              Qt::MatchExactly | Qt::MatchRecursive);
        return found.isEmpty() ? QPoint() : centreOf(palette, found.first());
    }

    static bool realDrag(QWidget* source, QPoint from, QWidget* target, QPoint to, const std::function<void()>& during = {})
    {
        return test::realDrag(source, from, target, to, during);
    }

    static bool realDrag(QWidget* source, QPoint from, QWidget* target, const std::vector<QPoint>& via, QPoint to,
                         const std::function<void()>& during)
    {
        return test::realDrag(source, from, target, via, to, during);
    }

    bool analysed() const
    {
        doc()->refreshNow(); // instead of waiting for the coalesced refresh
        QCoreApplication::processEvents();
        return true;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("xcb"));
    }

    void init()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        m_window->resize(1200, 900);
        m_window->move(0, 0);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    // A new, empty Module: a Flatten dragged from the palette onto its box in the diagram becomes
    // its child and the first step of its forward, in one History entry.
    void paletteOntoEmptyModule()
    {
        doc()->reset(createPaletteModule(QStringLiteral("Module")), ml::Shape{1, 1, 28, 28}, QString());
        QVERIFY(analysed());
        QVERIFY(m_window->selectPath(QString()));
        const QString before = repr();
        const QPoint to = diagram()->flowPoint(QString(), QString(), false);
        QVERIFY(diagram()->flowDropAt(to).has_value());
        bool marked = false;
        QVERIFY(realDrag(m_window->palette()->view()->viewport(), paletteRow(QStringLiteral("Flatten")), diagram()->viewport(), to,
                         [&] { marked = diagram()->isShowingDropMarker(); }));
        QVERIFY2(marked, "a bar shows where the call goes while dragging over the flow");
        QVERIFY(analysed());
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.flatten(x)"), QStringLiteral("return x")}));
        QCOMPARE(doc()->analysis().outputShape, std::optional<ml::Shape>(ml::Shape({1, 784})));
        QCOMPARE(doc()->undoStack()->count(), 1);
        QVERIFY(doc()->undoStack()->text(0).contains(QLatin1String("Flatten")));
        doc()->undoStack()->undo();
        QCOMPARE(repr(), before);
        QCOMPARE(steps(), QStringList{QStringLiteral("return x")});
    }

    // A drag comes into the diagram over its background (from the palette it crosses the margin
    // beside the drawing) and then moves onto the flow: the flow still takes the drop.
    void enteringOverTheBackground()
    {
        doc()->reset(createPaletteModule(QStringLiteral("Module")), ml::Shape{1, 1, 28, 28}, QString());
        QVERIFY(analysed());
        QVERIFY(m_window->selectPath(QString()));
        const QPoint to = diagram()->flowPoint(QString(), QString(), false);
        QVERIFY(diagram()->flowDropAt(to).has_value());
        const QPoint margin(2, diagram()->viewport()->height() - 3); // beside and below the drawing
        QVERIFY(!diagram()->flowDropAt(margin).has_value());
        bool marked = false;
        QVERIFY(realDrag(m_window->palette()->view()->viewport(), paletteRow(QStringLiteral("Flatten")), diagram()->viewport(),
                         {margin}, to, [&] { marked = diagram()->isShowingDropMarker(); }));
        QVERIFY2(marked, "the bar shows once the drag is over the flow");
        QVERIFY(analysed());
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.flatten(x)"), QStringLiteral("return x")}));
        QCOMPARE(doc()->undoStack()->count(), 1);
    }

    // Children that forward() does not call yet: Properties offers to call them in order; tree
    // rows dropped into the gaps of the diagram's flow become calls there, and the panel keeps
    // showing the model's forward (the pressed row does not take it over).
    void treeRowsOntoTheFlow()
    {
        QString error;
        QVERIFY2(doc()->importPython(kUnwired, QStringLiteral("net.py"), &error), qPrintable(error));
        QVERIFY(analysed());
        m_window->treePanel()->expandAll();
        QVERIFY(m_window->selectPath(QString()));
        PropertiesPanel* props = m_window->properties();
        QVERIFY(props->forwardEditor());
        QVERIFY(props->forwardEditor()->isOfferingChildCalls());
        const QString shown = props->titleText();

        // "head" below the last box: the flow has no calls yet, so it goes before the return.
        QString during;
        QVERIFY(realDrag(m_window->treePanel()->viewport(), treeRow("head"), diagram()->viewport(),
                         diagram()->flowPoint(QString(), QStringLiteral("head"), true), [&] { during = props->titleText(); }));
        QVERIFY(analysed());
        QCOMPARE(during, shown);
        QCOMPARE(props->titleText(), shown);
        QCOMPARE(m_window->treePanel()->currentIndex().siblingAtColumn(0), doc()->treeModel()->index(0, 0));
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.head(x)"), QStringLiteral("return x")}));
        QVERIFY(!props->forwardEditor()->isOfferingChildCalls());

        // "features" above the first box: before the call of head, the statement that follows.
        QVERIFY(realDrag(m_window->treePanel()->viewport(), treeRow("features"), diagram()->viewport(),
                         diagram()->flowPoint(QString(), QStringLiteral("features"), false)));
        QVERIFY(analysed());
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.features(x)"), QStringLiteral("x = self.head(x)"),
                                       QStringLiteral("return x")}));
        QCOMPARE(doc()->analysis().outputShape, std::optional<ml::Shape>(ml::Shape({1, 10})));
        QVERIFY(!doc()->analysis().hasErrors());
        QCOMPARE(doc()->undoStack()->count(), 2);
        QCOMPARE(doc()->moduleAtDotted("features")->childCount(), 2); // called, not moved
        doc()->undoStack()->undo();
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.head(x)"), QStringLiteral("return x")}));
    }

    // A box of the diagram dragged onto the forward steps: pressing it does not switch the
    // Properties panel to it; the drop calls it before the step it lands on.
    void diagramBoxOntoSteps()
    {
        QString error;
        QVERIFY2(doc()->importPython(kUnwired, QStringLiteral("net.py"), &error), qPrintable(error));
        QVERIFY(analysed());
        QVERIFY(m_window->selectPath(QString()));
        ForwardEditor* fwd = m_window->properties()->forwardEditor();
        QVERIFY(fwd);
        QListWidget* list = fwd->stepList();
        QTRY_VERIFY(list->isVisible());
        const QRect returnRow = list->visualItemRect(list->item(0));
        QVERIFY2(list->viewport()->visibleRegion().contains(returnRow.center()), "the steps are in view without scrolling");
        const QString shown = m_window->properties()->titleText();
        const QRectF box = diagram()->boxForPath(QStringLiteral("features"))->box().rect;
        diagram()->ensureVisible(box);
        const QPoint header = diagram()->mapFromScene(box.topLeft() + QPointF(box.width() / 2, 10));
        QVERIFY(realDrag(diagram()->viewport(), header, list->viewport(), returnRow.center()));
        QVERIFY(analysed());
        QCOMPARE(m_window->properties()->forwardEditor(), fwd); // the same panel, never rebuilt
        QCOMPARE(m_window->properties()->titleText(), shown);
        QCOMPARE(steps(), (QStringList{QStringLiteral("x = self.features(x)"), QStringLiteral("return x")}));
        QCOMPARE(doc()->undoStack()->count(), 1);

        // A click (press and release without moving) still selects the box's node.
        QTest::mouseClick(diagram()->viewport(), Qt::LeftButton, {}, header);
        QTRY_VERIFY(m_window->properties()->titleText().contains(QLatin1String("features")));
        QCOMPARE(diagram()->selectedPath(), QStringLiteral("features"));
    }

    // Onto a Sequential's flow the palette entry becomes an entry at that point.
    void paletteIntoSequentialFlow()
    {
        QString error;
        QVERIFY2(doc()->importPython(kUnwired, QStringLiteral("net.py"), &error), qPrintable(error));
        QVERIFY(analysed());
        const QPoint to = diagram()->flowPoint(QStringLiteral("features"), QStringLiteral("features.0"), true);
        const auto drop = diagram()->flowDropAt(to);
        QVERIFY(drop && drop->container == QStringLiteral("features"));
        QVERIFY(realDrag(m_window->palette()->view()->viewport(), paletteRow(QStringLiteral("Tanh")), diagram()->viewport(), to));
        QVERIFY(analysed());
        QCOMPARE(doc()->moduleAtDotted("features.1")->typeName(), std::string("Tanh"));
        QCOMPARE(doc()->moduleAtDotted("features")->childCount(), 3);
        QCOMPARE(steps(), QStringList{QStringLiteral("return x")});
        doc()->undoStack()->undo();
        QCOMPARE(doc()->moduleAtDotted("features")->childCount(), 2);
    }
};

QTEST_MAIN(TestForwardWiringXvfb)
#include "tst_forwardwiring_xvfb.moc"
