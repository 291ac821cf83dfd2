// Lessons are data: every step of every shipped lesson opens the model it names and selects a
// node that exists there; the player drives the main window (open, select, compare).
#include "app/compare/compareview.h"
#include "app/document/document.h"
#include "app/document/modelfiles.h"
#include "app/document/moduletreemodel.h"
#include "app/lessons/lessonbook.h"
#include "app/lessons/lessonplayer.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"
#include "engine/module.h"

#include <QDockWidget>
#include <QLabel>
#include <QTest>

using namespace ml::ui;

class TestLessons : public QObject {
    Q_OBJECT
private slots:
    void shippedLessonsParse()
    {
        const std::vector<Lesson> lessons = builtinLessons();
        QCOMPARE(lessons.size(), size_t(6));
        QStringList ids;
        for (const Lesson& l : lessons)
            ids << l.id;
        QCOMPARE(ids, (QStringList{"module", "sequential", "modulelist", "moduledict", "plainlist", "findbug"}));
    }

    void parseErrorsNameTheStep()
    {
        auto r = parseLessons(R"({"format": "modulelab-lessons", "version": 1, "lessons": [
            {"title": "T", "steps": [{"open": "net.py", "text": "a"}, {"select": "x"}]}]})");
        QVERIFY(std::holds_alternative<QString>(r));
        QCOMPARE(std::get<QString>(r), QStringLiteral("lesson 'T', step 2: no text"));
        QVERIFY(std::holds_alternative<QString>(parseLessons("{")));
        QVERIFY(std::holds_alternative<QString>(parseLessons(R"({"format": "other"})")));
        auto first = parseLessons(R"({"format": "modulelab-lessons", "version": 1, "lessons": [
            {"title": "T", "steps": [{"text": "a"}]}]})");
        QCOMPARE(std::get<QString>(first), QStringLiteral("lesson 'T': the first step must open a model"));
    }

    void everyStepOpensAndSelects()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        auto* tools = window.findChild<TeachingTools*>();
        QVERIFY(tools);
        LessonPlayer* player = tools->lessonPlayer();
        tools->showLessons();
        QVERIFY(tools->lessonsDock()->isVisibleTo(&window));
        int checked = 0;
        for (int l = 0; l < static_cast<int>(player->lessons().size()); ++l) {
            const Lesson& lesson = player->lessons()[static_cast<size_t>(l)];
            player->startLesson(l);
            for (int s = 0; s < static_cast<int>(lesson.steps.size()); ++s) {
                if (s > 0)
                    player->next();
                QCOMPARE(player->stepIndex(), s);
                const LessonStep& step = lesson.steps[static_cast<size_t>(s)];
                const QString where = lesson.id + QStringLiteral(" step ") + QString::number(s + 1);
                // The document shows the model the step names (or the one still open).
                auto expected = readModelFile(effectiveModel(lesson, s));
                QVERIFY2(std::holds_alternative<LoadedModel>(expected), qPrintable(where));
                QCOMPARE(ml::repr(*window.document()->root()), ml::repr(*std::get<LoadedModel>(expected).root));
                // The node exists and is the current one in the tree.
                QVERIFY2(window.document()->moduleAtDotted(step.select), qPrintable(where + ": no node " + step.select));
                QCOMPARE(window.treePanel()->currentIndex().data(ModuleTreeModel::DottedPathRole).toString(), step.select);
                QCOMPARE(player->textLabel()->text(), step.text);
                if (step.compare.size() == 2) {
                    CompareView* view = tools->compareView();
                    QVERIFY(view->comparison());
                    QCOMPARE(view->label(0), step.compare[0]);
                    QCOMPARE(view->label(1), step.compare[1]);
                }
                ++checked;
            }
            // Back returns to the previous step's model and node.
            if (lesson.steps.size() > 1) {
                player->back();
                QCOMPARE(player->stepIndex(), static_cast<int>(lesson.steps.size()) - 2);
                QCOMPARE(window.treePanel()->currentIndex().data(ModuleTreeModel::DottedPathRole).toString(),
                         lesson.steps[lesson.steps.size() - 2].select);
            }
        }
        QVERIFY(checked >= 20);
    }

    void findTheBugPointsAtTheSeedBugs()
    {
        MainWindow window;
        window.setQuiet(true);
        auto* tools = window.findChild<TeachingTools*>();
        LessonPlayer* player = tools->lessonPlayer();
        int index = -1;
        for (size_t l = 0; l < player->lessons().size(); ++l)
            if (player->lessons()[l].id == QLatin1String("findbug"))
                index = static_cast<int>(l);
        QVERIFY(index >= 0);
        player->startLesson(index);
        QStringList bugNodes;
        for (size_t s = 0; s < player->lessons()[static_cast<size_t>(index)].steps.size(); ++s) {
            player->goToStep(static_cast<int>(s));
            const QString sel = player->lessons()[static_cast<size_t>(index)].steps[s].select;
            // An error or warning diagnostic sits at the node (or, for the view bug, at the root).
            for (const ml::Diagnostic& d : window.document()->diagnostics())
                if (d.severity != ml::Severity::Info && !sel.isEmpty() && QString::fromStdString(d.path) == sel)
                    bugNodes << sel;
        }
        QVERIFY(bugNodes.contains(QStringLiteral("bn2")));
        QVERIFY(bugNodes.contains(QStringLiteral("module_list.7")));
    }
};

QTEST_MAIN(TestLessons)
#include "tst_lessons.moc"
