// CalibrationChart: how far the reward model's preference probabilities can be trusted, from the
// calibration report the trainer stores (a JSON object). Left, the reliability diagram: observed
// frequency against mean predicted probability per bin, with each bin's pair count, against the
// diagonal of perfect calibration. Right, accuracy against the score gap: the measured accuracy
// per gap bin against the Bradley-Terry curve sigmoid(gap) the model's own scores promise.
// Rules: a missing or malformed field leaves its part of the picture out, never a crash; the
// chart only draws what it was given (the Training tab reads the report from the database).
#pragma once

#include <QJsonObject>
#include <QPointF>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCPGraph;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QPushButton;

namespace prefstudio::ui {

class CalibrationChart : public QWidget {
  Q_OBJECT

 public:
  explicit CalibrationChart(QWidget* parent = nullptr);

  void setReport(const QJsonObject& report);
  void clear();
  const QJsonObject& report() const { return report_; }

  // PNG, PDF or SVG by the suffix: both plots side by side. False and no file on failure.
  bool exportImage(const QString& path);

  // The bin under the mouse at `pos` (pixels of `plot`, one of the two): its range, pair count
  // and figures, as its tooltip shows them; empty when no point is near.
  QString hoverTextAt(QCustomPlot* plot, const QPointF& pos) const;

  QCustomPlot* reliabilityPlot() const { return reliability_; }
  QCustomPlot* gapPlot() const { return gap_; }
  QLabel* summary() const { return summary_; }

 private:
  void setUpReliabilityPlot();
  void setUpGapPlot();
  void fillReliability();
  void fillGap();
  void fillSummary();
  void addCountLabel(QCustomPlot* plot, double x, double y, double count);
  void showHover(QCustomPlot* plot, QMouseEvent* event);
  void exportViaDialog();

  QJsonObject report_;
  QLabel* summary_ = nullptr;
  QPushButton* export_button_ = nullptr;
  QCustomPlot* reliability_ = nullptr;
  QCustomPlot* gap_ = nullptr;
  QCPGraph* observed_ = nullptr;            // reliability: observed against predicted, per bin
  QCPGraph* reliability_legend_ = nullptr;  // no data: "ECE 0.032 · Brier 0.205" in the legend
  QCPGraph* accuracy_ = nullptr;            // gap: measured accuracy per bin
  QCPGraph* bt_curve_ = nullptr;            // gap: sigmoid(gap), smooth
  QCPGraph* bt_bins_ = nullptr;             // gap: the report's expected accuracy per bin
  QCPGraph* gap_legend_ = nullptr;          // no data: "accuracy 66.1% · 2700 pairs"
  // Each plot's bin points and their tooltips, in the report's order.
  QVector<QPointF> reliability_points_, gap_points_;
  QStringList reliability_tips_, gap_tips_;
};

}  // namespace prefstudio::ui
