#pragma once

#include "engine/analysis/concepts.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace ml::ui {

// The seed's "Sequential vs ModuleList" table, extended to ModuleDict and the plain list and
// filled from the models loaded (ml::conceptTable): a row per question, a column per kind,
// the evidence of the current cell underneath.
class ConceptTableWidget : public QWidget {
    Q_OBJECT
public:
    explicit ConceptTableWidget(QWidget* parent = nullptr);

    void setFacts(const std::vector<ml::ContainerFacts>& facts);
    const ml::ConceptTable& table() const { return m_table; }
    QTableWidget* view() const { return m_view; }

private:
    void showEvidence(int row, int column);

    ml::ConceptTable m_table;
    QTableWidget* m_view;
    QLabel* m_evidence;
};

} // namespace ml::ui
