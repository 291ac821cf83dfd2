// Real mouse drags under Xvfb (xcb): a palette entry dragged into a ModuleList and a Sequential
// at a given row, and a node dragged within the tree. Each drag must change the document exactly
// as the same edit through ModuleEditor does, and undo must give back the original repr.
#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/palettewidget.h"
#include "engine/module.h"
#include "tests/app/realdrag.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QGuiApplication>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QUndoStack>

#include <functional>

using namespace ml::ui;

class TestTreeDragXvfb : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<MainWindow> m_window;

    Document* doc() const { return m_window->document(); }
    QString repr() const { return QString::fromStdString(ml::repr(*doc()->root())); }

    // The repr the same edit gives when made through the editor API on a fresh copy of the file.
    static QString expectedRepr(const QString& file, const std::function<QString(ModuleEditor&)>& edit)
    {
        Document reference;
        QString error;
        if (!reference.load(file, &error))
            return error;
        ModuleEditor editor(&reference);
        const QString problem = edit(editor);
        return problem.isEmpty() ? QString::fromStdString(ml::repr(*reference.root())) : problem;
    }

    // A point in the upper third of a layer row: the drop lands above that row, in its parent.
    QPoint aboveRow(const char* dottedPath) const
    {
        QTreeView* tree = m_window->treePanel();
        const QModelIndex index = doc()->treeModel()->indexOf(doc()->moduleAtDotted(QString::fromLatin1(dottedPath)));
        tree->scrollTo(index);
        const QRect r = tree->visualRect(index);
        return QPoint(r.left() + 30, r.top() + r.height() / 3);
    }

    QPoint centreOf(QTreeView* view, const QModelIndex& index) const { return test::rowPoint(view, index); }

    static bool realDrag(QAbstractItemView* source, QPoint from, QAbstractItemView* target, QPoint to)
    {
        return test::realDrag(source->viewport(), from, target->viewport(), to);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // no saved window state from a user's settings
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
        new QAbstractItemModelTester(doc()->treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     m_window.get());
    }

    void cleanup() { m_window.reset(); }

    void paletteIntoModuleList()
    {
        const QString file = QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py");
        QVERIFY(m_window->openFile(file));
        const QString before = repr();
        const QString expected = expectedRepr(file, [](ModuleEditor& e) { return e.insertNew(QStringLiteral("Conv2d"), IndexPath{0}, 3); });
        QVERIFY(expected != before);

        QTreeView* palette = m_window->palette()->view();
        const QModelIndexList found = palette->model()->match(palette->model()->index(0, 0), Qt::DisplayRole,
                                                              QStringLiteral("Conv2d"), 1,
                                                              Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(found.size(), 1);
        QVERIFY(realDrag(palette, centreOf(palette, found.first()), m_window->treePanel(), aboveRow("module_list.3")));

        QCOMPARE(repr(), expected);
        QCOMPARE(doc()->moduleAtDotted("module_list.3")->typeName(), std::string("Conv2d"));
        QCOMPARE(doc()->undoStack()->count(), 1);
        QTRY_VERIFY(doc()->analysis().hasErrors()); // Conv2d(1, ...) now receives 64 channels
        doc()->undoStack()->undo();
        QCOMPARE(repr(), before);
        QTRY_VERIFY(!doc()->analysis().hasErrors());
    }

    void paletteIntoSequential()
    {
        const QString file = QStringLiteral(MODULELAB_EXAMPLES "/net_sequential_fixed.py");
        QVERIFY(m_window->openFile(file));
        m_window->treePanel()->expandAll();
        const QString before = repr();
        // decoder = Sequential(Linear, Sigmoid, Linear): a ReLU above the Sigmoid, at row 1.
        const QString expected = expectedRepr(file, [](ModuleEditor& e) { return e.insertNew(QStringLiteral("ReLU"), IndexPath{2}, 1); });

        QTreeView* palette = m_window->palette()->view();
        const QModelIndexList found = palette->model()->match(palette->model()->index(0, 0), Qt::DisplayRole,
                                                              QStringLiteral("ReLU"), 1,
                                                              Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(found.size(), 1);
        QVERIFY(realDrag(palette, centreOf(palette, found.first()), m_window->treePanel(), aboveRow("decoder.1")));

        QCOMPARE(repr(), expected);
        QCOMPARE(doc()->moduleAtDotted("decoder.1")->typeName(), std::string("ReLU"));
        doc()->undoStack()->undo();
        QCOMPARE(repr(), before);
    }

    void moveWithinTree()
    {
        const QString file = QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py");
        QVERIFY(m_window->openFile(file));
        const QString before = repr();
        // The Sigmoid (module_list.8) dragged above the first Conv2d.
        const QString expected = expectedRepr(file, [](ModuleEditor& e) { return e.move(std::vector<IndexPath>{IndexPath{0, 8}}, IndexPath{0}, 0); });
        QVERIFY(expected != before);

        ModuleTreePanel* tree = m_window->treePanel();
        const ml::Module* sigmoid = doc()->moduleAtDotted("module_list.8");
        const QModelIndex source = doc()->treeModel()->indexOf(sigmoid);
        tree->setCurrentIndex(source);
        QVERIFY(realDrag(tree, centreOf(tree, source), tree, aboveRow("module_list.0")));

        QCOMPARE(repr(), expected);
        QCOMPARE(doc()->moduleAtDotted("module_list.0"), sigmoid);
        // One command: the view's removeRows on the source after the MoveAction pushed nothing.
        QCOMPARE(doc()->undoStack()->count(), 1);
        QCOMPARE(doc()->moduleAtDotted("module_list")->childCount(), 10);
        doc()->undoStack()->undo();
        QCOMPARE(repr(), before);
        QCOMPARE(doc()->moduleAtDotted("module_list.8"), sigmoid);
    }
};

QTEST_MAIN(TestTreeDragXvfb)
#include "tst_treedrag_xvfb.moc"
