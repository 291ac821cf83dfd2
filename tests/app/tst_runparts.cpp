// The parts a run is made of, each on its own: the input choice, the weights and their origin,
// and the step-through position.
#include "app/document/document.h"
#include "app/document/runinputchoice.h"
#include "app/document/runweights.h"
#include "app/document/stepthrough.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ml::ui;

static const QString kTestData = QStringLiteral(MODULELAB_EXAMPLES "/../../tests/data");

class TestRunParts : public QObject {
    Q_OBJECT
private slots:
    void stepThroughStopsAtTheLastCall()
    {
        StepThrough steps;
        QSignalSpy changed(&steps, &StepThrough::changed);
        QCOMPARE(steps.index(), -1);
        steps.startPlaying();
        QVERIFY(steps.advance(3));
        QVERIFY(steps.advance(3));
        QVERIFY(steps.isPlaying());
        QVERIFY(steps.advance(3)); // the last call: Play stops there
        QCOMPARE(steps.index(), 2);
        QVERIFY(!steps.isPlaying());
        QVERIFY(!steps.advance(3));
        QCOMPARE(steps.index(), 2);
        QCOMPARE(changed.count(), 3);
        steps.setIndex(-1, false);
        QCOMPARE(changed.count(), 3);
    }

    void inputChoiceSaysWhatIsMissing()
    {
        RunInputChoice input;
        QString why;
        QVERIFY(!input.inputFor(ml::Shape{1, 1, 28, 28}, 0, &why));
        QCOMPARE(why, QStringLiteral("Choose a sample or open an image to run the model on"));
        // Not a picture: random values, the same for the same seed.
        const auto a = input.inputFor(ml::Shape{1, 64}, 5, &why);
        const auto b = input.inputFor(ml::Shape{1, 64}, 5, &why);
        const auto c = input.inputFor(ml::Shape{1, 64}, 6, &why);
        QVERIFY(a && b && c);
        QCOMPARE(a->tensor.shape(), (ml::Shape{1, 64}));
        bool same = true, differs = false;
        for (int64_t k = 0; k < 64; ++k) {
            same = same && a->tensor[k] == b->tensor[k];
            differs = differs || a->tensor[k] != c->tensor[k];
        }
        QVERIFY(same && differs);
        input.setTypedValues({1.f, 2.f, 3.f});
        QVERIFY(!input.inputFor(ml::Shape{1, 64}, 5, &why));
        QCOMPARE(why, QStringLiteral("3 values were typed; the model's input [1, 64] takes 64"));
        const auto typed = input.inputFor(ml::Shape{1, 3}, 5, &why);
        QVERIFY(typed);
        QCOMPARE(typed->tensor[2], 3.f);
    }

    void weightsAProjectNamesButLacksAreSaid()
    {
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("tiny_cnn.mlab"));
        QVERIFY(QFile::copy(kTestData + QStringLiteral("/projects/tiny_cnn.mlab"), copy));
        Document document;
        QString error;
        QVERIFY2(document.load(copy, &error), qPrintable(error));
        RunWeights weights(&document);
        QSignalSpy messages(&weights, &RunWeights::message);
        QVERIFY(!weights.loadShipped(copy, document.fileExtras()));
        QCOMPARE(messages.count(), 1);
        QVERIFY2(messages[0][0].toString().startsWith(QStringLiteral("tiny_cnn.mlab names the weights ")), qPrintable(messages[0][0].toString()));
        QVERIFY(messages[0][0].toString().endsWith(QStringLiteral("which do not exist: the weights stay random")));
        QCOMPARE(weights.source(), QStringLiteral("random, seed 0"));
        // Where they are: loaded, their file named as the origin.
        const QString original = kTestData + QStringLiteral("/projects/tiny_cnn.mlab");
        QVERIFY(document.load(original, &error));
        QVERIFY(weights.loadShipped(original, document.fileExtras()));
        QCOMPARE(weights.source(), QStringLiteral("tiny_cnn.weights.safetensors"));
        QVERIFY(weights.any());
    }

    void anEditEndsTheCodesOwnInitialisationAndSaysSo()
    {
        // dcgan.py initialises its layers with weights_init (nn.init-style in-place draws): while
        // the tree is the code's, drawing weights says nothing; after an edit it says that the
        // default initialisation applies, as the exported code would have it.
        Document document;
        QString error;
        QVERIFY2(document.load(kTestData + QStringLiteral("/initcode/dcgan.py"), &error), qPrintable(error));
        RunWeights weights(&document);
        QSignalSpy messages(&weights, &RunWeights::message);
        weights.reinitialise(0);
        QCOMPARE(messages.count(), 0);
        QVERIFY(document.takeModule({0, 2})); // the first ReLU of main
        weights.reinitialise(0);
        QCOMPARE(messages.count(), 1);
        const QString said = messages[0][0].toString();
        QVERIFY2(said.startsWith(QStringLiteral("Random weights: the model was edited after its code built it")), qPrintable(said));
        QVERIFY(said.contains(QStringLiteral("no longer applies")));
    }
};

QTEST_MAIN(TestRunParts)
#include "tst_runparts.moc"
