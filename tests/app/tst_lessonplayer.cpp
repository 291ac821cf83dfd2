// The lesson player's controls: Back and Next never overlap, whatever the panel's width and
// type size; the last step of a lesson leads on to the next lesson; the lesson menu shows every
// title whole, however narrow the panel.
#include "app/lessons/lessonplayer.h"

#include <QApplication>
#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTest>
#include <QToolButton>

using namespace ml::ui;

namespace {

LessonStep textStep(const char* text)
{
    LessonStep s;
    s.text = QString::fromUtf8(text);
    return s;
}

std::vector<Lesson> twoLessons()
{
    Lesson a{QStringLiteral("a"), QStringLiteral("First lesson"), {textStep("One."), textStep("Two.")}};
    Lesson b{QStringLiteral("b"), QStringLiteral("Second lesson"), {textStep("Three.")}};
    return {a, b};
}

} // namespace

class TestLessonPlayer : public QObject {
    Q_OBJECT
private slots:
    void nextLessonAtTheEnd()
    {
        LessonPlayer player;
        player.setLessons(twoLessons());
        player.startLesson(0);
        QCOMPARE(player.nextButton()->text(), QStringLiteral("Next ▶"));
        QTest::mouseClick(player.nextButton(), Qt::LeftButton);
        QCOMPARE(player.stepIndex(), 1);
        QCOMPARE(player.nextButton()->text(), QStringLiteral("Next lesson ▶"));
        QVERIFY(player.nextButton()->isEnabled());
        QVERIFY(player.nextButton()->toolTip().contains(QStringLiteral("Second lesson")));
        QCOMPARE(player.nextButton()->shortcut(), QKeySequence(Qt::ALT | Qt::Key_Right));
        QTest::mouseClick(player.nextButton(), Qt::LeftButton);
        QCOMPARE(player.lessonIndex(), 1);
        QCOMPARE(player.stepIndex(), 0);
        // The last lesson's last step: nowhere further to go.
        QCOMPARE(player.nextButton()->text(), QStringLiteral("Next ▶"));
        QVERIFY(!player.nextButton()->isEnabled());
        QTest::mouseClick(player.backButton(), Qt::LeftButton); // disabled on a first step
        QCOMPARE(player.lessonIndex(), 1);
    }

    void lessonMenuHasWholeTitles()
    {
        LessonPlayer player;
        player.setLessons(twoLessons());
        player.resize(120, 400); // narrower than any title
        QMenu* menu = player.pickerButton()->menu();
        QVERIFY(menu);
        const QList<QAction*> actions = menu->actions();
        QCOMPARE(actions.size(), 2);
        QCOMPARE(actions[0]->text(), QStringLiteral("First lesson"));
        QCOMPARE(actions[1]->text(), QStringLiteral("Second lesson"));
        // The button's own label is short and whole at that width.
        QVERIFY(player.pickerButton()->sizeHint().width() <= player.pickerButton()->fontMetrics().horizontalAdvance(player.pickerButton()->text()) + 40);
        actions[1]->trigger();
        QCOMPARE(player.lessonIndex(), 1);
        QCOMPARE(player.stepIndex(), 0);
        QVERIFY(actions[1]->isChecked());
        QVERIFY(!actions[0]->isChecked());
        // A new list of lessons replaces the menu's entries.
        player.setLessons({twoLessons()[0]});
        QCOMPARE(menu->actions().size(), 1);
    }

    void buttonsNeverOverlap_data()
    {
        QTest::addColumn<double>("typeScale");
        QTest::newRow("normal type") << 1.0;
        QTest::newRow("classroom type") << 1.6;
    }
    void buttonsNeverOverlap()
    {
        QFETCH(double, typeScale);
        const QFont saved = QApplication::font();
        QFont f = saved;
        f.setPointSizeF(saved.pointSizeF() * typeScale);
        QApplication::setFont(f);
        LessonPlayer player;
        player.setLessons(twoLessons());
        player.startLesson(0);
        player.goToStep(1);
        player.show();
        QVERIFY(QTest::qWaitForWindowExposed(&player));
        for (int width : {player.minimumSizeHint().width(), 260, 400}) {
            player.resize(std::max(width, player.minimumSizeHint().width()), 400);
            QTest::qWait(10);
            const QRect back = player.backButton()->geometry();
            const QRect next = player.nextButton()->geometry();
            QVERIFY2(!back.intersects(next), qPrintable(QStringLiteral("at %1 pixels").arg(player.width())));
            QVERIFY(next.right() < player.width());
            // Each button as wide as its label.
            for (QPushButton* b : {player.backButton(), player.nextButton()})
                QVERIFY(b->width() >= b->fontMetrics().horizontalAdvance(b->text()));
            for (QLabel* l : player.findChildren<QLabel*>())
                if (l->isVisible() && !l->text().isEmpty() && !l->wordWrap())
                    for (QPushButton* b : {player.backButton(), player.nextButton()})
                        QVERIFY(!l->geometry().intersects(b->geometry()));
        }
        QApplication::setFont(saved);
    }
};

QTEST_MAIN(TestLessonPlayer)
#include "tst_lessonplayer.moc"
