#pragma once

// What the layout tests share: settings of their own (window size, panel layout, recent files),
// empty at the start, so that no test reads what the application or another test saved; and
// what is cut: in the module tree, and any control's text in a window.

#include "app/ui/moduletreepanel.h"

#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSlider>
#include <QStyle>
#include <QStyleOption>
#include <QTabBar>
#include <QToolButton>
#include <QSettings>
#include <QStandardPaths>
#include <QString>

#include <algorithm>

namespace ml::ui::testing {

inline void useOwnSettings(const QString& name)
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(name);
    QApplication::setApplicationName(name);
    QSettings().clear();
}

// A shown column narrower than its header or a cell, columns wider than the view, or a view
// that scrolls sideways; empty when every shown column is whole.
inline QString treeCut(ModuleTreePanel* tree)
{
    QHeaderView* header = tree->header();
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c))
            continue;
        const int needed = std::max(static_cast<QAbstractItemView*>(tree)->sizeHintForColumn(c), header->sectionSizeHint(c));
        if (header->sectionSize(c) < needed)
            return QStringLiteral("column '%1' is %2 wide, its contents %3")
                .arg(tree->model()->headerData(c, Qt::Horizontal).toString())
                .arg(header->sectionSize(c))
                .arg(needed);
    }
    if (header->length() > tree->viewport()->width())
        return QStringLiteral("columns %1 wide in a view of %2").arg(header->length()).arg(tree->viewport()->width());
    if (tree->horizontalScrollBar()->maximum() != 0)
        return QStringLiteral("the tree scrolls sideways by %1").arg(tree->horizontalScrollBar()->maximum());
    return {};
}

// Where a widget's text does not fit. Each visible control under root (a label, button,
// field, combo or spin box, progress bar, tab, header section or dock title) whose text is
// wider or taller than the control, or which its parent cuts at an edge, described by its
// class, object name or text, and sizes (textCut: the list in one text); empty when every one is whole. Widgets inside a
// scroll area's viewport may be scrolled out of sight; only their own fit is checked there.
namespace detail {

inline QString plain(QString text)
{
    text.remove(QLatin1Char('&'));
    return text;
}

inline QString describe(const QWidget* w, const QString& text = {})
{
    QString name = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        name += QLatin1Char('#') + w->objectName();
    if (!text.isEmpty())
        name += QStringLiteral(" '%1'").arg(text.left(60));
    if (const auto* tabs = qobject_cast<const QTabBar*>(w)) {
        QStringList titles;
        for (int i = 0; i < tabs->count(); ++i)
            titles << plain(tabs->tabText(i));
        name += QStringLiteral(" [%1]").arg(titles.join(QStringLiteral(" | ")));
    }
    for (const QWidget* p = w->parentWidget(); p; p = p->parentWidget())
        if (!p->objectName().isEmpty() && !p->objectName().startsWith(QLatin1String("qt_"))) {
            name += QStringLiteral(" in %1").arg(p->objectName());
            break;
        }
    return name;
}


// Whether some of the widget can be seen: a main window parks the docks behind a tab's others
// and its unused tab bars outside itself, visible but out of sight.
inline bool inSight(QWidget* w, QWidget* root)
{
    QRect r = w->rect();
    for (QWidget* child = w; child != root && !child->isWindow(); child = child->parentWidget()) {
        r.translate(child->pos());
        r &= child->parentWidget()->rect();
        if (r.isEmpty())
            return false;
    }
    return true;
}

// The control's rectangle cut by an ancestor's edge, up to root or a scroll area's viewport.
inline QString cutByAncestor(QWidget* w, QWidget* root)
{
    QRect r = w->rect();
    QWidget* child = w;
    for (QWidget* p = w->parentWidget(); p; p = p->parentWidget()) {
        r.translate(child->pos());
        if (auto* area = qobject_cast<QAbstractScrollArea*>(p->parentWidget()); area && area->viewport() == p) {
            // Out of the viewport is out of sight only the way a scroll bar can bring it back.
            const QRect view = p->rect();
            const bool sideways = r.left() < view.left() || r.right() > view.right();
            const bool upDown = r.top() < view.top() || r.bottom() > view.bottom();
            if ((sideways && !area->horizontalScrollBar()->isVisible()) || (upDown && !area->verticalScrollBar()->isVisible()))
                return QStringLiteral("%1 at %2,%3 %4x%5 is cut by the edge of %6 (%7x%8), which does not scroll that way")
                    .arg(describe(w))
                    .arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height())
                    .arg(describe(area)).arg(view.width()).arg(view.height());
            return {};
        }
        if (!p->rect().contains(r))
            return QStringLiteral("%1 at %2,%3 %4x%5 is cut by the edge of %6 (%7x%8)")
                .arg(describe(w))
                .arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height())
                .arg(describe(p)).arg(p->width()).arg(p->height());
        if (p == root || p->isWindow())
            return {};
        child = p;
    }
    return {};
}

inline QString tooNarrow(const QWidget* w, const QString& text, QSize needed)
{
    if (w->width() >= needed.width() && w->height() >= needed.height())
        return {};
    return QStringLiteral("%1 is %2x%3, its text needs %4x%5")
        .arg(describe(w, text))
        .arg(w->width()).arg(w->height())
        .arg(needed.width()).arg(needed.height());
}

inline QString ownCut(QWidget* w)
{
    if (auto* label = qobject_cast<QLabel*>(w)) {
        if (label->text().isEmpty())
            return {};
        const QSize hint = label->sizeHint();
        if (label->wordWrap()) {
            const int needed = label->heightForWidth(label->width());
            if (needed > label->height())
                return tooNarrow(label, label->text(), QSize(label->width(), needed));
            return {};
        }
        return tooNarrow(label, label->text(), hint);
    }
    if (auto* button = qobject_cast<QPushButton*>(w)) {
        if (button->text().isEmpty())
            return {};
        // The text, icon and menu arrow inside the room the style leaves within the frame.
        QStyleOptionButton opt;
        opt.initFrom(button);
        opt.text = button->text();
        opt.icon = button->icon();
        opt.iconSize = button->iconSize();
        if (button->menu())
            opt.features |= QStyleOptionButton::HasMenu;
        const QRect room = button->style()->subElementRect(QStyle::SE_PushButtonContents, &opt, button);
        const QFontMetrics fm = button->fontMetrics();
        int needed = fm.horizontalAdvance(plain(button->text()));
        if (!button->icon().isNull())
            needed += button->iconSize().width() + 4;
        if (button->menu())
            needed += button->style()->pixelMetric(QStyle::PM_MenuButtonIndicator, &opt, button);
        if (needed <= room.width() && fm.height() <= room.height())
            return {};
        return QStringLiteral("%1 leaves %2x%3 inside, its text needs %4x%5")
            .arg(describe(button, button->text()))
            .arg(room.width()).arg(room.height())
            .arg(needed).arg(fm.height());
    }
    if (auto* button = qobject_cast<QAbstractButton*>(w)) { // tool buttons, check and radio boxes
        if (button->text().isEmpty() || (qobject_cast<QToolButton*>(w)
                                         && static_cast<QToolButton*>(w)->toolButtonStyle() == Qt::ToolButtonIconOnly))
            return {};
        const QSize hint = button->sizeHint();
        return tooNarrow(button, button->text(), QSize(hint.width(), std::min(hint.height(), button->fontMetrics().height())));
    }
    if (auto* combo = qobject_cast<QComboBox*>(w)) {
        if (combo->currentText().isEmpty() || combo->isEditable())
            return {};
        QStyleOptionComboBox opt;
        opt.initFrom(combo);
        opt.currentText = combo->currentText();
        const QFontMetrics fm = combo->fontMetrics();
        QSize contents(fm.horizontalAdvance(combo->currentText()), fm.height());
        if (!combo->itemIcon(combo->currentIndex()).isNull())
            contents += QSize(combo->iconSize().width() + 4, 0);
        const QSize needed = combo->style()->sizeFromContents(QStyle::CT_ComboBox, &opt, contents, combo);
        return tooNarrow(combo, combo->currentText(), QSize(needed.width(), fm.height()));
    }
    if (auto* edit = qobject_cast<QLineEdit*>(w)) {
        // An editable field may hold more than it shows; one that only shows must show it all.
        if (!edit->isReadOnly() || edit->text().isEmpty() || edit->echoMode() != QLineEdit::Normal)
            return {};
        const QFontMetrics fm = edit->fontMetrics();
        const QMargins m = edit->textMargins();
        const int frame = edit->hasFrame() ? 2 * edit->style()->pixelMetric(QStyle::PM_DefaultFrameWidth, nullptr, edit) : 0;
        const QSize needed(fm.horizontalAdvance(edit->text()) + m.left() + m.right() + frame + 4, fm.height());
        return tooNarrow(edit, edit->text(), needed);
    }
    if (auto* spin = qobject_cast<QAbstractSpinBox*>(w)) {
        const QString text = spin->text();
        if (text.isEmpty())
            return {};
        QStyleOptionSpinBox opt;
        opt.initFrom(spin);
        opt.buttonSymbols = spin->buttonSymbols();
        opt.frame = spin->hasFrame();
        const QFontMetrics fm = spin->fontMetrics();
        const QSize needed = spin->style()->sizeFromContents(QStyle::CT_SpinBox, &opt, QSize(fm.horizontalAdvance(text) + 4, fm.height()), spin);
        return tooNarrow(spin, text, QSize(needed.width(), fm.height()));
    }
    if (auto* tabs = qobject_cast<QTabBar*>(w)) {
        // A tab's text, icon, side buttons and the style's spacing, as QTabBar sizes a tab.
        QStyleOptionTab opt;
        opt.initFrom(tabs);
        const int space = tabs->style()->pixelMetric(QStyle::PM_TabBarTabHSpace, &opt, tabs);
        const QFontMetrics fm = tabs->fontMetrics();
        for (int i = 0; i < tabs->count(); ++i) {
            if (!tabs->isTabVisible(i))
                continue;
            int needed = fm.horizontalAdvance(plain(tabs->tabText(i))) + space;
            if (!tabs->tabIcon(i).isNull())
                needed += tabs->iconSize().width() + 4;
            for (const auto side : {QTabBar::LeftSide, QTabBar::RightSide})
                if (QWidget* b = tabs->tabButton(i, side); b && b->isVisible())
                    needed += b->width();
            const bool vertical = tabs->shape() == QTabBar::RoundedWest || tabs->shape() == QTabBar::RoundedEast
                                  || tabs->shape() == QTabBar::TriangularWest || tabs->shape() == QTabBar::TriangularEast;
            const int has = vertical ? tabs->tabRect(i).height() : tabs->tabRect(i).width();
            if (has < needed)
                return QStringLiteral("%1: tab '%2' is %3 long, its text needs %4")
                    .arg(describe(tabs))
                    .arg(plain(tabs->tabText(i)))
                    .arg(has)
                    .arg(needed);
        }
        return {};
    }
    if (auto* header = qobject_cast<QHeaderView*>(w)) {
        if (header->orientation() != Qt::Horizontal)
            return {};
        for (int c = 0; c < header->count(); ++c)
            if (!header->isSectionHidden(c) && header->sectionSize(c) > 0 && header->sectionSize(c) < header->sectionSizeHint(c))
                return QStringLiteral("%1: column '%2' is %3 wide, its title needs %4")
                    .arg(describe(header))
                    .arg(header->model() ? header->model()->headerData(c, Qt::Horizontal).toString() : QString())
                    .arg(header->sectionSize(c))
                    .arg(header->sectionSizeHint(c));
        return {};
    }
    if (auto* dock = qobject_cast<QDockWidget*>(w)) {
        if (dock->titleBarWidget() || dock->isFloating())
            return {};
        // The title, its margins and the float and close buttons.
        const int needed = dock->fontMetrics().horizontalAdvance(plain(dock->windowTitle())) + 60;
        if (dock->width() < needed)
            return QStringLiteral("%1 is %2 wide, its title needs %3").arg(describe(dock, dock->windowTitle())).arg(dock->width()).arg(needed);
        return {};
    }
    return {};
}

inline bool checked(const QWidget* w)
{
    return qobject_cast<const QLabel*>(w) || qobject_cast<const QAbstractButton*>(w) || qobject_cast<const QComboBox*>(w)
           || qobject_cast<const QLineEdit*>(w) || qobject_cast<const QAbstractSpinBox*>(w) || qobject_cast<const QProgressBar*>(w)
           || qobject_cast<const QTabBar*>(w) || qobject_cast<const QHeaderView*>(w) || qobject_cast<const QDockWidget*>(w)
           || qobject_cast<const QSlider*>(w);
}

} // namespace detail

inline QStringList textCuts(QWidget* root)
{
    QStringList cuts;
    QList<QWidget*> widgets = root->findChildren<QWidget*>();
    widgets.prepend(root);
    for (QWidget* w : widgets) {
        if (!w->isVisible() || w->width() <= 0 || w->height() <= 0 || !detail::checked(w))
            continue;
        // Inside a spin box or combo the line edit is the control's own business.
        if (qobject_cast<QLineEdit*>(w) && (qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget())))
            continue;
        if (w != root && !detail::inSight(w, root))
            continue;
        if (auto* tabs = qobject_cast<QTabBar*>(w); tabs && tabs->count() == 0)
            continue; // a main window's spare tab bar: nothing on it to cut
        if (QString cut = detail::ownCut(w); !cut.isEmpty())
            cuts << cut;
        else if (w != root)
            if (QString cut = detail::cutByAncestor(w, root); !cut.isEmpty())
                cuts << cut;
    }
    return cuts;
}

inline QString textCut(QWidget* root)
{
    return textCuts(root).join(QLatin1Char('\n'));
}

} // namespace ml::ui::testing
