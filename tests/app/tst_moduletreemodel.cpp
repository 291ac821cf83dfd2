// The module tree model under QAbstractItemModelTester; drops through mimeData + dropMimeData.
#include "app/document/diagnosticsmodel.h"
#include "app/document/document.h"
#include "app/document/mimeformats.h"
#include "app/document/moduletreemodel.h"
#include "app/document/palettemodel.h"
#include "engine/layer.h"

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace ml::ui;

class TestModuleTreeModel : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<Document> m_doc;
    ModuleTreeModel* model() { return m_doc->treeModel(); }
    QModelIndex idx(const char* dotted) { return model()->indexOf(m_doc->moduleAtDotted(QString::fromLatin1(dotted))); }
    QString repr() { return QString::fromStdString(ml::repr(*m_doc->root())); }
    bool drop(QMimeData* data, Qt::DropAction action, int row, const QModelIndex& parent)
    {
        std::unique_ptr<QMimeData> owned(data);
        return model()->dropMimeData(data, action, row, 0, parent);
    }
    QMimeData* dragOf(std::initializer_list<const char*> paths)
    {
        QModelIndexList list;
        for (const char* p : paths)
            list << idx(p);
        return model()->mimeData(list);
    }

private slots:
    void init()
    {
        m_doc = std::make_unique<Document>();
        QString error;
        QVERIFY2(m_doc->load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error), qPrintable(error));
        new QAbstractItemModelTester(model(), QAbstractItemModelTester::FailureReportingMode::QtTest, m_doc.get());
    }

    void structureAndColumns()
    {
        QCOMPARE(model()->rowCount(), 1);
        const QModelIndex list = idx("module_list");
        QCOMPARE(model()->rowCount(list), 10);
        const QModelIndex conv = model()->index(3, 0, list);
        QCOMPARE(conv.data().toString(), QStringLiteral("3"));
        QCOMPARE(conv.siblingAtColumn(ModuleTreeModel::TypeColumn).data().toString(), QStringLiteral("Conv2d"));
        QCOMPARE(conv.siblingAtColumn(ModuleTreeModel::InputColumn).data().toString(), QStringLiteral("[1, 32, 28, 28]"));
        QCOMPARE(conv.siblingAtColumn(ModuleTreeModel::OutputColumn).data().toString(), QStringLiteral("[1, 64, 28, 28]"));
        QCOMPARE(conv.siblingAtColumn(ModuleTreeModel::ParamsColumn).data().toString(), QStringLiteral("18,496"));
        QCOMPARE(model()->index(0, 0).siblingAtColumn(ModuleTreeModel::ParamsColumn).data().toString(),
                 QStringLiteral("51,410,506"));
        QVERIFY(!(model()->flags(conv) & Qt::ItemIsEditable)); // ModuleList children are positions
        QVERIFY(!(model()->flags(conv) & Qt::ItemIsDropEnabled));
    }

    void paletteDropAtPositions()
    {
        const QModelIndex list = idx("module_list");
        QVERIFY(drop(paletteMimeData(QStringLiteral("Dropout")), Qt::CopyAction, 0, list));
        QVERIFY(drop(paletteMimeData(QStringLiteral("ReLU")), Qt::CopyAction, -1, list));
        QVERIFY(drop(paletteMimeData(QStringLiteral("Tanh")), Qt::CopyAction, 5, list));
        m_doc->refreshNow();
        ml::Module* l = m_doc->moduleAtDotted(QStringLiteral("module_list"));
        QCOMPARE(l->childCount(), 13);
        QCOMPARE(l->child(0)->typeName(), std::string("Dropout"));
        QCOMPARE(l->child(5)->typeName(), std::string("Tanh"));
        QCOMPARE(l->child(12)->typeName(), std::string("ReLU"));
        QCOMPARE(l->childName(12), std::string("12"));
        // Into the root (a custom Module): named after the type, distinct.
        QVERIFY(drop(paletteMimeData(QStringLiteral("Sequential")), Qt::CopyAction, 1, idx("")));
        QVERIFY(drop(paletteMimeData(QStringLiteral("Sequential")), Qt::CopyAction, 2, idx("")));
        QCOMPARE(m_doc->root()->childName(1), std::string("sequential"));
        QCOMPARE(m_doc->root()->childName(2), std::string("sequential1"));
        QVERIFY(drop(paletteMimeData(QStringLiteral("Conv2d")), Qt::CopyAction, 0, idx("sequential")));
        QCOMPARE(m_doc->moduleAtDotted(QStringLiteral("sequential.0"))->typeName(), std::string("Conv2d"));
        QCOMPARE(m_doc->undoStack()->count(), 6);
    }

    void refusedDrops()
    {
        QSignalSpy refused(model(), &ModuleTreeModel::editRefused);
        const QString before = repr();
        QVERIFY(!model()->canDropMimeData(std::unique_ptr<QMimeData>(paletteMimeData("ReLU")).get(), Qt::CopyAction,
                                          0, 0, idx("module_list.0")));
        QVERIFY(!drop(paletteMimeData(QStringLiteral("ReLU")), Qt::CopyAction, 0, idx("module_list.0")));
        QVERIFY(refused.last().at(0).toString().contains(QStringLiteral("layer")));
        QVERIFY(!drop(dragOf({"module_list"}), Qt::MoveAction, 0, idx("module_list")));
        QVERIFY(refused.last().at(0).toString().contains(QStringLiteral("itself")));
        QVERIFY(drop(paletteMimeData(QStringLiteral("Sequential")), Qt::CopyAction, 0, idx("module_list")));
        const QString withSeq = repr();
        QVERIFY(!drop(dragOf({"module_list"}), Qt::MoveAction, 0, idx("module_list.0")));
        QVERIFY(refused.last().at(0).toString().contains(QStringLiteral("its own children")));
        QCOMPARE(repr(), withSeq);
        QVERIFY(!drop(paletteMimeData(QStringLiteral("NoSuchLayer")), Qt::CopyAction, 0, idx("module_list")));
        QCOMPARE(refused.count(), 4);
        m_doc->undoStack()->undo();
        QCOMPARE(repr(), before);
    }

    void moveWithinAndBetween()
    {
        ml::Module* list = m_doc->moduleAtDotted(QStringLiteral("module_list"));
        ml::Module* sigmoid = list->child(8);
        // Within: Sigmoid to the front.
        QVERIFY(drop(dragOf({"module_list.8"}), Qt::MoveAction, 0, idx("module_list")));
        QCOMPARE(list->child(0), sigmoid);
        QCOMPARE(list->childName(0), std::string("0"));
        // Qt's view then calls removeRows on the source selection, which now sits at the target.
        QVERIFY(model()->removeRows(0, 1, idx("module_list")));
        QCOMPARE(list->childCount(), 10);
        QCOMPARE(list->child(0), sigmoid);
        // Downwards in the same parent (row counts the position before the move).
        QVERIFY(drop(dragOf({"module_list.0"}), Qt::MoveAction, 9, idx("module_list")));
        QCOMPARE(list->child(8), sigmoid);
        // Between containers: into the root, named.
        QVERIFY(drop(dragOf({"module_list.8"}), Qt::MoveAction, 1, idx("")));
        QCOMPARE(m_doc->root()->child(1), sigmoid);
        QCOMPARE(m_doc->root()->childName(1), std::string("sigmoid"));
        QCOMPARE(list->childCount(), 9);
        QVERIFY(model()->removeRows(1, 1, idx(""))); // the view's clean-up: nothing removed
        QCOMPARE(m_doc->root()->childCount(), 2);
        // A later, real removeRows still removes.
        QVERIFY(model()->removeRows(1, 1, idx("")));
        QCOMPARE(m_doc->root()->childCount(), 1);
        m_doc->undoStack()->undo();
        m_doc->undoStack()->undo();
        m_doc->undoStack()->undo();
        m_doc->undoStack()->undo();
        QCOMPARE(list->child(8), sigmoid);
        QCOMPARE(list->childCount(), 10);
    }

    void moveSeveralAndCopyDrop()
    {
        const QString before = repr();
        QVERIFY(drop(paletteMimeData(QStringLiteral("ModuleList")), Qt::CopyAction, -1, idx("")));
        QVERIFY(drop(dragOf({"module_list.0", "module_list.1", "module_list.2"}), Qt::MoveAction, 0, idx("modulelist")));
        QCOMPARE(m_doc->moduleAtDotted("modulelist")->childCount(), 3);
        QCOMPARE(m_doc->moduleAtDotted("modulelist.1")->typeName(), std::string("BatchNorm2d"));
        QCOMPARE(m_doc->moduleAtDotted("module_list")->childCount(), 7);
        QVERIFY(drop(dragOf({"modulelist.0"}), Qt::CopyAction, 0, idx("module_list")));
        QCOMPARE(m_doc->moduleAtDotted("module_list")->childCount(), 8);
        while (m_doc->undoStack()->canUndo())
            m_doc->undoStack()->undo();
        QCOMPARE(repr(), before);
    }

    void renameValidation()
    {
        QVERIFY(drop(paletteMimeData(QStringLiteral("ReLU")), Qt::CopyAction, -1, idx("")));
        const QModelIndex relu = idx("relu");
        QVERIFY(model()->flags(relu) & Qt::ItemIsEditable);
        QSignalSpy refused(model(), &ModuleTreeModel::editRefused);
        QVERIFY(!model()->setData(relu, QStringLiteral("2fast")));
        QVERIFY(!model()->setData(relu, QStringLiteral("class")));
        QVERIFY(!model()->setData(relu, QStringLiteral("module_list")));
        QCOMPARE(refused.count(), 3);
        QVERIFY(model()->setData(relu, QStringLiteral("act")));
        QCOMPARE(m_doc->root()->childName(1), std::string("act"));
        m_doc->undoStack()->undo();
        QCOMPARE(m_doc->root()->childName(1), std::string("relu"));
    }

    void errorsMarkNodeAndAncestors()
    {
        ml::Module* list = m_doc->moduleAtDotted(QStringLiteral("module_list"));
        QVERIFY(drop(paletteMimeData(QStringLiteral("Linear")), Qt::CopyAction, 1, idx("module_list")));
        m_doc->refreshNow();
        QVERIFY(m_doc->analysis().hasErrors());
        const QModelIndex bad = model()->indexOf(list->child(1));
        QVERIFY(!bad.data(Qt::DecorationRole).isNull());
        QVERIFY(bad.data(Qt::ToolTipRole).toString().contains(QStringLiteral("error")));
        QVERIFY(idx("").data(Qt::ToolTipRole).toString().contains(QStringLiteral("inside")));
        QVERIFY(idx("module_list.0").data(Qt::DecorationRole).isNull());
        DiagnosticsModel diagnostics(m_doc.get());
        QAbstractItemModelTester tester(&diagnostics, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(diagnostics.rowCount() >= 1);
        QCOMPARE(diagnostics.index(0, DiagnosticsModel::NodeColumn).data().toString(), QStringLiteral("module_list.1"));
        m_doc->undoStack()->undo();
        m_doc->refreshNow();
        QCOMPARE(diagnostics.rowCount(), 0);
    }

    void paletteModel()
    {
        PaletteModel palette;
        QAbstractItemModelTester tester(&palette, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QStringList groups, entries;
        for (int g = 0; g < palette.rowCount(); ++g) {
            const QModelIndex gi = palette.index(g, 0);
            groups << gi.data().toString();
            for (int e = 0; e < palette.rowCount(gi); ++e)
                entries << palette.index(e, 0, gi).data().toString();
        }
        QCOMPARE(groups.first(), QStringLiteral("Containers"));
        for (const char* g : {"Convolution", "Normalization", "Linear", "Activation", "Pooling", "Reshape", "Regularization"})
            QVERIFY2(groups.contains(QString::fromLatin1(g)), g);
        QCOMPARE(entries.size(), 4 + static_cast<int>(ml::layerRegistry().size()));
        std::unique_ptr<QMimeData> data(palette.mimeData({palette.index(1, 0, palette.index(0, 0))}));
        QCOMPARE(QString::fromUtf8(data->data(kPaletteMimeType)), QStringLiteral("Sequential"));
    }
};

QTEST_MAIN(TestModuleTreeModel)
#include "tst_moduletreemodel.moc"
