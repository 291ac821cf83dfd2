#pragma once

// The setup the classroom and layout tests begin with: a main window at a projector's size
// (1280x720, 1920x1080) with a model open and shown, optionally in classroom mode, and its
// picture kept for a person to look at when MODULELAB_SCREENSHOT_DIR names a directory.

#include "app/classroom/classroommode.h"
#include "app/ui/mainwindow.h"
#include "app/ui/teachingtools.h"

#include <QByteArray>
#include <QSize>
#include <QString>
#include <QTest>

namespace ml::ui::testing {

inline ClassroomMode* classroomOf(MainWindow& window)
{
    return window.findChild<TeachingTools*>()->classroom();
}

// Opens `file` (none: the window's start) at `size`, shows the window and waits until it is on
// screen; then switches classroom mode on when asked. False, with the reason, when the file
// does not open or the window never shows.
[[nodiscard]] inline bool presentAt(MainWindow& window, QSize size, const QString& file, bool classroom, QString* why)
{
    window.setQuiet(true);
    window.resize(size);
    if (!file.isEmpty() && !window.openFile(file, why))
        return false;
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) {
        *why = QStringLiteral("the window was not shown");
        return false;
    }
    if (classroom)
        classroomOf(window)->setActive(true);
    return true;
}

// The window's picture as NAME-WxH.png in MODULELAB_SCREENSHOT_DIR, when set.
inline void keepScreenshot(QWidget& window, const QString& name)
{
    const QByteArray dir = qgetenv("MODULELAB_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        window.grab().save(QStringLiteral("%1/%2-%3x%4.png")
                               .arg(QString::fromLocal8Bit(dir), name)
                               .arg(window.width())
                               .arg(window.height()));
}

} // namespace ml::ui::testing
