#pragma once

// Runs the modulelab-cli the tests were built with and collects its exit code and what it
// printed (one helper for every test that drives the command line).

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace testcli {

struct Result {
    int code = -1; // -1: the program crashed
    QString out;
    QString err;
};

inline Result cli(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(MODULELAB_CLI), args);
    if (!p.waitForFinished(300000))
        qFatal("modulelab-cli %s did not finish", qPrintable(args.join(' ')));
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace testcli
