// The properties panel: editors from the schema, PyTorch's validation shown inline and not
// applied, the input shape, and a custom Module's forward edited as code with located errors.
#include "app/diagram/diagramview.h"
#include "app/document/document.h"
#include "app/document/indexpath.h"
#include "app/document/moduleeditor.h"
#include "app/ui/mainwindow.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/argeditor.h"
#include "app/ui/forwardeditor.h"
#include "app/ui/propertiespanel.h"
#include "engine/layer.h"

#include <QApplication>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextCursor>
#include <QRegularExpression>
#include <QSpinBox>
#include <QScrollBar>
#include <QTest>
#include <QUndoStack>

using namespace ml::ui;

class TestProperties : public QObject {
    Q_OBJECT
private slots:
    void layerArguments()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        PropertiesPanel panel(&doc);
        panel.setCurrent(doc.treeModel()->indexOf(doc.moduleAtDotted(QStringLiteral("module_list.3"))));
        ArgEditor* out = panel.argEditor(QStringLiteral("out_channels"));
        QVERIFY(out);
        auto* spin = out->findChild<QSpinBox*>();
        QVERIFY(spin);
        QCOMPARE(spin->value(), 64);
        spin->stepBy(1);
        spin->stepBy(1);
        QCOMPARE(doc.undoStack()->count(), 1); // arrow steps merge
        QCOMPARE(static_cast<ml::Layer*>(doc.moduleAtDotted("module_list.3"))->arg("out_channels").i, 66);
        spin->setValue(0);
        QVERIFY2(!out->errorText().isEmpty(), "PyTorch refuses out_channels=0");
        QCOMPARE(static_cast<ml::Layer*>(doc.moduleAtDotted("module_list.3"))->arg("out_channels").i, 66);
        spin->setValue(32);
        QVERIFY(out->errorText().isEmpty());

        ArgEditor* padding = panel.argEditor(QStringLiteral("padding"));
        auto* text = padding->findChild<QLineEdit*>();
        QVERIFY(text);
        text->setText(QStringLiteral("(2, 2)"));
        emit text->editingFinished();
        QCOMPARE(static_cast<ml::Layer*>(doc.moduleAtDotted("module_list.3"))->arg("padding"), ml::ArgValue::ofTuple({2, 2}));
        text->setText(QStringLiteral("'sideways'"));
        emit text->editingFinished();
        QVERIFY(!padding->errorText().isEmpty());
        QCOMPARE(static_cast<ml::Layer*>(doc.moduleAtDotted("module_list.3"))->arg("padding"), ml::ArgValue::ofTuple({2, 2}));
    }

    // Each value committed with Enter is its own History entry: undoing the second restores the
    // first, not the value before both. Ctrl+Z in a spin box undoes the document, not the text.
    void enterCommitsAreSeparateEdits()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        PropertiesPanel panel(&doc);
        panel.setCurrent(doc.treeModel()->indexOf(doc.moduleAtDotted(QStringLiteral("module_list.3"))));
        auto* spin = panel.argEditor(QStringLiteral("out_channels"))->findChild<QSpinBox*>();
        QVERIFY(spin);
        const auto outChannels = [&] { return static_cast<ml::Layer*>(doc.moduleAtDotted("module_list.3"))->arg("out_channels").i; };
        for (const char* typed : {"80", "96"}) {
            spin->selectAll();
            QTest::keyClicks(spin, QString::fromLatin1(typed));
            QTest::keyClick(spin, Qt::Key_Return);
        }
        QCOMPARE(outChannels(), 96);
        QCOMPARE(doc.undoStack()->count(), 2);
        QVERIFY(doc.undoStack()->text(1).contains(QLatin1String("out_channels = 96")));
        doc.undoStack()->undo();
        QCOMPARE(outChannels(), 80);

        QKeyEvent undoKey(QEvent::ShortcutOverride, Qt::Key_Z, Qt::ControlModifier);
        QApplication::sendEvent(spin, &undoKey);
        QVERIFY2(!undoKey.isAccepted(), "the spin box must leave Ctrl+Z to the window's Undo");
    }

    // Properties and the diagram follow the selected node through drops and moves: its child
    // count, its new path, the same box highlighted as the tree's row.
    void panelsFollowDropsAndMoves()
    {
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(":/examples/net_modulelist_fixed.py")));
        window.show();
        Document* doc = window.document();
        ModuleEditor editor(doc);
        const int end = doc->root()->childCount();
        QVERIFY(editor.insertNew(QStringLiteral("ModuleList"), {}, end).isEmpty());
        const QString list = QString::fromStdString(doc->root()->child(end)->path());
        QVERIFY(window.selectPath(list));
        QTRY_VERIFY(window.properties()->containerInfoText().startsWith(QLatin1String("ModuleList with 0 children")));
        QVERIFY(editor.insertNew(QStringLiteral("ReLU"), {end}, 0).isEmpty());
        QVERIFY(editor.insertNew(QStringLiteral("Tanh"), {end}, 1).isEmpty());
        QTRY_VERIFY2(window.properties()->containerInfoText().startsWith(QLatin1String("ModuleList with 2 children")),
                     qPrintable(window.properties()->containerInfoText()));

        QVERIFY(window.selectPath(QStringLiteral("module_list.3")));
        const ml::Module* moved = doc->moduleAtDotted(QStringLiteral("module_list.3"));
        QVERIFY(editor.move({indexPathOf(moved)}, indexPathOf(moved->parent()), 0).isEmpty());
        QCOMPARE(QString::fromStdString(moved->path()), QStringLiteral("module_list.0"));
        QTRY_VERIFY2(window.properties()->titleText().contains(QLatin1String("module_list.0")),
                     qPrintable(window.properties()->titleText()));
        auto* diagram = window.findChild<DiagramView*>();
        QTRY_COMPARE(diagram->selectedPath(), QStringLiteral("module_list.0"));
    }

    // Another model opened: the diagram starts at its top (the input and the model's title),
    // not where the previous model was scrolled to.
    void anotherModelStartsAtItsTop()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        QVERIFY(window.openFile(QStringLiteral(":/examples/fashion_cnn.py")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* diagram = window.findChild<DiagramView*>();
        QVERIFY(window.selectPath(QStringLiteral("head.4")));
        QScrollBar* bar = diagram->verticalScrollBar();
        QTRY_VERIFY(bar->value() > bar->minimum()); // the last layer, far down
        QVERIFY(window.openFile(QStringLiteral(":/examples/tiny_sequential.py")));
        QTRY_COMPARE(window.document()->root()->childCount(), 2);
        QTest::qWait(50);
        QCOMPARE(bar->value(), bar->minimum());
    }

    // A new Module's forward: one button calls every child in stored order; the code editor
    // keeps the indentation on Enter and adds a level after a colon.
    void callChildrenInOrderAndAutoIndent()
    {
        Document doc;
        QString error;
        QVERIFY2(doc.importPython(QStringLiteral("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                                                "        super().__init__()\n        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), "
                                                "nn.ReLU())\n        self.head = nn.ModuleList([nn.Flatten(), nn.Linear(2704, 10)])\n\n"
                                                "    def forward(self, x):\n        return x\n\n\nmodel = Net()\n# input: 1,1,28,28\n"),
                                 QStringLiteral("net.py"), &error),
                qPrintable(error));
        PropertiesPanel panel(&doc);
        panel.setCurrent(doc.treeModel()->index(0, 0));
        ForwardEditor* fwd = panel.forwardEditor();
        QVERIFY(fwd);
        QVERIFY(fwd->isOfferingChildCalls());
        QVERIFY(fwd->canCallChildrenInOrder());
        QVERIFY(fwd->callChildrenButton()->toolTip().contains(QLatin1String("return x")));
        QTest::mouseClick(fwd->callChildrenButton(), Qt::LeftButton);
        const auto* net = static_cast<const ml::CustomModule*>(doc.root());
        const auto steps = [net] {
            QStringList out;
            for (const ml::Stmt& st : net->program().body)
                out << QString::fromStdString(ml::toSource(st));
            return out.join(QLatin1Char('|'));
        };
        const QString inOrder = QStringLiteral("x = self.features(x)|for m in self.head:\n    x = m(x)|return x");
        QCOMPARE(steps(), inOrder);
        QTRY_COMPARE(doc.analysis().outputShape, std::optional<ml::Shape>(ml::Shape({1, 10})));
        QVERIFY(!doc.analysis().hasErrors());
        QCOMPARE(doc.undoStack()->count(), 1);

        // forward() now calls the children in order: the button would change nothing, so it is
        // disabled and says why; pressing it anyway adds no History entry.
        QVERIFY(!fwd->isOfferingChildCalls());
        QVERIFY(!fwd->canCallChildrenInOrder());
        QVERIFY2(fwd->callChildrenButton()->toolTip().contains(QLatin1String("already calls every child")),
                 qPrintable(fwd->callChildrenButton()->toolTip()));
        fwd->callChildrenInOrder();
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(steps(), inOrder);

        // Reordered by hand: the button puts the stored order back.
        ml::ForwardProgram reordered = net->program();
        std::swap(reordered.body[0], reordered.body[1]);
        QVERIFY(ModuleEditor(&doc).setForward({}, reordered, false, QStringLiteral("Reorder forward steps")).isEmpty());
        QTRY_VERIFY(fwd->canCallChildrenInOrder());
        fwd->callChildrenInOrder();
        QCOMPARE(steps(), inOrder);
        QCOMPARE(doc.undoStack()->count(), 3);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QTRY_VERIFY(fwd->isOfferingChildCalls());
        QVERIFY(fwd->canCallChildrenInOrder());

        // A new Module without children has nothing to call yet.
        Document empty;
        empty.reset(createPaletteModule(QStringLiteral("Module")), ml::Shape{1, 4}, QString());
        PropertiesPanel emptyPanel(&empty);
        emptyPanel.setCurrent(empty.treeModel()->index(0, 0));
        QVERIFY(emptyPanel.forwardEditor());
        QVERIFY(!emptyPanel.forwardEditor()->canCallChildrenInOrder());
        QVERIFY(emptyPanel.forwardEditor()->callChildrenButton()->toolTip().contains(QLatin1String("no children")));

        QPlainTextEdit* code = fwd->codeEdit();
        code->setPlainText(QStringLiteral("def forward(self, x):"));
        code->moveCursor(QTextCursor::End);
        QTest::keyClick(code, Qt::Key_Return);
        QTest::keyClicks(code, QStringLiteral("for m in self.head:"));
        QTest::keyClick(code, Qt::Key_Return);
        QTest::keyClicks(code, QStringLiteral("x = m(x)"));
        QTest::keyClick(code, Qt::Key_Return);
        QCOMPARE(code->toPlainText(), QStringLiteral("def forward(self, x):\n    for m in self.head:\n        x = m(x)\n        "));
    }

    // A step longer than the narrow panel is wide wraps: all of it is in view, nothing scrolls
    // sideways.
    void longStepsWrap()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(MODULELAB_EXAMPLES "/autoencoder.py"), &error));
        PropertiesPanel panel(&doc);
        panel.resize(260, 700);
        panel.setCurrent(doc.treeModel()->index(0, 0));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QListWidget* steps = panel.forwardEditor()->stepList();
        QListWidgetItem* longest = nullptr;
        for (int i = 0; i < steps->count(); ++i)
            if (!longest || steps->item(i)->text().size() > longest->text().size())
                longest = steps->item(i);
        QVERIFY(longest);
        const QFontMetrics fm(steps->font());
        QVERIFY2(fm.horizontalAdvance(longest->text()) > steps->viewport()->width(), "the step is longer than the list is wide");
        QTRY_VERIFY(steps->visualItemRect(longest).height() >= 2 * fm.height()); // wrapped
        QVERIFY(steps->visualItemRect(longest).width() <= steps->viewport()->width());
        QCOMPARE(steps->horizontalScrollBar()->maximum(), 0);
        QCOMPARE(longest->toolTip(), longest->text());
    }

    void parseText()
    {
        ml::ArgValue v;
        QVERIFY(ArgEditor::parseText(QStringLiteral("3"), v));
        QCOMPARE(v, ml::ArgValue::ofInt(3));
        QVERIFY(ArgEditor::parseText(QStringLiteral("(3, 5)"), v));
        QCOMPARE(v, ml::ArgValue::ofTuple({3, 5}));
        QVERIFY(ArgEditor::parseText(QStringLiteral("'same'"), v));
        QCOMPARE(v, ml::ArgValue::ofStr("same"));
        QVERIFY(ArgEditor::parseText(QStringLiteral("None"), v));
        QVERIFY(v.isNone());
        QVERIFY(!ArgEditor::parseText(QStringLiteral("(3, x)"), v));
    }

    void inputShape()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        PropertiesPanel panel(&doc);
        panel.inputShapeEdit()->setText(QStringLiteral("1, 1, 0, 28"));
        emit panel.inputShapeEdit()->editingFinished();
        QVERIFY(!panel.inputShapeError().isEmpty());
        QCOMPARE(doc.inputShape(), (ml::Shape{1, 1, 28, 28}));
        panel.inputShapeEdit()->setText(QStringLiteral("2x1x28x28"));
        emit panel.inputShapeEdit()->editingFinished();
        QCOMPARE(doc.inputShape(), (ml::Shape{2, 1, 28, 28}));
        doc.undoStack()->undo();
        QCOMPARE(doc.inputShape(), (ml::Shape{1, 1, 28, 28}));
    }

    void forwardAsCodeAndSteps()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        PropertiesPanel panel(&doc);
        panel.setCurrent(doc.treeModel()->index(0, 0));
        ForwardEditor* fwd = panel.forwardEditor();
        QVERIFY(fwd);
        QVERIFY(fwd->codeEdit()->toPlainText().startsWith(QStringLiteral("def forward(self, x):")));
        QCOMPARE(fwd->stepList()->count(), 2);
        fwd->codeEdit()->setPlainText(QStringLiteral("def forward(self, x):\n    x = self.module_list[0](x\n    return x\n"));
        fwd->parseNow();
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d+:\\d+: expected .\\).")).match(fwd->errorText()).hasMatch(),
                 qPrintable(fwd->errorText()));
        QCOMPARE(doc.undoStack()->count(), 0);
        fwd->codeEdit()->setPlainText(QStringLiteral("def forward(self, x):\n    x = self.module_list[0](x)\n    return x\n"));
        fwd->parseNow();
        QVERIFY2(fwd->errorText().isEmpty(), qPrintable(fwd->errorText()));
        QCOMPARE(doc.undoStack()->count(), 1);
        auto* root = static_cast<ml::CustomModule*>(doc.root());
        QCOMPARE(root->program().body.size(), size_t(2));
        doc.refreshNow();
        QCOMPARE(fwd->stepList()->count(), 2);
        fwd->stepList()->setCurrentRow(1);
        fwd->moveStep(-1);
        QCOMPARE(root->program().body[0].kind, ml::Stmt::Kind::Return);
        fwd->removeStep();
        QCOMPARE(root->program().body.size(), size_t(1));
        while (doc.undoStack()->canUndo())
            doc.undoStack()->undo();
        QCOMPARE(root->program().body[0].kind, ml::Stmt::Kind::For);
    }
};

QTEST_MAIN(TestProperties)
#include "tst_properties.moc"
