// modulelab FILE --screenshot OUT.png renders the window with no display and exits.
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestScreenshot : public QObject {
    Q_OBJECT
private slots:
    void rendersWindow()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("editor.png"));
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI),
                {QStringLiteral(MODULELAB_EXAMPLES "/net_modulelist.py"), QStringLiteral("--screenshot"), out,
                 QStringLiteral("--select"), QStringLiteral("module_list.3"), QStringLiteral("--size"), QStringLiteral("1200x800")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QImage image(out);
        QCOMPARE(image.size(), QSize(1200, 800));
        // Not blank: many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 20);
    }

    void refusesBadFile()
    {
        QProcess p;
        p.start(QStringLiteral(MODULELAB_GUI), {QStringLiteral("/nonexistent/model.py"), QStringLiteral("--screenshot"),
                                                QStringLiteral("/tmp/never.png")});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY(p.exitCode() != 0);
    }
};

QTEST_MAIN(TestScreenshot)
#include "tst_screenshot.moc"
