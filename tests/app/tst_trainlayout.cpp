// The main window while it trains, on a 1280x720 projector and a 1920x1080 screen: the module
// tree shows every column whole beside the weight-change badges (name, badge, parameters, output
// shape, mult-adds), and the Train panel gets the right column's height (its charts without
// scrolling) while the Diagnostics panel under it has nothing to say.
#include "app/classroom/classroommode.h"
#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/train/traincharts.h"
#include "app/train/traindocks.h"
#include "app/train/trainpanel.h"
#include "app/train/trainsession.h"
#include "app/ui/mainwindow.h"
#include "app/ui/moduletreepanel.h"
#include "app/ui/teachingtools.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDockWidget>
#include <QHeaderView>
#include <QProgressBar>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace ml::ui;

namespace {

const QString kSamples = QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist");

// What is cut in the tree: a column narrower than its header or a cell, or columns wider than the view.
QString treeCut(ModuleTreePanel* tree)
{
    QHeaderView* header = tree->header();
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c))
            continue;
        const int needed = std::max(static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c), header->sectionSizeHint(c));
        if (header->sectionSize(c) < needed)
            return QStringLiteral("column '%1' is %2 wide, its contents %3")
                .arg(tree->model()->headerData(c, Qt::Horizontal).toString())
                .arg(header->sectionSize(c))
                .arg(needed);
    }
    if (header->length() > tree->viewport()->width())
        return QStringLiteral("columns %1 wide in a view of %2").arg(header->length()).arg(tree->viewport()->width());
    if (tree->horizontalScrollBar()->maximum() != 0)
        return QStringLiteral("the tree scrolls sideways by %1").arg(tree->horizontalScrollBar()->maximum());
    return {};
}

} // namespace

class TestTrainLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("ModuleLabTrainLayoutTest"));
        QApplication::setApplicationName(QStringLiteral("ModuleLabTrainLayoutTest"));
        QSettings().clear();
    }
    void cleanupTestCase() { QSettings().clear(); }

    void trainingKeepsTreeAndPanelWhole_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QString>("file");
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)})
            for (const char* file : {"fashion_cnn.py", "autoencoder.py"}) // the autoencoder's ConvTranspose2d rows are wider
                QTest::addRow("%dx%d %s", size.width(), size.height(), file) << size << QString::fromLatin1(file);
    }
    void trainingKeepsTreeAndPanelWhole()
    {
        QFETCH(QSize, size);
        QFETCH(QString, file);
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
        const QString first = file.startsWith(QStringLiteral("auto")) ? QStringLiteral("encoder.0") : QStringLiteral("features.0");
        const QModelIndex conv = window.document()->treeModel()->indexOf(window.document()->moduleAtDotted(first));
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
    }
};

QTEST_MAIN(TestTrainLayout)
#include "tst_trainlayout.moc"
