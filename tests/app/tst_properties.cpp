// The properties panel: editors from the schema, PyTorch's validation shown inline and not
// applied, the input shape, and a custom Module's forward edited as code with located errors.
#include "app/document/document.h"
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
#include <QRegularExpression>
#include <QSpinBox>
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
