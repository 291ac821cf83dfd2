#include "app/train/weightchangedelegate.h"

#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/train/trainsession.h"
#include "engine/train/weightchange.h"

#include <QAbstractItemView>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QPainter>
#include <QStringList>
#include <QToolTip>

namespace ml::ui {

namespace {
constexpr int kBadgeMargin = 2; // around the badge, inside the cell
constexpr int kBadgePadding = 5; // around the text, inside the badge
constexpr int kNameGap = 6; // between the name and the badge
} // namespace

WeightChangeDelegate::WeightChangeDelegate(Document* document, TrainSession* session, QObject* parent)
    : QStyledItemDelegate(parent), m_document(document), m_session(session)
{
}

WeightChangeDelegate::Badge WeightChangeDelegate::badgeFor(const QString& dottedPath) const
{
    const ml::Module* m = m_document->moduleAtDotted(dottedPath);
    if (!m)
        return {};
    if (const ml::LayerChange* c = m_session->changeOf(dottedPath)) {
        if (!c->reason.empty()) {
            const bool plain = c->reason != "frozen";
            return {plain ? QStringLiteral("not reg.") : QStringLiteral("frozen"),
                    QStringLiteral("Weights changed by %1% since training started: %2. The optimizer holds "
                                   "model.parameters(), which %3.")
                        .arg(c->relative * 100.0, 0, 'f', 2)
                        .arg(QString::fromStdString(c->reason),
                             plain ? QStringLiteral("never yields the layers of a plain Python list (use nn.ModuleList)")
                                   : QStringLiteral("yields these parameters with requires_grad=False, so they get no "
                                                    "gradient and are skipped")),
                    plain ? QColor(200, 40, 40) : QColor(40, 110, 200)};
        }
        const double pct = c->relative * 100.0;
        return {pct >= 9.95 ? QStringLiteral("Δ%1%").arg(pct, 0, 'f', 0) : QStringLiteral("Δ%1%").arg(pct, 0, 'f', 1),
                QStringLiteral("Weights changed by %1% (|W - W₀| / |W₀|) since training started").arg(pct, 0, 'f', 3),
                pct > 0.0 ? QColor(30, 140, 60) : QColor(150, 150, 150)};
    }
    if (m->frozen())
        return {QStringLiteral("frozen"), QStringLiteral("Frozen: requires_grad=False for the parameters of this module and "
                                                         "those below it; the optimizer skips them"),
                QColor(40, 110, 200)};
    if (!m->frozenParameters().empty()) { // p.requires_grad = False on some of its parameters
        QStringList names;
        for (const std::string& p : m->frozenParameters())
            names << QString::fromStdString(p);
        return {QStringLiteral("partly"),
                QStringLiteral("Partly frozen: requires_grad=False for %1; the optimizer skips %2, the module's other "
                               "parameters train")
                    .arg(names.join(QStringLiteral(", ")), names.size() == 1 ? QStringLiteral("it") : QStringLiteral("them")),
                QColor(40, 110, 200)};
    }
    return {};
}

QFont WeightChangeDelegate::badgeFont(const QFont& rowFont)
{
    QFont f = rowFont;
    f.setPointSizeF(f.pointSizeF() * 0.85);
    return f;
}

int WeightChangeDelegate::badgeWidth(const QString& text, const QFont& rowFont)
{
    return QFontMetrics(badgeFont(rowFont)).horizontalAdvance(text) + 2 * (kBadgePadding + kBadgeMargin);
}

QSize WeightChangeDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const Badge b = badgeFor(index.data(ModuleTreeModel::DottedPathRole).toString());
    if (!b.text.isEmpty())
        size.rwidth() += kNameGap + badgeWidth(b.text, option.font);
    return size;
}

void WeightChangeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const Badge b = badgeFor(index.data(ModuleTreeModel::DottedPathRole).toString());
    const int width = b.text.isEmpty() ? 0 : badgeWidth(b.text, option.font);
    if (b.text.isEmpty() || option.rect.width() < width + 24) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem rest = option;
    rest.rect.setRight(option.rect.right() - width);
    QStyledItemDelegate::paint(painter, rest, index);
    const QRect badge = QRect(option.rect.right() - width + 1, option.rect.top(), width, option.rect.height())
                            .adjusted(kBadgeMargin, kBadgeMargin, -kBadgeMargin, -kBadgeMargin);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(b.color);
    painter->drawRoundedRect(badge, 3, 3);
    painter->setFont(badgeFont(option.font));
    painter->setPen(Qt::white);
    painter->drawText(badge, Qt::AlignCenter, b.text);
    painter->restore();
}

bool WeightChangeDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                                     const QModelIndex& index)
{
    const Badge b = badgeFor(index.data(ModuleTreeModel::DottedPathRole).toString());
    if (event && !b.text.isEmpty() && event->pos().x() >= option.rect.right() - badgeWidth(b.text, option.font)) {
        QToolTip::showText(event->globalPos(), b.tooltip, view);
        return true;
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace ml::ui
