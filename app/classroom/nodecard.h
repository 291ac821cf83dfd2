#pragma once

#include <QPersistentModelIndex>
#include <QWidget>

#include <vector>

class QGridLayout;
class QLabel;
class QTreeView;

namespace ml::ui {

// The selected node's numbers for a projector: its name and, under the tree's column titles,
// its type, input and output shapes, parameters and mult-adds, in large type. It reads them
// from the module tree's row (the engine's values as the tree shows them) and follows the
// tree's current row and every refresh.
class NodeCard : public QWidget {
    Q_OBJECT
public:
    explicit NodeCard(QTreeView* tree, QWidget* parent = nullptr);

    QLabel* titleLabel() const { return m_title; }
    const std::vector<QLabel*>& valueLabels() const { return m_values; }
    const std::vector<QLabel*>& captionLabels() const { return m_captions; }
    void refresh();

private:
    QTreeView* m_tree;
    QLabel* m_title;
    std::vector<QLabel*> m_captions;
    std::vector<QLabel*> m_values;
    std::vector<int> m_columns; // the tree columns shown, in order
};

} // namespace ml::ui
