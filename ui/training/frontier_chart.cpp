// FrontierChart (see frontier_chart.h). The x axis always reaches KL 0, the reference policy
// itself, so how far each run moved is read from the same origin. Frontier data is a point per
// evaluation (tens to hundreds per run), so hover scans the points rather than searching them.
#include "ui/training/frontier_chart.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/training/chart_export.h"
#include "ui/training/chart_style.h"
#include "ui/training/qcustomplot_include.h"

namespace prefstudio::ui {

namespace {

constexpr double kHoverReach = 24.0;  // pixels from the mouse to a point it may show
const QString kTrueScore = QStringLiteral("true_score");
const QString kReward = QStringLiteral("reward");

QString scoreAxisLabel(const QString& measure) {
  return measure == kReward ? QObject::tr("reward model score")
                            : QObject::tr("true score (held-out judge)");
}

}  // namespace

FrontierChart::FrontierChart(QWidget* parent) : QWidget(parent) {
  setObjectName("frontierChart");
  auto* label = new QLabel(tr("Score"), this);
  label->setObjectName("measureLabel");
  measure_box_ = new QComboBox(this);
  measure_box_->setObjectName("measureCombo");
  measure_box_->addItem(tr("true score (judge)"), kTrueScore);
  measure_box_->addItem(tr("reward model"), kReward);
  export_button_ = new QPushButton(tr("Export…"), this);
  export_button_->setObjectName("exportButton");
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("plot");
  setUpChartPlot(plot_, tr("Score against KL to the reference"), 3);
  plot_->xAxis->setLabel(tr("sequence KL to the reference (nats)"));
  plot_->yAxis->setLabel(scoreAxisLabel(kTrueScore));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);  // hover without a button held
  plot_->layer("overlay")->setMode(QCPLayer::lmBuffered);
  tracer_ = new QCPItemTracer(plot_);
  tracer_->setLayer("overlay");
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setSize(11);
  tracer_->setSelectable(false);
  tracer_->setVisible(false);

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(4, 0, 4, 0);
  bar->addWidget(label);
  bar->addWidget(measure_box_);
  bar->addStretch(1);
  bar->addWidget(export_button_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addLayout(bar);
  layout->addWidget(plot_, 1);
  connect(measure_box_, &QComboBox::currentIndexChanged, this, &FrontierChart::onMeasureChosen);
  connect(export_button_, &QPushButton::clicked, this, &FrontierChart::exportViaDialog);
  connect(plot_, &QCustomPlot::mouseMove, this, &FrontierChart::onMouseMove);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &FrontierChart::fit);
}

void FrontierChart::setRunPoints(const QString& key, const QString& label,
                                 const QVector<double>& kl, const QVector<double>& score) {
  auto it = runs_.find(key);
  if (it == runs_.end()) {
    Run run;
    run.color = chartColor(next_color_++);
    run.curve = new QCPCurve(plot_->xAxis, plot_->yAxis);
    it = runs_.insert(key, run);
  }
  it->label = label;
  styleRun(*it);
  const int n = static_cast<int>(std::min(kl.size(), score.size()));
  it->curve->setData(kl.mid(0, n), score.mid(0, n));  // t = index: step order is kept
  tracer_->setVisible(false);
  fit();
}

void FrontierChart::styleRun(Run& run) {
  run.curve->setName(run.label);
  run.curve->setPen(QPen(faintColor(run.color, 150), 1.0));
  run.curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, run.color, run.color, 6));
}

void FrontierChart::removeRun(const QString& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  plot_->removePlottable(it->curve);
  runs_.erase(it);
  tracer_->setVisible(false);
  fit();
}

void FrontierChart::clearRuns() {
  for (const Run& run : runs_) plot_->removePlottable(run.curve);
  runs_.clear();
  next_color_ = 0;
  tracer_->setVisible(false);
  fit();
}

int FrontierChart::pointCount(const QString& key) const {
  auto it = runs_.find(key);
  return it == runs_.end() ? 0 : it->curve->dataCount();
}

void FrontierChart::setRunColor(const QString& key, const QColor& color) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  it->color = color;
  styleRun(*it);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString FrontierChart::measure() const { return measure_box_->currentData().toString(); }

void FrontierChart::setMeasure(const QString& measure) {
  int index = measure_box_->findData(measure);
  if (index >= 0) measure_box_->setCurrentIndex(index);  // emits through onMeasureChosen
}

void FrontierChart::onMeasureChosen() {
  plot_->yAxis->setLabel(scoreAxisLabel(measure()));
  plot_->replot(QCustomPlot::rpQueuedReplot);
  Q_EMIT measureChanged(measure());
}

void FrontierChart::fit() {
  if (runs_.isEmpty()) {
    plot_->xAxis->setRange(0, 1);
    plot_->yAxis->setRange(0, 1);
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  plot_->rescaleAxes();
  plot_->xAxis->scaleRange(1.1);
  plot_->yAxis->scaleRange(1.15);
  if (plot_->xAxis->range().lower > 0) plot_->xAxis->setRangeLower(0);  // the reference itself
  plot_->replot(QCustomPlot::rpQueuedReplot);  // QCustomPlot's own coalescing: one per loop
}

FrontierChart::Hit FrontierChart::nearestPoint(const QPointF& pos) const {
  Hit best;
  best.distance = kHoverReach;
  for (const Run& run : runs_) {
    const QSharedPointer<QCPCurveDataContainer> data = run.curve->data();
    for (int i = 0; i < data->size(); ++i) {
      const QCPCurveData& point = *(data->constBegin() + i);
      if (!std::isfinite(point.key) || !std::isfinite(point.value)) continue;
      const double distance = std::hypot(plot_->xAxis->coordToPixel(point.key) - pos.x(),
                                         plot_->yAxis->coordToPixel(point.value) - pos.y());
      if (distance < best.distance) best = {&run, i, distance};
    }
  }
  return best;
}

QString FrontierChart::hoverTextAt(const QPointF& pos) const {
  Hit hit = nearestPoint(pos);
  if (!hit.run) return QString();
  const QCPCurveData& point = *(hit.run->curve->data()->constBegin() + hit.index);
  return tr("%1\nKL %2 nats\n%3 %4")
      .arg(hit.run->label)
      .arg(point.key, 0, 'g', 4)
      .arg(scoreAxisLabel(measure()))
      .arg(point.value, 0, 'g', 4);
}

void FrontierChart::onMouseMove(QMouseEvent* event) {
  Hit hit = event->buttons() == Qt::NoButton ? nearestPoint(event->position()) : Hit();
  const bool wasVisible = tracer_->visible();
  if (hit.run) {
    const QCPCurveData& point = *(hit.run->curve->data()->constBegin() + hit.index);
    tracer_->position->setCoords(point.key, point.value);
    tracer_->setPen(QPen(hit.run->color, 1.5));
  }
  tracer_->setVisible(hit.run != nullptr);
  if (hit.run || wasVisible) tracer_->layer()->replot();  // only the overlay layer
  QString text = hit.run ? hoverTextAt(event->position()) : QString();
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

bool FrontierChart::exportImage(const QString& path) { return exportPlot(plot_, path); }

void FrontierChart::exportViaDialog() {
  QString path = askExportPath(this, QStringLiteral("frontier"), /*withCsv=*/false);
  if (path.isEmpty()) return;
  if (!exportImage(path))
    QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
}

}  // namespace prefstudio::ui
