// Save on a model opened from the user's own .py never overwrites it silently: it asks, says
// what generated code loses, and writes a project (.mlab) beside it or, when told to, replaces
// the file with generated code; Cancel writes nothing. Quiet (scripted) runs refuse.
#include "app/document/document.h"
#include "app/document/moduleeditor.h"
#include "app/document/runcontroller.h"
#include "app/run/rundocks.h"
#include "app/ui/mainwindow.h"
#include "engine/module.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <functional>
#include <memory>

using namespace ml::ui;

namespace {

const QByteArray kUserCode =
    "import torch.nn as nn\n\n\n"
    "# A teacher's notes: these comments are the user's own.\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(784, 10)\n\n"
    "    def forward(self, x):\n"
    "        return self.fc(x.view(x.size(0), -1))\n\n\n"
    "model = Net()\n"
    "# input: 1,1,28,28\n";

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestSavePython : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    QString m_py;
    int m_dialogs = 0;

    QString repr() const { return QString::fromStdString(ml::repr(*m_window->document()->root())); }

    // Runs `answer` on each modal dialog that opens while `action` runs (at most `expected`).
    void whileAnswering(const std::function<void()>& action, const std::function<void(QWidget*)>& answer)
    {
        auto* poll = new QTimer(m_window.get());
        poll->setInterval(20);
        connect(poll, &QTimer::timeout, this, [&] {
            if (QWidget* modal = QApplication::activeModalWidget()) {
                ++m_dialogs;
                answer(modal);
            }
        });
        poll->start();
        action();
        delete poll;
    }

    void save()
    {
        for (QAction* a : m_window->findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(QKeySequence::Save)) {
                a->trigger();
                return;
            }
        QFAIL("no Save action");
    }

    static void click(QWidget* modal, const QString& startsWith)
    {
        auto* box = qobject_cast<QMessageBox*>(modal);
        QVERIFY(box);
        for (QAbstractButton* b : box->buttons())
            if (b->text().startsWith(startsWith)) {
                b->click();
                return;
            }
        QFAIL(qPrintable(QStringLiteral("no button %1").arg(startsWith)));
    }

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        QVERIFY(m_dir.isValid());
        m_py = m_dir.filePath(QStringLiteral("net.py"));
        QFile::remove(m_py);
        QFile::remove(m_dir.filePath(QStringLiteral("net.mlab")));
        QFile f(m_py);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kUserCode);
        f.close();
        m_window = std::make_unique<MainWindow>();
        QVERIFY(m_window->openFile(m_py));
        QVERIFY(ModuleEditor(m_window->document()).insertNew(QStringLiteral("ReLU"), {}, 1).isEmpty());
        m_dialogs = 0;
    }

    void cleanup()
    {
        m_window->document()->undoStack()->setClean(); // closing asks nothing
        m_window.reset();
    }

    void saveAsProjectLeavesTheCodeAlone()
    {
        const QString edited = repr();
        const QString project = m_dir.filePath(QStringLiteral("net.mlab"));
        QString question, details;
        whileAnswering([this] { save(); }, [&](QWidget* modal) {
            if (auto* box = qobject_cast<QMessageBox*>(modal)) {
                question = box->text();
                details = box->informativeText();
                click(modal, QStringLiteral("Save as Project"));
            } else if (auto* dialog = qobject_cast<QFileDialog*>(modal)) {
                QCOMPARE(QFileInfo(dialog->selectedFiles().value(0)).fileName(), QStringLiteral("net.mlab")); // proposed beside it
                dialog->selectFile(project);
                QMetaObject::invokeMethod(dialog, "accept", Qt::QueuedConnection);
            }
        });
        QCOMPARE(m_dialogs, 2);
        QVERIFY2(question.contains(QStringLiteral("net.py")), qPrintable(question));
        for (const char* lost : {"comments", "loops", "helper methods"})
            QVERIFY2(details.contains(QLatin1String(lost)), qPrintable(details));
        QCOMPARE(readAll(m_py), kUserCode);
        QVERIFY(QFile::exists(project));
        QCOMPARE(m_window->document()->filePath(), project);
        QVERIFY(m_window->document()->undoStack()->isClean());
        Document reopened;
        QString error;
        QVERIFY2(reopened.load(project, &error), qPrintable(error));
        QCOMPARE(QString::fromStdString(ml::repr(*reopened.root())), edited);
        // The project is saved from now on, without asking.
        QVERIFY(ModuleEditor(m_window->document()).insertNew(QStringLiteral("Tanh"), {}, 1).isEmpty());
        whileAnswering([this] { save(); }, [](QWidget* modal) { modal->close(); });
        QCOMPARE(m_dialogs, 2);
        QVERIFY(m_window->document()->undoStack()->isClean());
        QCOMPARE(readAll(m_py), kUserCode);
    }

    // A built-in example keeps its weights when saved: Save asks for a file name, writes the
    // project and a copy of the example's weights beside it (atomically, nothing else), and
    // says so; the saved project opens with those weights.
    void savingAnExampleKeepsItsWeights()
    {
        QVERIFY(m_window->openFile(QStringLiteral(":/examples/fashion_cnn.py")));
        QVERIFY(m_window->runDocks()->controller()->weightsSource().contains(QStringLiteral("fashion_cnn.safetensors")));
        QTemporaryDir dir;
        const QString project = dir.filePath(QStringLiteral("my_cnn.mlab"));
        whileAnswering([this] { save(); }, [&](QWidget* modal) {
            if (auto* dialog = qobject_cast<QFileDialog*>(modal)) {
                auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
                QVERIFY(name);
                name->setText(project); // typed as a user would, in another directory
                QMetaObject::invokeMethod(dialog, "accept", Qt::QueuedConnection);
            }
        });
        QCOMPARE(m_dialogs, 1);
        const QString copy = dir.filePath(QStringLiteral("my_cnn.safetensors"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{QStringLiteral("my_cnn.mlab"), QStringLiteral("my_cnn.safetensors")}));
        QCOMPARE(readAll(copy), readAll(QStringLiteral(":/examples/fashion_cnn.safetensors")));
        QVERIFY(readAll(project).contains("\"weights\": \"my_cnn.safetensors\""));
        const QString status = m_window->statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("the example's weights were written beside it as my_cnn.safetensors")),
                 qPrintable(status));
        MainWindow reopened;
        QVERIFY(reopened.openFile(project));
        QCOMPARE(reopened.runDocks()->controller()->weightsSource(), QStringLiteral("my_cnn.safetensors"));
    }

    void cancelWritesNothing()
    {
        whileAnswering([this] { save(); }, [](QWidget* modal) { click(modal, QStringLiteral("Cancel")); });
        QCOMPARE(m_dialogs, 1);
        QCOMPARE(readAll(m_py), kUserCode);
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("net.mlab"))));
        QVERIFY(!m_window->document()->undoStack()->isClean());
    }

    void replaceWritesGeneratedCodeOnce()
    {
        const QString edited = repr();
        whileAnswering([this] { save(); }, [](QWidget* modal) { click(modal, QStringLiteral("Replace net.py")); });
        QCOMPARE(m_dialogs, 1);
        const QByteArray written = readAll(m_py);
        QVERIFY(written != kUserCode);
        QVERIFY(!written.contains("A teacher's notes")); // what the question warned of
        QVERIFY(m_window->document()->undoStack()->isClean());
        Document reopened;
        QString error;
        QVERIFY2(reopened.load(m_py, &error), qPrintable(error));
        QCOMPARE(QString::fromStdString(ml::repr(*reopened.root())), edited);
        // Agreed once for this file: the next Save writes without asking again.
        QVERIFY(ModuleEditor(m_window->document()).insertNew(QStringLiteral("Tanh"), {}, 1).isEmpty());
        whileAnswering([this] { save(); }, [](QWidget* modal) { modal->close(); });
        QCOMPARE(m_dialogs, 1);
        QVERIFY(m_window->document()->undoStack()->isClean());
    }

    void quietRunsRefuse()
    {
        m_window->setQuiet(true);
        save();
        QCOMPARE(readAll(m_py), kUserCode);
        QVERIFY(!m_window->document()->undoStack()->isClean());
    }
};

QTEST_MAIN(TestSavePython)
#include "tst_savepython.moc"
