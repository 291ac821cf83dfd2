#pragma once

// A drag with the real mouse under Xvfb (xcb), as a user makes it, for the tests that drag
// rows and boxes between the application's views.

#include <QApplication>
#include <QPoint>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QWidget>

#include <functional>
#include <vector>

namespace ml::ui::test {

// Presses at `from` in `source`, starts a drag by moving past the drag distance and, inside
// QDrag::exec's nested event loop, moves over the points `via` of `target`, then to `to` and
// releases there. `during` runs while the drag hovers over `to`. False when the drop did not
// happen within 5 seconds.
inline bool realDrag(QWidget* source, QPoint from, QWidget* target, const std::vector<QPoint>& via, QPoint to,
                     const std::function<void()>& during = {})
{
    bool dropped = false;
    QTest::mousePress(source, Qt::LeftButton, {}, from);
    QTimer::singleShot(150, target, [&] {
        for (const QPoint& p : via) {
            QTest::mouseMove(target, p);
            QTest::qWait(50);
        }
        QTest::mouseMove(target, to - QPoint(0, 1));
        QTest::qWait(50);
        QTest::mouseMove(target, to);
        QTest::qWait(50);
        if (during)
            during();
        QTest::mouseRelease(target, Qt::LeftButton, {}, to);
        dropped = true;
    });
    const int distance = QApplication::startDragDistance();
    QTest::mouseMove(source, from + QPoint(distance / 2 + 1, 0));
    QTest::mouseMove(source, from + QPoint(3 * distance + 5, 3)); // starts QDrag::exec
    const bool arrived = QTest::qWaitFor([&] { return dropped; }, 5000);
    QTest::qWait(50);
    return arrived;
}

inline bool realDrag(QWidget* source, QPoint from, QWidget* target, QPoint to, const std::function<void()>& during = {})
{
    return realDrag(source, from, target, {}, to, during);
}

// A point on an item view's row, near the start of its text, scrolled into view.
inline QPoint rowPoint(QTreeView* view, const QModelIndex& index)
{
    view->scrollTo(index);
    const QRect r = view->visualRect(index);
    return QPoint(r.left() + 20, r.center().y());
}

} // namespace ml::ui::test
