#include "app/train/weightchangedelegate.h"

#include "app/document/document.h"
#include "app/document/moduletreemodel.h"
#include "app/train/trainsession.h"
#include "engine/train/weightchange.h"

#include <QAbstractItemView>
#include <QHelpEvent>
#include <QPainter>
#include <QStringList>
#include <QToolTip>

namespace ml::ui {

namespace {
constexpr int kBadgeWidth = 58;
}

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

void WeightChangeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const Badge b = badgeFor(index.data(ModuleTreeModel::DottedPathRole).toString());
    if (b.text.isEmpty() || option.rect.width() < kBadgeWidth + 24) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem rest = option;
    rest.rect.setRight(option.rect.right() - kBadgeWidth);
    QStyledItemDelegate::paint(painter, rest, index);
    const QRect badge(option.rect.right() - kBadgeWidth + 2, option.rect.top() + 2, kBadgeWidth - 4, option.rect.height() - 4);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(b.color);
    painter->drawRoundedRect(badge, 3, 3);
    QFont f = option.font;
    f.setPointSizeF(f.pointSizeF() * 0.85);
    painter->setFont(f);
    painter->setPen(Qt::white);
    painter->drawText(badge, Qt::AlignCenter, b.text);
    painter->restore();
}

bool WeightChangeDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                                     const QModelIndex& index)
{
    const Badge b = badgeFor(index.data(ModuleTreeModel::DottedPathRole).toString());
    if (event && !b.text.isEmpty() && event->pos().x() >= option.rect.right() - kBadgeWidth) {
        QToolTip::showText(event->globalPos(), b.tooltip, view);
        return true;
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace ml::ui
