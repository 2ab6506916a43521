// CalibrationChart (see calibration_chart.h). The summaries ("ECE 0.032 · Brier 0.205",
// "accuracy 66.1% · 2700 pairs") are legend entries of data-less graphs with no pen: the legend
// sits under each plot, so the figures travel with an exported picture and cover no point.
#include "ui/training/calibration_chart.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/training/chart_export.h"
#include "ui/training/chart_style.h"
#include "ui/training/qcustomplot_include.h"

namespace prefstudio::ui {

namespace {

constexpr int kCurvePoints = 200;     // the Bradley-Terry curve is smooth at any plot width
constexpr double kEdge = 0.02;        // margin around the reliability diagram's unit square
constexpr double kHoverReach = 24.0;  // pixels from the mouse to a bin point it may show
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A number field of `object`, NaN when it is missing or not a number.
double number(const QJsonObject& object, const char* name) {
  QJsonValue value = object.value(QLatin1String(name));
  return value.isDouble() ? value.toDouble() : kNaN;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

QString percent(double rate) { return QStringLiteral("%1%").arg(rate * 100.0, 0, 'f', 1); }

// "0.1–0.2" for a bin's bounds, "?" where one is missing.
QString rangeText(double low, double high) {
  auto bound = [](double value) {
    return std::isnan(value) ? QStringLiteral("?") : QString::number(value, 'g', 3);
  };
  return bound(low) + QStringLiteral("–") + bound(high);
}

QString pairsText(double count) {
  return std::isnan(count) ? QString() : QObject::tr("%1 pairs").arg(count, 0, 'f', 0);
}

QCPGraph* addPointsGraph(QCustomPlot* plot, const QString& name, const QColor& color,
                         QCPScatterStyle::ScatterShape shape, bool joined) {
  QCPGraph* graph = plot->addGraph();
  graph->setName(name);
  graph->setPen(joined ? QPen(color, 1.4) : QPen(Qt::NoPen));
  graph->setLineStyle(joined ? QCPGraph::lsLine : QCPGraph::lsNone);
  graph->setScatterStyle(QCPScatterStyle(
      shape, color, shape == QCPScatterStyle::ssDisc ? color : QColor(Qt::transparent), 7));
  return graph;
}

// A graph with no data and no pen: only its name shows, as a line of text in the legend.
QCPGraph* addLegendText(QCustomPlot* plot, const QString& objectName) {
  QCPGraph* graph = plot->addGraph();
  graph->setPen(Qt::NoPen);
  graph->setLineStyle(QCPGraph::lsNone);
  graph->setObjectName(objectName);
  return graph;
}

}  // namespace

CalibrationChart::CalibrationChart(QWidget* parent) : QWidget(parent) {
  setObjectName("calibrationChart");
  summary_ = new QLabel(this);
  summary_->setObjectName("calibrationSummary");
  summary_->setWordWrap(true);
  export_button_ = new QPushButton(tr("Export…"), this);
  export_button_->setObjectName("exportButton");
  reliability_ = new QCustomPlot(this);
  reliability_->setObjectName("reliabilityPlot");
  gap_ = new QCustomPlot(this);
  gap_->setObjectName("gapPlot");
  setUpReliabilityPlot();
  setUpGapPlot();

  auto* top = new QHBoxLayout;
  top->addWidget(summary_, 1);
  top->addWidget(export_button_, 0, Qt::AlignTop);
  auto* plots = new QHBoxLayout;
  plots->addWidget(reliability_, 1);
  plots->addWidget(gap_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top);
  layout->addLayout(plots, 1);
  connect(export_button_, &QPushButton::clicked, this, &CalibrationChart::exportViaDialog);
  for (QCustomPlot* plot : {reliability_, gap_}) {
    plot->setMouseTracking(true);  // hover without a button held
    connect(plot, &QCustomPlot::mouseMove, this,
            [this, plot](QMouseEvent* event) { showHover(plot, event); });
  }
  clear();
}

void CalibrationChart::setUpReliabilityPlot() {
  setUpChartPlot(reliability_, tr("Reliability"), 2);
  reliability_->xAxis->setLabel(tr("predicted probability (bin mean)"));
  reliability_->yAxis->setLabel(tr("observed frequency"));
  // 0..1 and a hair more, so a bin observed at exactly 0 or 1 is not cut in half by the edge.
  reliability_->xAxis->setRange(-kEdge, 1 + kEdge);
  reliability_->yAxis->setRange(-kEdge, 1 + kEdge);
  QCPGraph* diagonal = reliability_->addGraph();
  diagonal->setObjectName("diagonal");
  diagonal->setName(tr("perfect calibration"));
  diagonal->setPen(QPen(QColor(0x99, 0x99, 0x99), 1.0, Qt::DashLine));
  diagonal->setData({0.0, 1.0}, {0.0, 1.0});
  observed_ = addPointsGraph(reliability_, tr("observed per bin (n = pairs)"), chartColor(0),
                             QCPScatterStyle::ssDisc, true);
  observed_->setObjectName("observed");
  reliability_legend_ = addLegendText(reliability_, "calibrationLegend");
}

void CalibrationChart::setUpGapPlot() {
  setUpChartPlot(gap_, tr("Accuracy against score gap"), 2);
  gap_->xAxis->setLabel(tr("score gap |r(a) − r(b)| (bin centre)"));
  gap_->yAxis->setLabel(tr("accuracy"));
  bt_curve_ = gap_->addGraph();
  bt_curve_->setObjectName("bradleyTerryCurve");
  bt_curve_->setName(tr("Bradley–Terry σ(gap)"));
  bt_curve_->setPen(QPen(chartColor(2), 1.6));
  bt_bins_ = addPointsGraph(gap_, tr("Bradley–Terry per bin"), chartColor(2),
                            QCPScatterStyle::ssCrossSquare, false);
  bt_bins_->setObjectName("bradleyTerryBins");
  accuracy_ = addPointsGraph(gap_, tr("measured accuracy per bin"), chartColor(0),
                             QCPScatterStyle::ssDisc, true);
  accuracy_->setObjectName("measuredAccuracy");
  gap_legend_ = addLegendText(gap_, "accuracyLegend");
}

void CalibrationChart::clear() { setReport(QJsonObject()); }

void CalibrationChart::setReport(const QJsonObject& report) {
  report_ = report;
  reliability_->clearItems();
  gap_->clearItems();
  fillReliability();
  fillGap();
  fillSummary();
  reliability_->replot(QCustomPlot::rpQueuedReplot);
  gap_->replot(QCustomPlot::rpQueuedReplot);
}

void CalibrationChart::addCountLabel(QCustomPlot* plot, double x, double y, double count) {
  if (std::isnan(count)) return;
  auto* label = new QCPItemText(plot);
  label->setObjectName("countLabel");
  label->setClipToAxisRect(false);
  label->position->setCoords(x, y);
  label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
  label->setPadding(QMargins(0, 0, 0, 5));  // clear of the point below it
  label->setText(QString::number(count, 'f', 0));
  QFont font = plot->font();
  font.setPointSizeF(7.5);
  label->setFont(font);
  label->setColor(QColor(0x66, 0x66, 0x66));
}

void CalibrationChart::fillReliability() {
  QVector<double> predicted, observed;
  reliability_points_.clear();
  reliability_tips_.clear();
  for (const QJsonValue& value : report_.value("reliability").toArray()) {
    QJsonObject bin = value.toObject();
    double x = number(bin, "mean_predicted"), y = number(bin, "observed");
    if (std::isnan(x) || std::isnan(y)) continue;  // an empty bin has no point
    predicted << x;
    observed << y;
    double count = number(bin, "count");
    addCountLabel(reliability_, x, y, count);
    reliability_points_ << QPointF(x, y);
    reliability_tips_ << tr("bin %1: predicted %2, observed %3\n%4")
                             .arg(rangeText(number(bin, "low"), number(bin, "high")))
                             .arg(x, 0, 'f', 3)
                             .arg(y, 0, 'f', 3)
                             .arg(pairsText(count));
  }
  observed_->setData(predicted, observed);
  double ece = number(report_, "ece"), brier = number(report_, "brier");
  QStringList parts;
  if (!std::isnan(ece)) parts << tr("ECE %1").arg(ece, 0, 'f', 3);
  if (!std::isnan(brier)) parts << tr("Brier %1").arg(brier, 0, 'f', 3);
  reliability_legend_->setName(parts.join(QStringLiteral(" · ")));
  if (parts.isEmpty())
    reliability_legend_->removeFromLegend();
  else
    reliability_legend_->addToLegend();
}

void CalibrationChart::fillGap() {
  QVector<double> centres, measured, expected;
  gap_points_.clear();
  gap_tips_.clear();
  double high = 0.0;
  for (const QJsonValue& value : report_.value("accuracy_by_gap").toArray()) {
    QJsonObject bin = value.toObject();
    double low = number(bin, "gap_low"), top = number(bin, "gap_high");
    double accuracy = number(bin, "accuracy");
    if (std::isnan(low) || std::isnan(top) || std::isnan(accuracy)) continue;
    double centre = (low + top) / 2.0;
    high = std::max(high, top);
    centres << centre;
    measured << accuracy;
    double bradleyTerry = number(bin, "bradley_terry");
    expected << bradleyTerry;  // NaN when absent: no cross there
    // No count labels here: gap bins hold equal counts and crowd at small gaps; hover has them.
    gap_points_ << QPointF(centre, accuracy);
    gap_tips_ << tr("gap %1: accuracy %2, Bradley–Terry %3\n%4")
                     .arg(rangeText(low, top))
                     .arg(percent(accuracy))
                     .arg(std::isnan(bradleyTerry) ? QStringLiteral("–") : percent(bradleyTerry))
                     .arg(pairsText(number(bin, "count")));
  }
  accuracy_->setData(centres, measured);
  bt_bins_->setData(centres, expected);
  // sigmoid over the report's gap range (or 0..4 when it has none), evenly spaced.
  const double end = high > 0 ? high : 4.0;
  QVector<double> gaps(kCurvePoints + 1), curve(kCurvePoints + 1);
  for (int i = 0; i <= kCurvePoints; ++i) {
    gaps[i] = end * i / kCurvePoints;
    curve[i] = sigmoid(gaps[i]);
  }
  bt_curve_->setData(gaps, curve);
  gap_->xAxis->setRange(0, end * 1.03);
  double lowest = 0.5;
  for (double value : measured) lowest = std::min(lowest, value);
  gap_->yAxis->setRange(std::floor((lowest - 0.05) * 10) / 10, 1.0);

  double accuracy = number(report_, "accuracy"), pairs = number(report_, "pairs");
  QStringList parts;
  if (!std::isnan(accuracy)) parts << tr("accuracy %1").arg(percent(accuracy));
  if (!std::isnan(pairs)) parts << tr("%1 pairs").arg(pairs, 0, 'f', 0);
  gap_legend_->setName(parts.join(QStringLiteral(" · ")));
  if (parts.isEmpty())
    gap_legend_->removeFromLegend();
  else
    gap_legend_->addToLegend();
}

void CalibrationChart::fillSummary() {
  if (report_.isEmpty()) {
    summary_->setText(
        tr("No calibration report yet: the trainer writes one when a reward model "
           "finishes."));
    return;
  }
  QStringList figures;
  double accuracy = number(report_, "accuracy");
  if (!std::isnan(accuracy)) figures << tr("accuracy %1").arg(percent(accuracy));
  double logLoss = number(report_, "log_loss");
  if (!std::isnan(logLoss)) figures << tr("log loss %1").arg(logLoss, 0, 'f', 3);
  double brier = number(report_, "brier");
  if (!std::isnan(brier)) figures << tr("Brier %1").arg(brier, 0, 'f', 3);
  double ece = number(report_, "ece");
  if (!std::isnan(ece)) figures << tr("ECE %1").arg(ece, 0, 'f', 3);
  double pairs = number(report_, "pairs");
  QString text = std::isnan(pairs)
                     ? tr("Reward model on held-out pairs: %1.").arg(figures.join(", "))
                     : tr("Reward model on %1 held-out pairs: %2.")
                           .arg(pairs, 0, 'f', 0)
                           .arg(figures.join(", "));
  QStringList labelers;
  QJsonObject perLabeler = report_.value("per_labeler").toObject();
  for (auto it = perLabeler.begin(); it != perLabeler.end(); ++it) {
    QJsonObject stats = it.value().toObject();
    double rate = number(stats, "accuracy"), count = number(stats, "pairs");
    if (std::isnan(rate)) continue;
    labelers << (std::isnan(count)
                     ? tr("%1 %2").arg(it.key(), percent(rate))
                     : tr("%1 %2 (%3 pairs)").arg(it.key(), percent(rate)).arg(count, 0, 'f', 0));
  }
  if (!labelers.isEmpty()) text += tr(" Per labeler: %1.").arg(labelers.join(", "));
  summary_->setText(text);
}

QString CalibrationChart::hoverTextAt(QCustomPlot* plot, const QPointF& pos) const {
  const bool left = plot == reliability_;
  const QVector<QPointF>& points = left ? reliability_points_ : gap_points_;
  const QStringList& tips = left ? reliability_tips_ : gap_tips_;
  int nearest = -1;
  double reach = kHoverReach;
  for (int i = 0; i < points.size(); ++i) {
    double distance = std::hypot(plot->xAxis->coordToPixel(points[i].x()) - pos.x(),
                                 plot->yAxis->coordToPixel(points[i].y()) - pos.y());
    if (distance < reach) {
      reach = distance;
      nearest = i;
    }
  }
  return nearest < 0 ? QString() : tips[nearest];
}

void CalibrationChart::showHover(QCustomPlot* plot, QMouseEvent* event) {
  QString text = hoverTextAt(plot, event->position());
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

bool CalibrationChart::exportImage(const QString& path) {
  return exportPlots({reliability_, gap_}, path);
}

void CalibrationChart::exportViaDialog() {
  QString path = askExportPath(this, QStringLiteral("calibration"), /*withCsv=*/false);
  if (path.isEmpty()) return;
  if (!exportImage(path))
    QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
}

}  // namespace prefstudio::ui
