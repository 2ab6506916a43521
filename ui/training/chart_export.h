// Saving the Training tab's charts as files: PNG, PDF or SVG chosen by the file's suffix, drawn
// from QCustomPlot's own painter (vectors in PDF and SVG, not a screenshot), plus the file dialog
// the charts' "Export..." buttons share. Rules: an unknown suffix or a failed write returns false
// and leaves no file behind; an export never changes what the widget shows.
#pragma once

#include <QList>
#include <QString>

class QCustomPlot;
class QWidget;

namespace prefstudio::ui {

// One plot at its on-screen size (PNG: exactly that many pixels).
bool exportPlot(QCustomPlot* plot, const QString& path);

// Several plots in one picture, each where it sits relative to the others on screen (the two
// plots of the calibration chart side by side); the picture is their bounding box.
bool exportPlots(const QList<QCustomPlot*>& plots, const QString& path);

// Asks for a file to save `baseName` to; the suffix follows the chosen filter when the user typed
// none. `withCsv` offers "CSV data" as well. Empty when cancelled.
QString askExportPath(QWidget* parent, const QString& baseName, bool withCsv);

// The lower-case suffix export understands ("png", "pdf", "svg", "csv"), or empty.
QString exportFormat(const QString& path);

}  // namespace prefstudio::ui
