#pragma once

#include "engine/analysis/compare.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <QString>
#include <QWidget>

#include <array>
#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QTabWidget;
class QTableWidget;

namespace ml::ui {

class CompareActivations;
class CompareTraining;
class ConceptTableWidget;
class DiagramView;

// Two models side by side: their diagrams, their leaf-layer calls aligned in execution order
// (ml::compareModels) with what differs at each row, the totals compared, and the container
// concept table read from both. Side 0 is A (left), side 1 is B (right).
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    ~CompareView() override;

    // A file or resource (":/examples/net.py"); reports a located message on failure.
    bool loadSide(int side, const QString& path, QString* error);
    // `path` (a file or resource, may be empty) names the default weights of the Activations tab.
    void setSide(int side, std::unique_ptr<ml::Module> root, const ml::Shape& input, const QString& label,
                 const QString& path = {}, const ml::ModelFileExtras& extras = {});
    // Offers "Current document" in the pickers: returns a copy of the document's model.
    using DocumentSource = std::function<std::unique_ptr<ml::Module>(ml::Shape& input, QString& label)>;
    void setDocumentSource(DocumentSource source);

    const ml::ModelComparison* comparison() const { return m_comparison.get(); }
    QString label(int side) const { return m_sides[static_cast<size_t>(side)].label; }
    DiagramView* diagram(int side) const { return m_diagrams[static_cast<size_t>(side)]; }
    QTableWidget* table() const { return m_table; }
    ConceptTableWidget* concepts() const { return m_concepts; }
    QLabel* totalsLabel() const { return m_totals; }
    // Each output of A beside B's (shown when either model returns more than one tensor).
    QLabel* outputsLabel() const { return m_outputs; }
    QTabWidget* tabs() const { return m_tabs; }
    CompareActivations* activations() const { return m_activations; } // null without the run tools
    CompareTraining* training() const { return m_training; } // trains both on the same batches

    void selectRow(int row); // selects both sides' nodes in the diagrams
    void fitDiagrams();      // after a resize: legible zoom, scrolled to the current row
    void swapSides();
    // The whole view, or one side's diagram, as PNG, SVG or PDF. Error or empty.
    QString exportView(const QString& path);
    QString exportDiagram(int side, const QString& path);

signals:
    void compared();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Side {
        std::unique_ptr<ml::Module> root;
        ml::Shape input;
        QString label;
        QString path;
        ml::ModelFileExtras extras; // what the file names beside the model, read with it
    };
    void buildPickers();
    void pickerActivated(int side, int index);
    void recompute();
    void fillTable();
    void arrangeColumns();
    void fillTotals();
    void fillOutputs();
    void diagramActivated(int side, const QString& path);
    void chooseExport();

    std::array<Side, 2> m_sides;
    std::unique_ptr<ml::ModelComparison> m_comparison;
    DocumentSource m_documentSource;
    std::array<QComboBox*, 2> m_pickers{};
    std::array<QLabel*, 2> m_titles{};
    std::array<DiagramView*, 2> m_diagrams{};
    QLabel* m_totals;
    QLabel* m_outputs;
    QTabWidget* m_tabs;
    QTableWidget* m_table;
    ConceptTableWidget* m_concepts;
    CompareActivations* m_activations = nullptr;
    CompareTraining* m_training = nullptr;
    bool m_syncing = false;
};

} // namespace ml::ui
