// A long random sequence of edits undone completely gives back the original repr; redone, the final.
#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/moduletreemodel.h"
#include "engine/layer.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QTest>
#include <QUndoStack>

#include <random>

using namespace ml::ui;

class TestUndoRedo : public QObject {
    Q_OBJECT
private:
    static void collect(ml::Module* m, std::vector<ml::Module*>& all)
    {
        all.push_back(m);
        for (const auto& c : m->children())
            collect(c.module.get(), all);
    }

private slots:
    void randomSequenceRoundTrip()
    {
        Document doc;
        QString error;
        QVERIFY2(doc.load(QStringLiteral(":/examples/net_sequential_fixed.py"), &error), qPrintable(error));
        QAbstractItemModelTester tester(doc.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        ModuleEditor editor(&doc);
        const std::string original = ml::repr(*doc.root());
        const QStringList types{"Conv2d", "ReLU", "Linear", "Sequential", "ModuleList", "ModuleDict", "Module",
                                "BatchNorm2d", "Dropout", "MaxPool2d"};
        std::mt19937 rng(1234);
        int applied = 0;
        for (int step = 0; step < 400; ++step) {
            std::vector<ml::Module*> all;
            collect(doc.root(), all);
            auto pick = [&] { return all[std::uniform_int_distribution<size_t>(0, all.size() - 1)(rng)]; };
            ml::Module* m = pick();
            QString problem;
            switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
            case 0: case 1: {
                if (!m->isContainer())
                    m = m->parent() ? m->parent() : doc.root();
                const int at = std::uniform_int_distribution<int>(0, m->childCount())(rng);
                problem = editor.insertNew(types[std::uniform_int_distribution<int>(0, types.size() - 1)(rng)], indexPathOf(m), at);
                break;
            }
            case 2:
                if (!m->parent() || all.size() < 6)
                    continue;
                problem = editor.remove({indexPathOf(m)});
                break;
            case 3: {
                ml::Module* target = pick();
                if (!m->parent() || !target->isContainer() || !ModuleEditor::dropProblem(target, {m}).isEmpty())
                    continue;
                problem = editor.move({indexPathOf(m)}, indexPathOf(target),
                                      std::uniform_int_distribution<int>(0, target->childCount())(rng));
                break;
            }
            case 4:
                if (!m->parent() || m->parent()->namesArePositions())
                    continue;
                problem = editor.rename(indexPathOf(m), QStringLiteral("n%1").arg(step));
                break;
            case 5: {
                auto* layer = dynamic_cast<ml::Layer*>(m);
                if (!layer)
                    continue;
                for (const ml::ArgSpec& spec : layer->schema().args) {
                    if ((spec.accepts & ml::kAcceptInt) && layer->arg(spec.name).type == ml::ArgValue::Type::Int) {
                        problem = editor.setArg(indexPathOf(m), QString::fromUtf8(spec.name.data(), spec.name.size()),
                                                ml::ArgValue::ofInt(std::uniform_int_distribution<int>(1, 64)(rng)), step % 2);
                        break;
                    }
                }
                break;
            }
            }
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            ++applied;
            if (step % 50 == 0)
                doc.refreshNow();
        }
        QVERIFY(applied > 200);
        const std::string final = ml::repr(*doc.root());
        QVERIFY(final != original);
        while (doc.undoStack()->canUndo())
            doc.undoStack()->undo();
        QCOMPARE(ml::repr(*doc.root()), original);
        while (doc.undoStack()->canRedo())
            doc.undoStack()->redo();
        QCOMPARE(ml::repr(*doc.root()), final);
        doc.refreshNow();
    }

    void spinEditsMerge()
    {
        Document doc;
        QString error;
        QVERIFY(doc.load(QStringLiteral(":/examples/net_modulelist_fixed.py"), &error));
        ModuleEditor editor(&doc);
        const IndexPath conv{0, 3};
        for (int v = 65; v <= 70; ++v)
            QVERIFY(editor.setArg(conv, QStringLiteral("out_channels"), ml::ArgValue::ofInt(v), true).isEmpty());
        QCOMPARE(doc.undoStack()->count(), 1);
        QVERIFY(editor.setArg(conv, QStringLiteral("stride"), ml::ArgValue::ofInt(2), true).isEmpty());
        QCOMPARE(doc.undoStack()->count(), 2);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.moduleAt(conv)->extraRepr(), std::string("32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)"));
        // Invalid values are refused with PyTorch's message and push nothing.
        const QString problem = editor.setArg(conv, QStringLiteral("out_channels"), ml::ArgValue::ofInt(0), true);
        QVERIFY(!problem.isEmpty());
        QCOMPARE(doc.undoStack()->index(), 0);
    }

    void largeModelStaysFast()
    {
        Document doc;
        ModuleEditor editor(&doc);
        std::vector<std::pair<std::string, std::unique_ptr<ml::Module>>> many;
        auto seq = ml::makeContainer(ml::ModuleKind::Sequential);
        for (int i = 0; i < 5000; ++i)
            seq->appendChild("", ml::createExampleLayer(i % 2 ? "ReLU" : "Dropout"));
        many.emplace_back("body", std::move(seq));
        QVERIFY(editor.insertModules(std::move(many), {}, 0, QStringLiteral("Insert")).isEmpty());
        QElapsedTimer t;
        t.start();
        doc.refreshNow();
        QVERIFY(doc.nodeCount() > 5000);
        qInfo("refresh of %d nodes: %lld ms (analysis %.2f ms)", doc.nodeCount(), t.elapsed(), doc.lastAnalysisMs());
        QVERIFY(t.elapsed() < 2000);
    }
};

QTEST_MAIN(TestUndoRedo)
#include "tst_undoredo.moc"
