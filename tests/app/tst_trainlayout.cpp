// The main window while it trains, on a 1280x720 projector and a 1920x1080 screen: the module
// tree shows every column whole beside the weight-change badges (name, badge, parameters, output
// shape, mult-adds), and the Train panel gets the right column's height (its charts without
// scrolling) while the Diagnostics panel under it has nothing to say.
#include "app/classroom/classroommode.h"
#include "app/compare/comparetraining.h"
#include "app/compare/compareview.h"
#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/train/traincharts.h"
#include "app/train/traindocks.h"
#include "app/train/trainpanel.h"
#include "app/train/trainsession.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"
#include "classroomwindow.h"
#include "layoutchecks.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QValueAxis>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QMenu>
#include <QScopeGuard>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QTest>

using namespace ml::ui;
using ml::ui::testing::treeCut;

namespace {

const QString kSamples = QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist");

} // namespace

class TestTrainLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { ml::ui::testing::useOwnSettings(QStringLiteral("ModuleLabTrainLayoutTest")); }
    void cleanupTestCase() { QSettings().clear(); }

    void trainingKeepsTreeAndPanelWhole_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("layer"); // the first with weights
        // The autoencoder's ConvTranspose2d rows are wider.
        const std::pair<const char*, const char*> files[] = {{"fashion_cnn.py", "features.0"}, {"autoencoder.py", "encoder.0"}};
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            for (const auto& [file, layer] : files)
                QTest::addRow("%dx%d %s", size.width(), size.height(), qPrintable(QFileInfo(QString::fromLatin1(file)).fileName()))
                    << size << QString::fromLatin1(file) << QString::fromLatin1(layer);
    }
    void trainingKeepsTreeAndPanelWhole()
    {
        QFETCH(QSize, size);
        QFETCH(QString, file);
        QFETCH(QString, layer);
        MainWindow window;
        window.setQuiet(true);
        window.resize(size);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/") + file));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* train = window.findChild<TrainDocks*>();
        QVERIFY(train);
        train->session()->setDataDirectory(kSamples); // 30 images: one step an epoch
        QVERIFY(train->trainSteps(2, 120000));
        for (int k = 0; k < 3; ++k)
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCoreApplication::processEvents();

        // Badges on the trained layers, and every column whole beside them.
        ModuleTreePanel* tree = window.treePanel();
        const QModelIndex conv = window.document()->treeModel()->indexOf(window.document()->moduleAtDotted(layer));
        QVERIFY(tree->itemDelegateForIndex(conv)->sizeHint(QStyleOptionViewItem(), conv).width() >
                QFontMetrics(tree->font()).horizontalAdvance(QStringLiteral("0")) + 20);
        for (int c : {ModuleTreeModel::NameColumn, ModuleTreeModel::TypeColumn, ModuleTreeModel::OutputColumn,
                      ModuleTreeModel::ParamsColumn, ModuleTreeModel::MultAddsColumn})
            QVERIFY2(!tree->header()->isSectionHidden(c), qPrintable(QStringLiteral("column %1 is hidden").arg(c)));
        QVERIFY2(treeCut(tree).isEmpty(), qPrintable(treeCut(tree)));

        // The Train panel has the column's height, the empty Diagnostics panel only its header.
        QDockWidget* trainDock = train->dock();
        auto* diags = window.findChild<QDockWidget*>(QStringLiteral("diagnosticsDock"));
        QVERIFY(trainDock->isVisible() && diags->isVisible());
        const int column = trainDock->height() + diags->height();
        QVERIFY2(trainDock->height() >= column * 80 / 100,
                 qPrintable(QStringLiteral("the Train panel is %1 of %2 px").arg(trainDock->height()).arg(column)));
        auto* scroll = qobject_cast<QScrollArea*>(trainDock->widget());
        QVERIFY(scroll);
        QVERIFY2(scroll->verticalScrollBar()->maximum() == 0,
                 qPrintable(QStringLiteral("the Train panel scrolls by %1 px").arg(scroll->verticalScrollBar()->maximum())));
        QVERIFY2(scroll->horizontalScrollBar()->maximum() == 0,
                 qPrintable(QStringLiteral("the Train panel scrolls sideways by %1 px").arg(scroll->horizontalScrollBar()->maximum())));
        // Every field, button and the progress bar whole inside the panel's right edge.
        const QString cut = ml::ui::testing::textCut(trainDock);
        QVERIFY2(cut.isEmpty(), qPrintable(cut));
        train->session()->stop(QString());
    }

    // The Save button's menu arrow is part of its text, spaced as text is (a style's menu
    // indicator is drawn in the button's corner, over the text, and classroom mode's padding
    // moves it further in); it opens the menu of what can be saved. Mid-run, in the window's type
    // and in classroom mode's, the Train panel shows every control whole and fits its column
    // without scrolling.
    // The two-headed model's Train panel also has the Output field, in a narrower column (its
    // tree shows the input shapes): the settings take more rows rather than scroll sideways.
    void saveButtonAndPanelWhole_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("classroom");
        for (const char* file : {"fashion_cnn.py", "../../tests/data/train/models/two_heads.py"})
            for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
                for (const bool classroom : {false, true})
                    QTest::addRow("%s %dx%d%s", qPrintable(QFileInfo(QString::fromLatin1(file)).fileName()), size.width(), size.height(),
                                  classroom ? " classroom" : "")
                        << QString::fromLatin1(file) << size << classroom;
    }
    void saveButtonAndPanelWhole()
    {
        QFETCH(QString, file);
        QFETCH(QSize, size);
        QFETCH(bool, classroom);
        MainWindow window;
        QString why;
        QVERIFY2(ml::ui::testing::presentAt(window, size, QStringLiteral(MODULELAB_EXAMPLES "/") + file, false, &why), qPrintable(why));
        auto* train = window.findChild<TrainDocks*>();
        train->session()->setDataDirectory(kSamples);
        train->showDock();
        QVERIFY(train->trainSteps(2, 120000));
        // The application's type as it was for the next case, also when this one fails.
        const auto restore = qScopeGuard([&window] { ml::ui::testing::classroomOf(window)->setActive(false); });
        if (classroom) { // mid-run, as F11 switches it on
            ml::ui::testing::classroomOf(window)->setActive(true);
            train->showDock();
        }
        for (int k = 0; k < 3; ++k) {
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            QCoreApplication::processEvents();
        }
        TrainPanel* panel = train->panel();
        QPushButton* save = panel->saveButton();
        QVERIFY(save->isVisible());
        QVERIFY(save->text().endsWith(QStringLiteral(" ▾")));
        QVERIFY(!save->menu()); // no indicator of the style's in the corner
        QStringList entries;
        for (QAction* a : panel->saveMenu()->actions())
            entries << a->text();
        QCOMPARE(entries, QStringList({QStringLiteral("Save Trained Weights…"), QStringLiteral("Save Checkpoint…"),
                                       QStringLiteral("Resume from Checkpoint…")}));
        const QString cut = ml::ui::testing::textCut(train->dock());
        QVERIFY2(cut.isEmpty(), qPrintable(cut));
        auto* scroll = qobject_cast<QScrollArea*>(train->dock()->widget());
        QVERIFY2(scroll->verticalScrollBar()->maximum() == 0 && scroll->horizontalScrollBar()->maximum() == 0,
                 qPrintable(QStringLiteral("the Train panel scrolls by %1 px, sideways by %2 px")
                                .arg(scroll->verticalScrollBar()->maximum())
                                .arg(scroll->horizontalScrollBar()->maximum())));
        ml::ui::testing::keepScreenshot(window, QStringLiteral("train-panel-%1%2").arg(QFileInfo(file).baseName(), classroom ? QStringLiteral("-classroom") : QString()));
        train->session()->stop(QString());
    }

    // Classroom mode's large type reaches the Train panel whole: the progress bar is as tall as
    // its text, and the charts' titles, labels and legends grow with the panel's type.
    void classroomTypeReachesTheTrainPanel()
    {
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        QVERIFY(window.openFile(QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.py")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* train = window.findChild<TrainDocks*>();
        train->session()->setDataDirectory(kSamples);
        QVERIFY(train->trainSteps(2, 120000));
        auto* panel = window.findChild<TrainPanel*>();
        QVERIFY(panel);
        auto titleSize = [panel] { return panel->charts()->findChild<QChartView*>()->chart()->titleFont().pointSizeF(); };
        const qreal windowTitle = titleSize();
        window.findChild<TeachingTools*>()->classroom()->setActive(true);
        for (int k = 0; k < 3; ++k)
            QCoreApplication::processEvents();
        auto* progress = panel->findChild<QProgressBar*>();
        QVERIFY2(progress->height() >= progress->fontMetrics().height(),
                 qPrintable(QStringLiteral("the progress bar is %1 px high for %2 px of text").arg(progress->height()).arg(progress->fontMetrics().height())));
        QVERIFY2(titleSize() > windowTitle * 1.2, qPrintable(QStringLiteral("chart titles at %1 pt, %2 pt in the window").arg(titleSize()).arg(windowTitle)));
        train->session()->stop(QString());
        window.findChild<TeachingTools*>()->classroom()->setActive(false); // the application's type as it was

    }

    // The compare view's training charts follow their panel's type as the Train panel's do: a
    // larger font (classroom mode's) reaches their titles, axis labels and legends.
    void compareChartsFollowThePanelType()
    {
        CompareTraining compare;
        compare.resize(1280, 500);
        compare.show();
        QVERIFY(QTest::qWaitForWindowExposed(&compare));
        const auto sizes = [&compare] {
            QList<qreal> out;
            for (QChartView* view : {compare.lossView(), compare.epochView()}) {
                out << view->chart()->titleFont().pointSizeF() << view->chart()->legend()->font().pointSizeF();
                for (QAbstractAxis* a : view->chart()->axes())
                    out << a->labelsFont().pointSizeF();
            }
            return out;
        };
        const QList<qreal> before = sizes();
        QFont large = compare.font();
        large.setPointSizeF(large.pointSizeF() * 2.5);
        compare.setFont(large);
        const QList<qreal> after = sizes();
        QCOMPARE(after.size(), before.size());
        for (qsizetype k = 0; k < after.size(); ++k)
            QVERIFY2(after[k] > before[k] * 1.5, qPrintable(QStringLiteral("font %1: %2 pt, %3 pt before").arg(k).arg(after[k]).arg(before[k])));
        // The same code as the Train panel's: the same sizes for the same type.
        TrainSession session([] { return static_cast<ml::Module*>(nullptr); });
        TrainCharts charts(&session);
        charts.setFont(large);
        QCOMPARE(compare.lossView()->chart()->titleFont().pointSizeF(),
                 charts.findChild<QChartView*>()->chart()->titleFont().pointSizeF());

        // Classroom mode, with the compare view opened from the window.
        MainWindow window;
        window.setQuiet(true);
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* tools = window.findChild<TeachingTools*>();
        tools->showCompare(QStringLiteral(MODULELAB_EXAMPLES "/net_sequential_fixed.py"),
                           QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist_fixed.py"), QStringLiteral("Train"));
        CompareTraining* training = tools->compareView()->training();
        QVERIFY(training);
        const qreal windowTitle = training->lossView()->chart()->titleFont().pointSizeF();
        tools->classroom()->setActive(true);
        QTRY_VERIFY2(training->lossView()->chart()->titleFont().pointSizeF() > windowTitle * 1.2,
                     qPrintable(QStringLiteral("compare chart titles at %1 pt, %2 pt in the window")
                                    .arg(training->lossView()->chart()->titleFont().pointSizeF())
                                    .arg(windowTitle)));
        ml::ui::testing::keepScreenshot(*training->window(), QStringLiteral("compare-train-classroom"));
        tools->classroom()->setActive(false);
        QTRY_COMPARE(training->lossView()->chart()->titleFont().pointSizeF(), windowTitle);
        tools->compareView()->close();
    }
};

QTEST_MAIN(TestTrainLayout)
#include "tst_trainlayout.moc"
