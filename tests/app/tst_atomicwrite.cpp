// Screenshots (--screenshot) and slide exports (PNG, SVG, PDF) are written atomically: a write
// that fails (a read-only directory, a target that is a directory, an image that cannot be
// encoded) leaves the old file as it was and no temporary file behind; writing to a symlink
// writes through it and keeps the link.
#include "app/compare/compareview.h"
#include "app/compare/slideexport.h"
#include "app/ui/commandlineoptions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace ml::ui;

namespace {

using Writer = std::function<QString(const QString& path)>; // empty or the error

QImage picture()
{
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    return image;
}

Writer screenshotWriter()
{
    return [](const QString& path) {
        QString error;
        return saveImageAtomically(picture(), path, &error) ? QString() : error;
    };
}

Writer compareWriter(CompareView* view)
{
    return [view](const QString& path) { return view->exportView(path); };
}

Writer sceneWriter(QGraphicsScene* scene)
{
    return [scene](const QString& path) { return exportScene(scene, path); };
}

QByteArray contents(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

// Root may write into read-only directories: give up that privilege (effective and permitted)
// so that permissions apply to this process as they do to a user.
void obeyFilePermissions()
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0)
        return;
    const unsigned dac = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER);
    data[0].effective &= ~dac;
    data[0].permitted &= ~dac;
    syscall(SYS_capset, &header, data);
}

} // namespace

Q_DECLARE_METATYPE(Writer)

class AtomicWriteTest : public QObject {
    Q_OBJECT
private:
    QGraphicsScene m_scene;
    CompareView m_compare;

private slots:
    void initTestCase()
    {
        obeyFilePermissions();
        m_scene.addRect(0, 0, 120, 60, QPen(Qt::black), QBrush(Qt::yellow));
        m_scene.addText(QStringLiteral("Linear(4, 2)"));
        QString error;
        QVERIFY2(m_compare.loadSide(0, QStringLiteral(MODULELAB_EXAMPLES "/net_sequential.py"), &error), qPrintable(error));
        QVERIFY2(m_compare.loadSide(1, QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py"), &error), qPrintable(error));
        m_compare.resize(1280, 720);
    }

    void writers_data()
    {
        QTest::addColumn<Writer>("write");
        QTest::addColumn<QString>("name");
        QTest::newRow("screenshot png") << screenshotWriter() << QStringLiteral("shot.png");
        QTest::newRow("screenshot bmp") << screenshotWriter() << QStringLiteral("shot.bmp");
        QTest::newRow("slide png") << sceneWriter(&m_scene) << QStringLiteral("slide.png");
        QTest::newRow("slide svg") << sceneWriter(&m_scene) << QStringLiteral("slide.svg");
        QTest::newRow("slide pdf") << sceneWriter(&m_scene) << QStringLiteral("slide.pdf");
        QTest::newRow("compare png") << compareWriter(&m_compare) << QStringLiteral("compare.png");
        QTest::newRow("compare svg") << compareWriter(&m_compare) << QStringLiteral("compare.svg");
        QTest::newRow("compare pdf") << compareWriter(&m_compare) << QStringLiteral("compare.pdf");
    }

    // A read-only directory: the write fails, the old file stays byte for byte, nothing is added.
    void readOnlyDirectory_data() { writers_data(); }
    void readOnlyDirectory()
    {
        QFETCH(Writer, write);
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("ro"));
        QVERIFY(QDir().mkpath(dir));
        const QString target = dir + QLatin1Char('/') + name;
        writeFile(target, "old contents");
        QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        QVERIFY2(!QFileInfo(dir).isWritable(), "the directory must be read-only for this process");
        const QString error = write(target);
        QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QVERIFY2(!error.isEmpty(), "a write into a read-only directory reported success");
        QVERIFY2(error.contains(target), qPrintable(error));
        QCOMPARE(contents(target), QByteArray("old contents"));
        QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{name});
    }

    // The target is a directory: refused, the directory stays, no temporary file beside it.
    void targetIsDirectory_data() { writers_data(); }
    void targetIsDirectory()
    {
        QFETCH(Writer, write);
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const QString target = tmp.filePath(name);
        QVERIFY(QDir().mkpath(target));
        writeFile(target + QStringLiteral("/keep.txt"), "inside");
        const QString error = write(target);
        QVERIFY2(!error.isEmpty(), "writing over a directory reported success");
        QVERIFY2(error.contains(target), qPrintable(error));
        QVERIFY(QFileInfo(target).isDir());
        QCOMPARE(contents(target + QStringLiteral("/keep.txt")), QByteArray("inside"));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{name});
    }

    // An image that cannot be encoded fails half-way: the old file stays, no temporary is left.
    void failedEncoding()
    {
        QTemporaryDir tmp;
        const QString target = tmp.filePath(QStringLiteral("shot.png"));
        writeFile(target, "old contents");
        QString error;
        QVERIFY(!saveImageAtomically(QImage(), target, &error));
        QVERIFY2(error.contains(target), qPrintable(error));
        QCOMPARE(contents(target), QByteArray("old contents"));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("shot.png")});
    }

    // A symlink: the file it points to gets the new contents, the link stays a link.
    void symlinkWritesThrough_data() { writers_data(); }
    void symlinkWritesThrough()
    {
        QFETCH(Writer, write);
        QFETCH(QString, name);
        QTemporaryDir tmp;
        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("real"))));
        const QString real = tmp.filePath(QStringLiteral("real/") + name);
        const QString link = tmp.filePath(name);
        writeFile(real, "old contents");
        QVERIFY(QFile::link(real, link));
        const QString error = write(link);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(QFileInfo(link).isSymLink());
        QCOMPARE(QFileInfo(link).symLinkTarget(), real);
        const QByteArray written = contents(real);
        QVERIFY(written != "old contents");
        QVERIFY(written.size() > 32);
        QStringList expected{QStringLiteral("real"), name};
        expected.sort();
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name), expected);
        QCOMPARE(QDir(tmp.filePath(QStringLiteral("real"))).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{name});
    }

    // The application itself: --screenshot through a symlink, and onto a directory.
    void screenshotCommand()
    {
        QTemporaryDir tmp;
        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("real"))));
        const QString real = tmp.filePath(QStringLiteral("real/shot.png"));
        const QString link = tmp.filePath(QStringLiteral("shot.png"));
        writeFile(real, "old contents");
        QVERIFY(QFile::link(real, link));
        const QString model = QStringLiteral(MODULELAB_EXAMPLES "/net_sequential.py");
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {model, QStringLiteral("--screenshot"), link, QStringLiteral("--size"),
                                                QStringLiteral("1280x720")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QFileInfo(link).isSymLink());
        QCOMPARE(QImage(real).size(), QSize(1280, 720));

        const QString dir = tmp.filePath(QStringLiteral("folder.png"));
        QVERIFY(QDir().mkpath(dir));
        p.start(QStringLiteral(MODULELAB_GUI), {model, QStringLiteral("--screenshot"), dir, QStringLiteral("--size"),
                                                QStringLiteral("1280x720")});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY(p.exitCode() != 0);
        QVERIFY2(QString::fromUtf8(p.readAllStandardError()).contains(dir), "the error names the target");
        QVERIFY(QFileInfo(dir).isDir());
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 (QStringList{QStringLiteral("folder.png"), QStringLiteral("real"), QStringLiteral("shot.png")}));
    }
};

QTEST_MAIN(AtomicWriteTest)
#include "tst_atomicwrite.moc"
