// Python code that builds no model by itself (every class needs arguments): the application
// asks in a dialog which of the file's classes or factory functions to build and with which
// arguments, from the engine's structured list (parameters and defaults), shows a failed try's
// error in place and builds the choice; it never names command-line flags.
#include "app/document/document.h"
#include "app/ui/mainwindow.h"
#include "app/ui/modelchoicedialog.h"
#include "engine/module.h"
#include "engine/python/importer.h"

#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QScrollBar>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>
#include <utility>
#include <variant>

using namespace ml::ui;

namespace {

const char* kNeedsArguments = R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(4, width)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self, classes, hidden=8):
        super().__init__()
        self.block = Block(hidden)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.block(x))


def net3(**kwargs):
    return Net(3, **kwargs)

# input: 1,4
)";

// Classes that all need arguments and a factory function that takes only keywords.
const char* kFactory = R"(import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(4, width)

    def forward(self, x):
        return self.fc(x)


class ResNet(nn.Module):
    def __init__(self, block, width, num_classes=1000):
        super().__init__()
        self.block = block(width)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(self.block(x))


def resnet18(**kwargs):
    return ResNet(BasicBlock, 4, **kwargs)

# input: 1,4
)";

// A file that creates two models.
const char* kTwoModels = R"(import torch.nn as nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)

    def forward(self, x):
        return self.fc(x)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)


G = Generator()
D = Discriminator()

# input: 1,4
)";

// Answers the next model-choice dialog with `act` once it is up (it is modal: exec() waits).
void whenAsked(std::function<void(ModelChoiceDialog*)> act)
{
    auto poll = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> self = poll; // not a cycle: the timers keep it alive
    *poll = [act, self] {
        if (auto* dialog = qobject_cast<ModelChoiceDialog*>(QApplication::activeModalWidget()))
            act(dialog);
        else if (auto again = self.lock())
            QTimer::singleShot(20, [again] { (*again)(); });
    };
    QTimer::singleShot(20, [poll] { (*poll)(); });
}

std::vector<ml::python::ModelChoice> choicesOf(const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    auto listed = ml::python::listModelChoices(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())), "needs_args.py");
    if (auto* choices = std::get_if<std::vector<ml::python::ModelChoice>>(&listed))
        return *choices;
    return {};
}

QString outputOf(const Document& d)
{
    return d.analysis().outputShape ? QString::fromStdString(d.analysis().outputShape->toString()) : QString();
}

} // namespace

class TestModelChoice : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_file = m_dir.filePath(QStringLiteral("needs_args.py"));
        m_factoryFile = m_dir.filePath(QStringLiteral("resnet.py"));
        m_twoModelsFile = m_dir.filePath(QStringLiteral("gan.py"));
        for (const auto& [path, text] : {std::pair{m_file, kNeedsArguments}, std::pair{m_factoryFile, kFactory},
                                         std::pair{m_twoModelsFile, kTwoModels}}) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        }
    }

    void documentSaysAChoiceIsNeeded()
    {
        Document document;
        QString error;
        bool choice = false;
        QVERIFY(!document.load(m_file, &error, {}, &choice));
        QVERIFY2(choice, qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("--class")), qPrintable(error));
        QVERIFY2(document.load(m_file, &error, ml::ModelLoadOptions{"Net", "classes=5"}), qPrintable(error));
        QCOMPARE(outputOf(document), QStringLiteral("[1, 5]"));
        // A file that fails for another reason is no choice.
        QVERIFY(!document.load(m_dir.filePath(QStringLiteral("missing.py")), &error, {}, &choice));
        QVERIFY(!choice);
    }

    // The dialog lists what the engine lists, with each parameter's default; a required one
    // left empty is said in place; filled fields become keyword arguments.
    void dialogOffersTheFilesChoices()
    {
        ModelChoiceDialog dialog(m_file, choicesOf(QString::fromLatin1(kNeedsArguments)), QStringLiteral("the reason"));
        QCOMPARE(dialog.choiceCount(), 3);
        QCOMPARE(dialog.errorText(), QStringLiteral("the reason"));
        QVERIFY(dialog.choose(QStringLiteral("Net")));
        QVERIFY(dialog.field(QStringLiteral("classes")));
        QCOMPARE(dialog.field(QStringLiteral("classes"))->placeholderText(), QStringLiteral("required"));
        QCOMPARE(dialog.field(QStringLiteral("hidden"))->placeholderText(), QStringLiteral("default: 8"));
        dialog.show();
        QMetaObject::invokeMethod(&dialog, [&] {
            auto* box = dialog.findChild<QDialogButtonBox*>();
            box->button(QDialogButtonBox::Open)->click();
        }, Qt::QueuedConnection);
        QTRY_VERIFY(dialog.errorText().contains(QStringLiteral("needs a value for 'classes'")));
        QVERIFY(dialog.result() != QDialog::Accepted);
        dialog.field(QStringLiteral("classes"))->setText(QStringLiteral("3"));
        QCOMPARE(QString::fromStdString(dialog.options().className), QStringLiteral("Net"));
        QCOMPARE(QString::fromStdString(dialog.options().args), QStringLiteral("classes=3"));
        dialog.field(QStringLiteral("hidden"))->setText(QStringLiteral("16"));
        QCOMPARE(QString::fromStdString(dialog.options().args), QStringLiteral("classes=3, hidden=16"));
        QVERIFY(dialog.choose(QStringLiteral("net3")));
        QVERIFY(dialog.field(QStringLiteral("kwargs")));
        dialog.field(QStringLiteral("kwargs"))->setText(QStringLiteral("hidden=6"));
        QCOMPARE(QString::fromStdString(dialog.options().args), QStringLiteral("hidden=6"));
    }

    // Opening the file in the window: the dialog comes up, a wrong argument's error shows in
    // it, the right one builds the model.
    void openingAsksAndBuilds()
    {
        MainWindow window;
        window.show();
        int asked = 0;
        QString shownError;
        std::function<void()> answer = [&] {
            auto* dialog = qobject_cast<ModelChoiceDialog*>(QApplication::activeModalWidget());
            if (!dialog) {
                QTimer::singleShot(20, answer);
                return;
            }
            ++asked;
            dialog->choose(QStringLiteral("Net"));
            if (asked == 1) {
                shownError = dialog->errorText(); // nothing failed yet: no message, no command-line flags
                for (QLabel* label : dialog->findChildren<QLabel*>())
                    if (label->text().contains(QStringLiteral("--")))
                        shownError = label->text();
                dialog->field(QStringLiteral("classes"))->setText(QStringLiteral("-2"));
                QTimer::singleShot(20, answer);
            } else {
                shownError += dialog->errorText();
                dialog->field(QStringLiteral("classes"))->setText(QStringLiteral("3"));
            }
            dialog->accept();
        };
        QTimer::singleShot(20, answer);
        QVERIFY(window.openFile(m_file));
        QCOMPARE(asked, 2);
        QVERIFY2(!shownError.contains(QStringLiteral("--")), qPrintable(shownError));
        QVERIFY2(shownError.endsWith(QStringLiteral("needs_args.py:17:39: cannot build Net: out_features must be a positive integer, got -2")),
                 qPrintable(shownError)); // located, in place
        QCOMPARE(outputOf(*window.document()), QStringLiteral("[1, 3]"));
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Net"));
        window.setQuiet(true);
    }

    // Cancel leaves the open model as it was and says nothing more.
    void cancelKeepsTheOpenModel()
    {
        MainWindow window;
        window.setQuiet(true);
        QVERIFY(window.openFile(QStringLiteral(":/examples/net_sequential_fixed.py")));
        window.setQuiet(false);
        const QString before = QString::fromStdString(ml::repr(*window.document()->root()));
        std::function<void()> cancel = [&] {
            if (auto* dialog = qobject_cast<ModelChoiceDialog*>(QApplication::activeModalWidget()))
                dialog->reject();
            else
                QTimer::singleShot(20, cancel);
        };
        QTimer::singleShot(20, cancel);
        QVERIFY(!window.openFile(m_file));
        QCOMPARE(QString::fromStdString(ml::repr(*window.document()->root())), before);
        window.setQuiet(true);
    }

    // A factory function with only **kwargs: the user types keyword arguments in Python; a syntax
    // error in them is said in the dialog, which stays open; the factory builds the model.
    void factoryWithKeywords()
    {
        MainWindow window;
        window.show();
        QStringList params;
        QString error;
        whenAsked([&](ModelChoiceDialog* dialog) {
            QVERIFY(dialog->choose(QStringLiteral("resnet18")));
            params << dialog->field(QStringLiteral("kwargs"))->placeholderText();
            dialog->field(QStringLiteral("kwargs"))->setText(QStringLiteral("num_classes=("));
            dialog->accept();
            whenAsked([&](ModelChoiceDialog* again) {
                error = again->errorText();
                again->field(QStringLiteral("kwargs"))->setText(QStringLiteral("num_classes=10"));
                again->accept();
            });
        });
        QVERIFY(window.openFile(m_factoryFile));
        QVERIFY2(error.startsWith(QStringLiteral("In the arguments resnet18(num_classes=(): expected ')'")),
                 qPrintable(error));
        QCOMPARE(params, QStringList{QStringLiteral("keyword arguments: num_classes=10")});
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("ResNet"));
        QCOMPARE(outputOf(*window.document()), QStringLiteral("[1, 10]"));
        window.setQuiet(true);
    }

    // A class's positional and keyword arguments typed in one field each: "1" and "num_classes=10"
    // style values, in Python syntax, become the call ResNet(block=BasicBlock, width=6).
    void classWithPositionalArguments()
    {
        MainWindow window;
        window.show();
        whenAsked([&](ModelChoiceDialog* dialog) {
            QVERIFY(dialog->choose(QStringLiteral("ResNet")));
            dialog->field(QStringLiteral("block"))->setText(QStringLiteral("BasicBlock"));
            dialog->field(QStringLiteral("width"))->setText(QStringLiteral("6"));
            dialog->field(QStringLiteral("num_classes"))->setText(QStringLiteral("2"));
            dialog->accept();
        });
        QVERIFY(window.openFile(m_factoryFile));
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("ResNet"));
        QCOMPARE(outputOf(*window.document()), QStringLiteral("[1, 2]"));
        window.setQuiet(true);
    }

    // A file that creates several models: the dialog offers them (the last one chosen first) and
    // builds the one the user picks; Cancel keeps the open model.
    void severalModelsLetTheUserChoose()
    {
        MainWindow window;
        window.show();
        QString offered;
        whenAsked([&](ModelChoiceDialog* dialog) {
            offered = QString::fromStdString(dialog->options().className);
            QVERIFY(dialog->choose(QStringLiteral("G")));
            dialog->accept();
        });
        QVERIFY(window.openFile(m_twoModelsFile));
        QCOMPARE(offered, QStringLiteral("D"));
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Generator"));
        QCOMPARE(outputOf(*window.document()), QStringLiteral("[1, 6]"));
        whenAsked([](ModelChoiceDialog* dialog) { dialog->reject(); });
        QVERIFY(!window.openFile(m_twoModelsFile));
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Generator"));
        // Without asking (screenshots, scripted use) the last one is shown with the engine's note.
        window.setQuiet(true);
        QVERIFY(window.openFile(m_twoModelsFile));
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Discriminator"));
    }

    // File > Import PyTorch Code with pasted code that needs a choice: the same dialog as File >
    // Open; the choice is built and named as imported; cancelling it goes back to the code.
    void importingPastedCodeAsks()
    {
        MainWindow window;
        window.show();
        QAction* import = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("&Import PyTorch Code…"))
                import = a;
        QVERIFY(import);
        int imports = 0;
        int asked = 0;
        std::function<void()> answer = [&] {
            QWidget* modal = QApplication::activeModalWidget();
            if (auto* dialog = qobject_cast<ModelChoiceDialog*>(modal)) {
                ++asked;
                if (asked == 1) {
                    dialog->reject(); // back to the import dialog
                } else {
                    QVERIFY(dialog->choose(QStringLiteral("Net")));
                    dialog->field(QStringLiteral("classes"))->setText(QStringLiteral("3"));
                    dialog->accept();
                    return;
                }
            } else if (auto* code = modal ? modal->findChild<QPlainTextEdit*>() : nullptr) {
                ++imports;
                code->setPlainText(QString::fromLatin1(kNeedsArguments));
                static_cast<QDialog*>(modal)->accept();
            }
            QTimer::singleShot(20, &window, answer);
        };
        QTimer::singleShot(20, &window, answer);
        import->trigger();
        QCOMPARE(imports, 2);
        QCOMPARE(asked, 2);
        QCOMPARE(QString::fromStdString(window.document()->root()->typeName()), QStringLiteral("Net"));
        QCOMPARE(outputOf(*window.document()), QStringLiteral("[1, 3]"));
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("pasted.py (imported)")));
        window.setQuiet(true);
    }

    // The dialog fits a 1280x720 screen and shows every choice's signature whole; with
    // MODULELAB_SCREENSHOT_DIR set it is saved there as modelchoice.png.
    void dialogFitsTheScreen()
    {
        ModelChoiceDialog dialog(m_factoryFile, choicesOf(QString::fromLatin1(kFactory)), QString());
        QVERIFY(dialog.choose(QStringLiteral("ResNet")));
        dialog.showError(QStringLiteral("resnet.py:1:14: cannot build ResNet: a made-up error long enough to wrap over "
                                        "more than one line of the dialog so that its height is checked too"));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY2(dialog.width() <= 1280 && dialog.height() <= 720,
                 qPrintable(QStringLiteral("%1x%2").arg(dialog.width()).arg(dialog.height())));
        auto* list = dialog.findChild<QListWidget*>();
        QTRY_COMPARE(list->horizontalScrollBar()->maximum(), 0);
        for (QLabel* label : dialog.findChildren<QLabel*>())
            if (label->isVisible())
                QVERIFY2(label->height() >= label->heightForWidth(label->width()) || !label->wordWrap(), qPrintable(label->text()));
        const QString dir = qEnvironmentVariable("MODULELAB_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            QVERIFY(dialog.grab().save(QDir(dir).filePath(QStringLiteral("modelchoice.png"))));
    }

private:
    QTemporaryDir m_dir;
    QString m_file;
    QString m_factoryFile;
    QString m_twoModelsFile;
};

QTEST_MAIN(TestModelChoice)
#include "tst_modelchoice.moc"
