// FrontierChart: the DPO paper's frontier, a score against the sequence KL to the reference
// policy, one scatter series per run with its points joined in step order by a thin line, so a run
// that buys score with KL and one that drifts for nothing look different at a glance. A combo box
// picks the score: "true_score" (the held-out judge) or "reward" (the trained reward model); the
// chart only announces the choice (measureChanged) and the caller refills the points.
// Rules: points keep the order they were given (a QCPCurve, not a graph sorted by x); hover
// shows run, KL and score of the nearest point.
#pragma once

#include <QColor>
#include <QMap>
#include <QVector>
#include <QWidget>

class QComboBox;
class QCPCurve;
class QCPItemTracer;
class QCustomPlot;
class QMouseEvent;
class QPushButton;

namespace prefstudio::ui {

class FrontierChart : public QWidget {
  Q_OBJECT

 public:
  explicit FrontierChart(QWidget* parent = nullptr);

  // Replaces (or creates) a run's points, in step order.
  void setRunPoints(const QString& key, const QString& label, const QVector<double>& kl,
                    const QVector<double>& score);
  void removeRun(const QString& key);
  void clearRuns();
  int runCount() const { return static_cast<int>(runs_.size()); }
  int pointCount(const QString& key) const;  // 0 for an unknown run
  void setRunColor(const QString& key, const QColor& color);

  // "true_score" or "reward". setMeasure emits measureChanged when it changes the choice.
  QString measure() const;
  void setMeasure(const QString& measure);

  bool exportImage(const QString& path);  // .png .pdf .svg; false + no file on failure
  QCustomPlot* plot() const { return plot_; }
  QString hoverTextAt(const QPointF& pos) const;  // run, KL, score of the nearest point, or ""

 Q_SIGNALS:
  void measureChanged(const QString& measure);

 private:
  struct Run {
    QString label;
    QColor color;
    QCPCurve* curve = nullptr;
  };
  struct Hit {
    const Run* run = nullptr;
    int index = -1;
    double distance = 0;  // pixels
  };

  void styleRun(Run& run);
  void onMeasureChosen();
  void fit();
  Hit nearestPoint(const QPointF& pos) const;
  void onMouseMove(QMouseEvent* event);
  void exportViaDialog();

  QComboBox* measure_box_ = nullptr;
  QPushButton* export_button_ = nullptr;
  QCustomPlot* plot_ = nullptr;
  QCPItemTracer* tracer_ = nullptr;
  QMap<QString, Run> runs_;
  int next_color_ = 0;
};

}  // namespace prefstudio::ui
