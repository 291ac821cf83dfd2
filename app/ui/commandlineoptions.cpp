#include "app/ui/commandlineoptions.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QImage>
#include <QImageWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTabWidget>

namespace ml::ui {

std::optional<QSize> parseWindowSize(const QString& text, QString* error)
{
    static const QRegularExpression form(QStringLiteral("^(\\d+)x(\\d+)$"));
    const auto m = form.match(text);
    if (!m.hasMatch()) {
        *error = QStringLiteral("--size %1: write the window size as WIDTHxHEIGHT, like 1280x720").arg(text);
        return std::nullopt;
    }
    bool wide = false, high = false;
    const QSize size(m.captured(1).toInt(&wide), m.captured(2).toInt(&high)); // beyond int: too large anyway
    if (!wide || !high || size.width() < kMinWindowSize.width() || size.height() < kMinWindowSize.height()
        || size.width() > kMaxWindowSize.width() || size.height() > kMaxWindowSize.height()) {
        *error = QStringLiteral("--size %1: the window can be from %2x%3 to %4x%5 pixels")
                     .arg(text)
                     .arg(kMinWindowSize.width())
                     .arg(kMinWindowSize.height())
                     .arg(kMaxWindowSize.width())
                     .arg(kMaxWindowSize.height());
        return std::nullopt;
    }
    return size;
}

std::optional<int> parseSampleRow(const QString& text, int rows, QString* error)
{
    bool ok = false;
    const int row = text.toInt(&ok);
    if (!ok || row < 0 || row >= rows) {
        *error = rows > 0 ? QStringLiteral("--sample %1: choose a row from 0 to %2 of the Samples list").arg(text).arg(rows - 1)
                          : QStringLiteral("--sample %1: the Samples list is empty").arg(text);
        return std::nullopt;
    }
    return row;
}

bool isWritableImageName(const QString& path, QString* error)
{
    const QFileInfo info(path);
    const QByteArray suffix = info.suffix().toLower().toLatin1();
    if (suffix.isEmpty() || !QImageWriter::supportedImageFormats().contains(suffix)) {
        *error = QStringLiteral("%1: name the screenshot .png (or .jpg, .bmp)").arg(path);
        return false;
    }
    // Found now rather than after loading, running and rendering.
    if (info.isDir()) {
        *error = QStringLiteral("%1: is a directory; name the screenshot file").arg(path);
        return false;
    }
    if (!info.absoluteDir().exists()) {
        *error = QStringLiteral("%1: the directory %2 does not exist").arg(path, QDir::toNativeSeparators(info.absolutePath()));
        return false;
    }
    return true;
}

bool showTabNamed(QWidget* root, const QString& name, QString* error)
{
    QStringList names;
    for (QTabWidget* tabs : root->findChildren<QTabWidget*>())
        for (int i = 0; i < tabs->count(); ++i) {
            const QString title = tabs->tabText(i).remove(QLatin1Char('&'));
            if (title.compare(name, Qt::CaseInsensitive) != 0) {
                if (!names.contains(title))
                    names << title;
                continue;
            }
            tabs->setCurrentIndex(i);
            for (QWidget* w = tabs; w && w != root; w = w->parentWidget())
                if (auto* dock = qobject_cast<QDockWidget*>(w)) {
                    dock->show();
                    dock->raise();
                }
            return true;
        }
    *error = names.isEmpty() ? QStringLiteral("--tab %1: this window has no tabs").arg(name)
                             : QStringLiteral("--tab %1: choose one of %2").arg(name, names.join(QStringLiteral(", ")));
    return false;
}

std::optional<int> parseLessonStep(const QString& text, int steps, QString* error)
{
    if (text.compare(QStringLiteral("last"), Qt::CaseInsensitive) == 0 && steps > 0)
        return steps;
    bool ok = false;
    const int step = text.toInt(&ok);
    if (!ok || step < 1 || step > steps) {
        *error = QStringLiteral("--lesson-step %1: this lesson has steps 1 to %2 (or write last)").arg(text).arg(steps);
        return std::nullopt;
    }
    return step;
}

bool saveImageAtomically(const QImage& image, const QString& path, QString* error)
{
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
        return false;
    }
    const QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
    if (!image.save(&out, format.constData())) {
        out.cancelWriting();
        *error = QStringLiteral("cannot write %1 as %2").arg(path, QString::fromLatin1(format));
        return false;
    }
    if (!out.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
        return false;
    }
    return true;
}

} // namespace ml::ui
