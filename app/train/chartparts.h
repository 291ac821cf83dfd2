#pragma once

#include <QString>
#include <Qt>

class QChart;
class QChartView;
class QLineSeries;
class QPen;
class QValueAxis;
class QWidget;

namespace ml::ui {

// The parts the training charts share (the Train panel's and the compare view's): a view with
// little margin, value axes whose labels stay whole, line series, and text that follows the
// panel's type.

// A view of `chart` (which it takes) with thin margins, no rounded corners and smooth lines; its
// text follows the view's font (followPanelFont).
QChartView* makeChartView(QChart* chart, QWidget* parent, int minimumHeight);

// A value axis on `where`; a vertical one with three labels (a short chart has room for few:
// Qt elides labels that get less height than their text).
QValueAxis* addValueAxis(QChart* chart, Qt::Alignment where, const QString& labelFormat = {});

// Sets the axis's range and puts its ticks at whole multiples (from `anchor`) of a round interval
// (1, 2 or 5 times a power of ten; at least 1 for a `whole`-number axis), as many as fit in
// `most`, each labelled with the decimals the interval needs: no two labels alike, and each the
// value at its tick (not 0 0 1 2 3 for a range of three steps).
void setRoundTicks(QValueAxis* axis, double lo, double hi, int most, bool whole, double anchor = 0.0);

QLineSeries* addLineSeries(QChart* chart, const QPen& pen, QValueAxis* x, QValueAxis* y, const QString& name = {});

// The chart's title, legend and axis labels a little smaller than `view`'s font (Qt Charts keeps
// its own fonts otherwise), now and whenever the view's font changes: readable in the window
// and, in classroom mode's large type, from the back of a room.
void followPanelFont(QChartView* view);

} // namespace ml::ui
