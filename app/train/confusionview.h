#pragma once

#include <QStringList>
#include <QTableWidget>

namespace ml {
struct Evaluation;
}

namespace ml::ui {

// The test set's confusion matrix: a row per true class, a column per predicted class, each
// cell shaded by its share of the row (the diagonal is what was right).
class ConfusionView : public QTableWidget {
    Q_OBJECT
public:
    explicit ConfusionView(QWidget* parent = nullptr);
    void setClassNames(const QStringList& names) { m_names = names; }
    void show(const ml::Evaluation& evaluation);
    void clearMatrix();

protected:
    void paintEvent(QPaintEvent* event) override; // says when the matrix comes while there is none

private:
    QStringList m_names;
};

} // namespace ml::ui
