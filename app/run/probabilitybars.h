#pragma once

#include <QList>
#include <QRect>
#include <QString>
#include <QWidget>

namespace ml::ui {

// Class probabilities as one row per class: the name whole on the left, a bar from 0 to 1, the
// percentage written at the right; a marked row (the true label) in its own colour. Rows are
// as high as the widget's type, so the names follow classroom mode's large type and none is
// left out or cut; in a panel too short for every row the type shrinks (to 70% at most) so that
// the last rows are not cut off.
class ProbabilityBars : public QWidget {
    Q_OBJECT
public:
    struct Row {
        QString name;
        double probability = 0; // 0..1
        bool marked = false;
    };

    explicit ProbabilityBars(QWidget* parent = nullptr);

    void setRows(const QList<Row>& rows);
    int rowCount() const { return static_cast<int>(m_rows.size()); }
    const Row& row(int i) const { return m_rows[i]; }
    QRect nameRect(int row) const;  // where the row's name is written
    QRect valueRect(int row) const; // where its percentage is written

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // The type rows are written in: the widget's, or smaller when its height is short.
    QFont rowFont() const;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int rowHeight() const;
    int nameWidth() const;
    int valueWidth() const;
    QRect barsRect() const;

    QList<Row> m_rows;
};

} // namespace ml::ui
