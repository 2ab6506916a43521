// The shared look of the Training tab's charts: a colour-blind-friendly palette, one setup for a
// fresh QCustomPlot (title above, grid, fonts, legend below the axes so it never covers a curve)
// and a faint copy of a colour. Free functions only; each chart keeps its own behaviour.
#pragma once

#include <QColor>
#include <QString>

class QCustomPlot;
class QCPAxisRect;
class QCPLegend;

namespace prefstudio::ui {

// The i-th colour of a ten-colour palette (Tableau 10), repeating after ten.
QColor chartColor(int index);

// `color` at `alpha` (0..255): the raw curve behind a smoothed one, marker lines.
QColor faintColor(const QColor& color, int alpha);

// White background, light grid, readable fonts, a bold `title` row above the axis rect and the
// legend in a row below it (columns first, `legendColumns` to a row). Returns the plot's legend.
QCPLegend* setUpChartPlot(QCustomPlot* plot, const QString& title, int legendColumns);

}  // namespace prefstudio::ui
