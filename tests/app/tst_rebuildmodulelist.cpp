// The seed's NetSequential rebuilt into its NetModuleList form the way a user's drags do it:
// palette drops and tree moves through the tree model's mimeData() + dropMimeData() (and the
// removeRows() clean-up the view sends after a move), watching the analysis after every step,
// then everything undone back to the original repr.
#include "app/document/document.h"
#include "app/document/forwardtext.h"
#include "app/document/mimeformats.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "app/ui/forwardeditor.h"
#include "app/ui/propertiespanel.h"
#include "engine/module.h"

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <variant>

using namespace ml::ui;

namespace {
constexpr int64_t kFixedParams = 51'410'506;
}

class TestRebuildModuleList : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<Document> m_doc;
    std::unique_ptr<QSignalSpy> m_analysed;
    std::string m_original;
    std::string m_fixedList; // repr of net_modulelist_fixed.py's module_list

    ModuleTreeModel* model() const { return m_doc->treeModel(); }
    ml::Module* at(const char* dotted) const { return m_doc->moduleAtDotted(QString::fromLatin1(dotted)); }
    QModelIndex idx(const char* dotted) const { return model()->indexOf(at(dotted)); }

    // A palette entry dropped on `parent` at `row` (-1: onto the container, appended).
    bool paletteDrop(const char* type, const char* parent, int row)
    {
        std::unique_ptr<QMimeData> data(paletteMimeData(QString::fromLatin1(type)));
        return model()->dropMimeData(data.get(), Qt::CopyAction, row, 0, idx(parent));
    }

    // A tree node dragged onto `parent` at `row`; like QAbstractItemView after a MoveAction
    // drop, removeRows() then goes to the rows the selection follows to (must remove nothing).
    bool treeMove(const char* node, const char* parent, int row)
    {
        ml::Module* moving = at(node);
        std::unique_ptr<QMimeData> data(model()->mimeData({idx(node)}));
        if (!data || !model()->dropMimeData(data.get(), Qt::MoveAction, row, 0, idx(parent)))
            return false;
        const QModelIndex landed = model()->indexOf(moving);
        const int children = moving->parent()->childCount();
        return model()->removeRows(landed.row(), 1, landed.parent()) && moving->parent()->childCount() == children;
    }

    // The coalesced analysis ran after the edit (it is not called by hand).
    bool analysed()
    {
        const bool ran = m_analysed->count() > 0 || m_analysed->wait(5000);
        m_analysed->clear();
        return ran;
    }

    QString outputOf(const char* dotted) const
    {
        const ml::NodeInfo* info = m_doc->analysis().info(at(dotted));
        return info && info->outputShape ? QString::fromStdString(info->outputShape->toString()) : QStringLiteral("-");
    }
    QString modelOutput() const
    {
        const auto& out = m_doc->analysis().outputShape;
        return out ? QString::fromStdString(out->toString()) : QStringLiteral("-");
    }
    int64_t paramsOf(const char* dotted) const { return m_doc->params(at(dotted)).value_or(-1); }

    void undoAll()
    {
        while (m_doc->undoStack()->canUndo()) {
            m_doc->undoStack()->undo();
            QVERIFY(analysed());
        }
        QCOMPARE(ml::repr(*m_doc->root()), m_original);
        QCOMPARE(modelOutput(), QStringLiteral("[1, 10]"));
        QCOMPARE(m_doc->totals().totalParams, kFixedParams);
        QVERIFY(!m_doc->analysis().hasErrors());
    }

private slots:
    void initTestCase()
    {
        Document fixed;
        QString error;
        QVERIFY2(fixed.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error), qPrintable(error));
        QCOMPARE(fixed.totals().totalParams, kFixedParams);
        QCOMPARE(QString::fromStdString(fixed.analysis().outputShape->toString()), QStringLiteral("[1, 10]"));
        m_fixedList = ml::repr(*fixed.moduleAtDotted(QStringLiteral("module_list")));
    }

    void init()
    {
        m_doc = std::make_unique<Document>();
        QString error;
        QVERIFY2(m_doc->load(QStringLiteral(":/examples/net_sequential_fixed.py"), &error), qPrintable(error));
        new QAbstractItemModelTester(model(), QAbstractItemModelTester::FailureReportingMode::QtTest, m_doc.get());
        m_analysed = std::make_unique<QSignalSpy>(m_doc.get(), &Document::analysisUpdated);
        m_original = ml::repr(*m_doc->root());
        QCOMPARE(m_doc->totals().totalParams, kFixedParams);
        QCOMPARE(modelOutput(), QStringLiteral("[1, 10]"));
    }

    void cleanup()
    {
        m_analysed.reset();
        m_doc.reset();
    }

    // Drags alone: conv_block2's and decoder's layers move into conv_block1 one by one, with a
    // Flatten from the palette where NetModuleList has it. The model stays valid at every step,
    // the shapes follow, and conv_block1 ends as NetModuleList's ten layers in the same order.
    void intoOneListByDragsAlone()
    {
        struct Step {
            const char* node; // moved node, or nullptr for the palette Flatten
            QString blockOutput;
            QString conv_block2Output;
            int64_t blockParams;
        };
        const Step steps[] = {
            {"conv_block2.0", "[1, 64, 28, 28]", "[1, 64, 28, 28]", 320 + 64 + 18'496},
            {"conv_block2.0", "[1, 64, 28, 28]", "[1, 64, 28, 28]", 320 + 64 + 18'496 + 128},
            {"conv_block2.0", "[1, 64, 28, 28]", "[1, 64, 28, 28]", 320 + 64 + 18'496 + 128},
            {nullptr, "[1, 50176]", "[1, 50176]", 320 + 64 + 18'496 + 128},
            {"decoder.0", "[1, 1024]", "[1, 1024]", 320 + 64 + 18'496 + 128 + 51'381'248},
            {"decoder.0", "[1, 1024]", "[1, 1024]", 320 + 64 + 18'496 + 128 + 51'381'248},
            {"decoder.0", "[1, 10]", "[1, 10]", kFixedParams},
        };
        int n = 0;
        for (const Step& s : steps) {
            ++n;
            if (s.node)
                QVERIFY2(treeMove(s.node, "conv_block1", -1), s.node);
            else
                QVERIFY(paletteDrop("Flatten", "conv_block1", -1));
            QVERIFY(analysed());
            QCOMPARE(m_doc->undoStack()->count(), n);
            QVERIFY2(!m_doc->analysis().hasErrors(), qPrintable(QString::number(n)));
            QCOMPARE(outputOf("conv_block1"), s.blockOutput);
            QCOMPARE(outputOf("conv_block2"), s.conv_block2Output); // an empty Sequential passes x on
            QCOMPARE(paramsOf("conv_block1"), s.blockParams);
            QCOMPARE(m_doc->totals().totalParams, kFixedParams);
            QCOMPARE(modelOutput(), QStringLiteral("[1, 10]"));
        }
        QCOMPARE(at("conv_block2")->childCount(), 0);
        QCOMPARE(at("decoder")->childCount(), 0);
        // The same ten layers under the same positional names as NetModuleList's module_list.
        std::string list = ml::repr(*at("conv_block1"));
        QVERIFY(list.starts_with("Sequential("));
        list.replace(0, std::string("Sequential").size(), "ModuleList");
        QCOMPARE(list, m_fixedList);
        undoAll();
    }

    // The ModuleList itself: dropped from the palette, filled by moves. A ModuleList is not
    // callable, so the root's forward must switch from calling the blocks to looping over the
    // list; that one step is the forward editor's command, not a drag.
    void moduleListFormWithTheForwardLoop()
    {
        QVERIFY(paletteDrop("ModuleList", "", 0));
        QVERIFY(analysed());
        QCOMPARE(paramsOf("modulelist"), 0);
        // Entries of a ModuleList that forward never calls are warned about one by one.
        const auto neverCalled = [this] {
            int n = 0;
            for (const ml::Diagnostic& d : m_doc->analysis().diagnostics)
                n += d.path.starts_with("modulelist.") && d.severity == ml::Severity::Warning;
            return n;
        };
        QCOMPARE(neverCalled(), 0);
        struct Step {
            const char* node;
            int64_t listParams;
        };
        const Step steps[] = {
            {"conv_block1.0", 320}, {"conv_block1.0", 384}, {"conv_block1.0", 384},
            {"conv_block2.0", 18'880}, {"conv_block2.0", 19'008}, {"conv_block2.0", 19'008},
            {nullptr, 19'008},
            {"decoder.0", 51'400'256}, {"decoder.0", 51'400'256}, {"decoder.0", kFixedParams},
        };
        for (const Step& s : steps) {
            if (s.node)
                QVERIFY2(treeMove(s.node, "modulelist", -1), s.node);
            else
                QVERIFY(paletteDrop("Flatten", "modulelist", -1));
            QVERIFY(analysed());
            QCOMPARE(paramsOf("modulelist"), s.listParams);
            QCOMPARE(m_doc->totals().totalParams, kFixedParams); // moved, never copied
        }
        QCOMPARE(ml::repr(*at("modulelist")), m_fixedList);
        // The blocks are empty Sequentials now: forward still runs, on the unchanged input.
        QCOMPARE(modelOutput(), QStringLiteral("[1, 784]"));
        QVERIFY(!m_doc->analysis().hasErrors());
        QCOMPARE(neverCalled(), 10); // registered, but not used by forward yet

        // Dragging the list from the tree onto the first forward step makes forward loop over it,
        // as NetModuleList's does; the emptied blocks after it pass [1, 10] through unchanged.
        PropertiesPanel panel(m_doc.get());
        panel.setCurrent(model()->index(0, 0));
        QVERIFY(panel.forwardEditor());
        std::unique_ptr<QMimeData> list(model()->mimeData({idx("modulelist")}));
        QVERIFY(panel.forwardEditor()->dropModules(list.get(), 0));
        QVERIFY(analysed());
        const auto* root = dynamic_cast<const ml::CustomModule*>(m_doc->root());
        QVERIFY(root && !root->program().body.empty());
        QCOMPARE(QString::fromStdString(ml::toSource(root->program().body[0])), QStringLiteral("for m in self.modulelist:\n    x = m(x)"));
        QCOMPARE(modelOutput(), QStringLiteral("[1, 10]"));
        QCOMPARE(m_doc->totals().totalParams, kFixedParams);
        QVERIFY(!m_doc->analysis().hasErrors());
        QCOMPARE(neverCalled(), 0);
        QCOMPARE(outputOf("modulelist.7"), QStringLiteral("[1, 1024]"));
        undoAll();
    }
};

QTEST_MAIN(TestRebuildModuleList)
#include "tst_rebuildmodulelist.moc"
