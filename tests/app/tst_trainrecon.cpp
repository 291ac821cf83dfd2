// The Train panel with a model whose output has its input's shape (an autoencoder): it offers
// and chooses training against the input image with MSELoss, refuses class-label losses for it
// (and the input as target for a classifier) with the reason, trains for real on the shipped
// samples under the offscreen platform, plots the test loss per epoch instead of the accuracy
// and shows test images above their reconstructions instead of the confusion matrix. The
// compare view's Train tab trains two such models against their input, and says plainly that it
// does not train one beside a classifier.
#include "app/compare/comparetraining.h"
#include "app/train/reconstructionview.h"
#include "app/train/traincharts.h"
#include "app/train/traindocks.h"
#include "app/train/trainpanel.h"
#include "app/train/trainsession.h"
#include "app/train/trainsettingsform.h"
#include "app/ui/mainwindow.h"
#include "engine/modelfile.h"
#include "engine/train/dataset.h"

#include <QChart>
#include <QComboBox>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QtTest/QTest>

#include <cmath>

using namespace ml::ui;

namespace {

const QString kSamples = QStringLiteral(MODULELAB_EXAMPLES "/../samples/fashion-mnist");
const QString kAutoencoder = QStringLiteral(MODULELAB_EXAMPLES "/autoencoder.py");
const QString kClassifier = QStringLiteral(MODULELAB_EXAMPLES "/fashion_cnn.py");

bool tabShown(QTabWidget* tabs, const QString& title)
{
    for (int i = 0; i < tabs->count(); ++i)
        if (tabs->tabText(i) == title)
            return tabs->isTabVisible(i);
    return false;
}

} // namespace

class TestTrainRecon : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<MainWindow> m_window;
    TrainDocks* m_train = nullptr;
    QString m_lastMessage;

    TrainSession* session() { return m_train->session(); }
    TrainPanel* panel() { return m_train->panel(); }

private slots:
    void initTestCase()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        QVERIFY(m_window->openFile(kAutoencoder));
        m_train = m_window->findChild<TrainDocks*>();
        QVERIFY(m_train);
        session()->setDataDirectory(kSamples); // no Fashion-MNIST download in a test
        connect(session(), &TrainSession::message, this, [this](const QString& m) { m_lastMessage = m; });
        m_window->resize(1280, 720);
        m_window->show();
    }

    void offersTheInputAsTarget()
    {
        TrainSettingsForm* form = panel()->form();
        QVERIFY(session()->reconstructionAvailable());
        QCOMPARE(panel()->settings().target, ml::TargetKind::Input);
        QCOMPARE(panel()->settings().loss, ml::LossKind::Mse);
        // choosing class labels brings a class loss, and back
        form->targetBox()->setCurrentIndex(form->targetBox()->findData(int(ml::TargetKind::Classes)));
        QCOMPARE(panel()->settings().loss, ml::LossKind::CrossEntropy);
        form->targetBox()->setCurrentIndex(form->targetBox()->findData(int(ml::TargetKind::Input)));
        QCOMPARE(panel()->settings().loss, ml::LossKind::Mse);
        form->lossBox()->setCurrentIndex(form->lossBox()->findData(int(ml::LossKind::BceWithLogits)));
        QCOMPARE(panel()->settings().loss, ml::LossKind::BceWithLogits); // kept: it suits the target
        QVERIFY(tabShown(panel()->tabs(), QStringLiteral("Reconstructions")));
        QVERIFY(!tabShown(panel()->tabs(), QStringLiteral("Confusion")));
    }

    void refusesClassLossesForAnImage()
    {
        TrainSettings s = panel()->settings();
        s.target = ml::TargetKind::Classes;
        s.loss = ml::LossKind::CrossEntropy;
        QVERIFY(!session()->start(s));
        QVERIFY2(m_lastMessage.contains(QStringLiteral("has the input's shape: it is an image, not class scores")), qPrintable(m_lastMessage));
        s.target = ml::TargetKind::Input;
        QVERIFY(!session()->start(s));
        QVERIFY2(m_lastMessage.contains(QStringLiteral("CrossEntropyLoss takes class labels, not an image")), qPrintable(m_lastMessage));
        QVERIFY(!session()->isActive());
    }

    void trainsAgainstTheInput()
    {
        TrainSettings s = panel()->settings();
        s.target = ml::TargetKind::Input;
        s.loss = ml::LossKind::Mse;
        s.optimizer = ml::OptimizerKind::Adam;
        s.lr = 0.01;
        s.batch = 10;
        s.epochs = 2;
        s.seed = 3;
        panel()->setSettings(s);
        QTest::mouseClick(panel()->startButton(), Qt::LeftButton);
        QVERIFY(session()->waitUntil([this] { return !session()->isActive(); }, 120000));
        // 30 samples in batches of 10: 3 steps an epoch, 2 epochs, each with its test loss
        QCOMPARE(session()->steps().size(), size_t(6));
        QCOMPARE(session()->epochs().size(), size_t(2));
        for (const EpochPoint& e : session()->epochs()) {
            QVERIFY(std::isfinite(e.testLoss) && e.testLoss > 0.0);
            QCOMPARE(e.testAccuracy, 0.0);
        }
        QVERIFY2(m_lastMessage.contains(QStringLiteral("test loss")), qPrintable(m_lastMessage));
        QVERIFY(!m_lastMessage.contains(QStringLiteral("accuracy")));
        // the per-epoch chart shows the loss
        TrainCharts* charts = panel()->charts();
        QCOMPARE(charts->testAccuracy()->count(), 2);
        QCOMPARE(charts->testAccuracy()->at(1).y(), session()->epochs()[1].testLoss);
        QVERIFY(charts->testAccuracy()->chart()->title().contains(QStringLiteral("loss")));
        // test images above their reconstructions: the first shipped samples, as they are
        ReconstructionView* recon = panel()->reconstructions();
        QCOMPARE(recon->pictureCount(), 8);
        auto data = ml::loadLabelledPictures(kSamples.toStdString(), 28, 28);
        QVERIFY(std::holds_alternative<ml::Dataset>(data));
        const ml::Tensor& images = std::get<ml::Dataset>(data).inputs;
        for (int k : {0, 7}) {
            const QImage& in = recon->inputPicture(k);
            QCOMPARE(in.size(), QSize(28, 28));
            for (int y : {5, 14, 20})
                QCOMPARE(int(qGray(in.pixel(14, y))), int(std::lround(images[k * 784 + y * 28 + 14] * 255.0f)));
            QCOMPARE(recon->outputPicture(k).size(), QSize(28, 28));
        }
        QVERIFY(tabShown(panel()->tabs(), QStringLiteral("Reconstructions")));
        QVERIFY(!tabShown(panel()->tabs(), QStringLiteral("Confusion")));
        panel()->tabs()->setCurrentWidget(recon);
        const QImage shot = recon->grab().toImage();
        QVERIFY(!shot.isNull());
        if (qEnvironmentVariableIsSet("MODULELAB_TEST_SHOTS"))
            shot.save(qEnvironmentVariable("MODULELAB_TEST_SHOTS") + QStringLiteral("/reconstructions.png"));
    }

    void classifierGetsClassLabels()
    {
        QVERIFY(m_window->openFile(kClassifier));
        QVERIFY(!session()->reconstructionAvailable());
        TrainSettingsForm* form = panel()->form();
        QCOMPARE(panel()->settings().target, ml::TargetKind::Classes);
        QCOMPARE(panel()->settings().loss, ml::LossKind::CrossEntropy);
        auto* items = qobject_cast<QStandardItemModel*>(form->targetBox()->model());
        QVERIFY(items);
        QVERIFY(!items->item(form->targetBox()->findData(int(ml::TargetKind::Input)))->isEnabled());
        QVERIFY(tabShown(panel()->tabs(), QStringLiteral("Confusion")));
        QVERIFY(!tabShown(panel()->tabs(), QStringLiteral("Reconstructions")));
        TrainSettings s = panel()->settings();
        s.target = ml::TargetKind::Input;
        s.loss = ml::LossKind::Mse;
        QVERIFY(!session()->start(s));
        QVERIFY2(m_lastMessage.contains(QStringLiteral("does not have the input's shape")), qPrintable(m_lastMessage));
        s.target = ml::TargetKind::Classes;
        QVERIFY(!session()->start(s));
        QVERIFY2(m_lastMessage.contains(QStringLiteral("MSELoss needs float targets")), qPrintable(m_lastMessage));
    }

    void compareViewTrainsTwoAutoencoders()
    {
        auto r = ml::loadModelFile(kAutoencoder.toStdString());
        QVERIFY(std::holds_alternative<ml::LoadedModel>(r));
        const std::unique_ptr<ml::Module> ae = std::move(std::get<ml::LoadedModel>(r).root);
        auto c = ml::loadModelFile(kClassifier.toStdString());
        QVERIFY(std::holds_alternative<ml::LoadedModel>(c));
        const std::unique_ptr<ml::Module> cnn = std::move(std::get<ml::LoadedModel>(c).root);
        CompareTraining compare;
        compare.setDataDirectory(kSamples);
        // two autoencoders: both against their input, the test loss per epoch
        compare.setModels(ae.get(), QStringLiteral("autoencoder.py"), ae.get(), QStringLiteral("autoencoder.py"));
        QVERIFY(compare.start());
        for (int side : {0, 1}) {
            QVERIFY(compare.session(side)->waitUntil([&] { return !compare.session(side)->isActive(); }, 120000));
            QCOMPARE(compare.session(side)->runSettings().target, ml::TargetKind::Input);
            QCOMPARE(compare.session(side)->runSettings().loss, ml::LossKind::Mse);
            QCOMPARE(compare.session(side)->epochs().size(), size_t(1));
            QCOMPARE(compare.accuracyCurve(side)->count(), 1);
            QCOMPARE(compare.accuracyCurve(side)->at(0).y(), compare.session(side)->epochs()[0].testLoss);
        }
        // the same model from the same seed on the same batches: the same curve
        QCOMPARE(compare.session(0)->epochs()[0].testLoss, compare.session(1)->epochs()[0].testLoss);
        QVERIFY2(compare.statusLabel()->text().contains(QStringLiteral("test loss")), qPrintable(compare.statusLabel()->text()));
        // beside a classifier, the autoencoder's side says plainly that it is not trained
        compare.setModels(cnn.get(), QStringLiteral("fashion_cnn.py"), ae.get(), QStringLiteral("autoencoder.py"));
        QVERIFY(compare.start());
        QVERIFY(compare.session(0)->isActive());
        QVERIFY(!compare.session(1)->isActive());
        QVERIFY2(compare.statusLabel()->text().contains(QStringLiteral("not supported by ModuleLab yet")),
                 qPrintable(compare.statusLabel()->text()));
        compare.stop();
    }

    void cleanupTestCase()
    {
        m_window.reset();
    }
};

QTEST_MAIN(TestTrainRecon)
#include "tst_trainrecon.moc"
