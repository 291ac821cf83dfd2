#pragma once

#include <QStyledItemDelegate>

namespace ml::ui {

class Document;
class TrainSession;

// Draws, after a tree row's name (at the name column's right edge), how much the node's weights changed since training
// started ("Δ 4.1%"), or why they cannot change: "frozen", or a plain Python list's layer
// ("not registered"). The tooltip says it in full. The reasons come from the engine.
class WeightChangeDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    WeightChangeDelegate(Document* document, TrainSession* session, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    // The name's width and, on a row with a badge, the badge's: the tree sizes its name column
    // to show both whole.
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    bool helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                   const QModelIndex& index) override;

    struct Badge {
        QString text;
        QString tooltip;
        QColor color;
    };
    // What the row of `dottedPath` shows; empty text for nothing.
    Badge badgeFor(const QString& dottedPath) const;

private:
    static QFont badgeFont(const QFont& rowFont);
    static int badgeWidth(const QString& text, const QFont& rowFont); // with its margins

    Document* m_document;
    TrainSession* m_session;
};

} // namespace ml::ui
