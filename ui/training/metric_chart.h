// MetricChart: one training metric (loss, reward, KL, ...) against the step, for any number of
// runs, with its own toolbar row: EMA smoothing slider (0..0.99), "log y", "Fit" and "Export...".
// Rules: the caller owns the data flow (setSeries once, appendPoints as a run is polled) and the
// chart only draws; every change asks for a coalesced replot (at most one per 16 ms frame, charts
// taking turns), so a live run appending every second across many series stays cheap; hover finds
// the nearest point by binary search, so it costs the same at 100 points or 100,000. While the user
// has not zoomed or dragged, the axes follow the data; "Fit" returns to that.
#pragma once

#include <QColor>
#include <QMap>
#include <QVector>
#include <QWidget>

#include "ui/training/ema_smoothing.h"

class QCheckBox;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemTracer;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QShowEvent;
class QPushButton;
class QSlider;

namespace prefstudio::ui {

class MetricChart : public QWidget {
  Q_OBJECT

 public:
  explicit MetricChart(const QString& title, QWidget* parent = nullptr);

  // Replaces (or creates) a series; x = step, y = value. `key` identifies it (e.g.
  // "3/loss_train"), `label` is its legend text. x must be ascending.
  void setSeries(const QString& key, const QString& label, const QVector<double>& x,
                 const QVector<double>& y);
  // Appends points in step order; a point whose x equals the series' last x replaces it (a
  // polled step can gain a newer value); one whose x is below it (a run resumed from an earlier
  // checkpoint) drops the series' points from that step on. Creates the series (label = key) if
  // it does not exist.
  void appendPoints(const QString& key, const QVector<double>& x, const QVector<double>& y);
  void removeSeries(const QString& key);
  void clearSeries();
  QStringList seriesKeys() const;
  int pointCount(const QString& key) const;  // raw points; 0 for an unknown key
  // The series' colour (default: the next palette colour); the Training tab gives a run the same
  // colour in every chart.
  void setSeriesColor(const QString& key, const QColor& color);

  // A vertical marker at step x (trainer warnings, GaLore projector refreshes, checkpoints): its
  // text is shown when hovering near it and listed in the toolbar's marker count tooltip. `key`
  // names who it belongs to (e.g. the run "3"), for removeMarkers.
  void addMarker(const QString& key, double x, const QString& text, const QColor& color);
  void removeMarkers(const QString& key);
  void clearMarkers();
  int markerCount() const;

  void setSmoothing(double weight);  // clamped to [0, 0.99]
  double smoothing() const { return smoothing_; }
  void setLogY(bool on);
  bool logY() const { return log_y_; }

  bool exportImage(const QString& path);  // .png .pdf .svg (the plot); false + no file on failure
  bool exportCsv(const QString& path);    // columns: series,step,value (raw values, label first)

  QCustomPlot* plot() const { return plot_; }
  // What hovering at `pos` (plot pixels) shows: series label, step and value of the nearest point
  // within reach, and the markers there; empty if nothing is near.
  QString hoverTextAt(const QPointF& pos) const;

 public Q_SLOTS:
  // Coalesced: at most one replot per frame (16 ms), through the ReplotQueue the charts share so
  // that charts changed together are replotted in successive event-loop passes.
  void requestReplot();
  // Rescales both axes to the data and follows it again as it grows.
  void fit();

 private:
  struct Series {
    QString label;
    QColor color;
    QVector<double> x, y;       // raw values, x ascending
    QCPGraph* line = nullptr;   // smoothed (raw when smoothing is 0), in the legend
    QCPGraph* faint = nullptr;  // raw behind the smoothed line, only while smoothing > 0
    EmaState ema;               // after the last shown point
    EmaState ema_before_last;   // before it: replacing the last point needs no recomputation
  };
  struct Marker {
    QString key;
    double x = 0;
    QString text;
    QCPItemStraightLine* line = nullptr;
  };
  struct Hit {
    const Series* series = nullptr;
    int index = -1;
    double distance = 0;  // pixels
  };

  void showEvent(QShowEvent* event) override;
  QWidget* makeToolbar();
  Series& seriesFor(const QString& key, const QString& label);
  int ingest(Series& series, const QVector<double>& x, const QVector<double>& y);
  void createFaint(Series& series);
  void styleSeries(Series& series);
  void markSparse(Series& series);
  void rebuild(Series& series);
  void showFrom(Series& series, int from);
  void pushShown(Series& series, int from);
  double shownValue(double value) const;
  void replotNow();
  void syncRanges();
  void rescale();
  void widenFlatRange();
  void onMouseMove(QMouseEvent* event);
  void removeGraphs(Series& series);
  void stopFollowing();
  Hit nearestPoint(const QPointF& pos) const;
  QString describe(const QPointF& pos, Hit* hit) const;
  QStringList markersNear(double pixelX) const;
  void updateMarkerSummary();
  void exportViaDialog();

  QString title_;
  QCustomPlot* plot_ = nullptr;
  QSlider* smoothing_slider_ = nullptr;
  QLabel* smoothing_value_ = nullptr;
  QCheckBox* log_y_box_ = nullptr;
  QLabel* markers_label_ = nullptr;
  QPushButton* fit_button_ = nullptr;
  QPushButton* export_button_ = nullptr;
  QCPItemTracer* tracer_ = nullptr;
  QMap<QString, Series> series_;
  QVector<Marker> markers_;
  double smoothing_ = 0.0;
  bool log_y_ = false;
  bool following_ = true;  // axes track the data until the user zooms or drags
  bool data_changed_ = false;
  int next_color_ = 0;
};

}  // namespace prefstudio::ui
