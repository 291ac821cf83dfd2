#pragma once

#include "engine/analysis/compare.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <QString>
#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QLabel;
class QPushButton;

namespace ml::ui {

class Document;
class FeatureMapGrid;
class RunController;
class SampleListModel;
struct ForwardCall;

// The compare view's "Activations" tab: both models run on the same sample (each converted to
// its own model's input), then the selected aligned row shows the two layers' outputs side by
// side. Each side runs through its own RunController (a worker thread per side), with the
// weights its project names or PyTorch's default initialisation (seed 0) until others are loaded.
class CompareActivations : public QWidget {
    Q_OBJECT
public:
    explicit CompareActivations(QWidget* parent = nullptr);
    ~CompareActivations() override;

    // A copy of the model is taken when first needed (shown, run or loading weights).
    // `extras`: the weights and normalisation the model's file `path` names, read with it.
    void setModel(int side, const ml::Module* root, const ml::Shape& input, const QString& path,
                  const ml::ModelFileExtras& extras = {});
    void setComparison(const ml::ModelComparison* comparison); // aligned rows; may be null
    // Rows 0 .. n-1 are the comparison's aligned layers; the rows after them its outputs
    // (ModelComparison::outputs), each model's returned tensor of that name.
    void showRow(int row);
    int row() const { return m_row; }
    int outputRow(size_t output) const; // the row of ModelComparison::outputs[output]

    bool loadWeights(int side, const QString& path, QString* error);
    void run();
    bool isRunning() const;
    bool waitForFinished(int timeoutMs);

    RunController* controller(int side) const { return m_sides[static_cast<size_t>(side)].controller; }
    FeatureMapGrid* grid(int side) const { return m_sides[static_cast<size_t>(side)].grid; }
    QLabel* caption(int side) const { return m_sides[static_cast<size_t>(side)].caption; }
    QLabel* status(int side) const { return m_sides[static_cast<size_t>(side)].status; }
    QComboBox* samples() const { return m_samples; }
    QComboBox* layers() const { return m_layers; }
    const ForwardCall* shownCall(int side) const; // null when nothing or a model output is shown
    const ml::Tensor* shownTensor(int side) const; // the layer's or the output's values; null when none
    // How far A's shown values are from B's: largest and mean |A - B| when both have one shape.
    QLabel* difference() const { return m_difference; }

signals:
    void rowChosen(int row);

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct Side {
        const ml::Module* source = nullptr;
        ml::Shape input;
        QString path;
        ml::ModelFileExtras extras;
        bool pending = false;
        Document* document = nullptr;
        RunController* controller = nullptr;
        FeatureMapGrid* grid = nullptr;
        QLabel* weights = nullptr;
        QLabel* status = nullptr;
        QLabel* caption = nullptr;
        const ForwardCall* shown = nullptr;
        const ml::Tensor* shownTensor = nullptr;
    };
    QWidget* buildSide(int side);
    void apply(int side);
    void chooseWeights(int side);
    void fillLayers();
    void showSide(int side);
    void showOutput(int side, const ml::OutputPair& pair);
    void showDifference();
    void showRunStatus(int side);

    std::array<Side, 2> m_sides;
    const ml::ModelComparison* m_comparison = nullptr;
    SampleListModel* m_sampleModel;
    QComboBox* m_samples;
    QComboBox* m_layers;
    QLabel* m_difference;
    QPushButton* m_run;
    int m_row = -1;
};

} // namespace ml::ui
