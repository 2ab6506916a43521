// CurvesPanel (see curves_panel.h).
#include "ui/training/curves_panel.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/training/chart_style.h"
#include "ui/training/metric_chart.h"

namespace prefstudio::ui {

namespace {

const QString kMemory = QStringLiteral("optimizer_state_bytes");
const QString kMemoryAdamw = QStringLiteral("optimizer_state_bytes_adamw");

QColor eventColor(const QString& kind) {
  if (kind == QLatin1String("warning")) return QColor(0xd3, 0x54, 0x00);
  if (kind == QLatin1String("projector_refresh")) return QColor(0x8e, 0x44, 0xad);
  return QColor(0x7f, 0x8c, 0x8d);
}

// Appends `fresh` to `series`; points at or after fresh's first step replace what was there (a
// polled step can gain a newer value).
void mergePoints(QVector<QPointF>& series, const QVector<QPointF>& fresh) {
  if (fresh.isEmpty()) return;
  const double first = fresh.front().x();
  while (!series.isEmpty() && series.back().x() >= first) series.pop_back();
  series += fresh;
}

}  // namespace

CurvesPanel::CurvesPanel(QWidget* parent) : QWidget(parent) {
  list_ = new QListWidget(this);
  list_->setObjectName("metricList");
  list_->setMaximumWidth(210);
  auto* charts = new QWidget(this);
  chartsLayout_ = new QVBoxLayout(charts);
  chartsLayout_->addStretch();
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(charts);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_);
  layout->addWidget(scroll, 1);
  connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    const QString metric = item->text();
    if (item->checkState() == Qt::Checked) {
      unchecked_.remove(metric);
      showChart(metric);
    } else {
      unchecked_.insert(metric);
      hideChart(metric);
    }
  });
}

QStringList CurvesPanel::defaultMetrics(const QString& kind) {
  QStringList metrics{"loss_train", "loss_val", "loss", "lr", kMemory};
  if (kind == "reward") metrics << "accuracy_train" << "accuracy_val" << "margin_train" << "ece_val";
  if (kind == "dpo")
    metrics << "rewards/chosen" << "rewards/rejected" << "rewards/margins"
            << "rewards/accuracies" << "eval/kl" << "eval/true_score";
  if (kind == "ppo" || kind == "rloo" || kind == "grpo")
    metrics << "objective/scores" << "objective/kl" << "objective/kl_coef" << "objective/entropy"
            << "policy/clipfrac" << "loss/value" << "eval/true_score";
  return metrics;
}

void CurvesPanel::setRuns(const QVector<RunInfo>& runs) {
  QMap<qint64, RunInfo> next;
  for (const RunInfo& run : runs) next.insert(run.id, run);
  if (next.keys() == runs_.keys()) {
    runs_ = next;  // the same runs, newer state: nothing on the charts changes
    return;
  }
  for (qint64 id : runs_.keys()) {
    if (next.contains(id)) continue;
    points_.remove(id);
    events_.remove(id);
    for (auto it = charts_.begin(); it != charts_.end(); ++it)
      for (const QString& metric : seriesMetrics(it.key())) it.value()->removeSeries(seriesKey(id, metric));
  }
  runs_ = next;
  refreshMetricList();
  for (MetricChart* chart : charts_) markEvents(chart);
}

void CurvesPanel::addPoints(qint64 runId, const QHash<QString, QVector<QPointF>>& metrics,
                            bool reset) {
  if (!runs_.contains(runId)) return;
  auto& mine = points_[runId];
  if (reset) mine.clear();
  for (auto it = metrics.begin(); it != metrics.end(); ++it) mergePoints(mine[it.key()], it.value());
  for (auto chart = charts_.begin(); chart != charts_.end(); ++chart) {
    for (const QString& metric : seriesMetrics(chart.key())) {
      if (!metrics.contains(metric) && !reset) continue;
      const QVector<QPointF>& points = mine.value(metric);
      if (reset || !chart.value()->seriesKeys().contains(seriesKey(runId, metric))) {
        QVector<double> x, y;
        for (const QPointF& p : points) x << p.x(), y << p.y();
        if (!x.isEmpty()) setSeries(chart.value(), runId, metric, x, y);
        continue;
      }
      QVector<double> x, y;
      for (const QPointF& p : metrics.value(metric)) x << p.x(), y << p.y();
      chart.value()->appendPoints(seriesKey(runId, metric), x, y);
    }
    chart.value()->requestReplot();
  }
  refreshMetricList();
}

void CurvesPanel::setEvents(qint64 runId, const QVector<RunEventRow>& events) {
  events_[runId] = events;
  for (MetricChart* chart : charts_) markEvents(chart);
}

void CurvesPanel::markEvents(MetricChart* chart) {
  chart->clearMarkers();
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (!runs_.contains(it.key())) continue;
    for (const RunEventRow& event : it.value())
      chart->addMarker(QString::number(it.key()) + "/" + event.kind, event.step,
                       QStringLiteral("run %1 step %2 [%3] %4")
                           .arg(it.key()).arg(event.step).arg(event.kind, event.message),
                       eventColor(event.kind));
  }
  chart->requestReplot();
}

void CurvesPanel::refreshMetricList() {
  QSet<QString> names;
  QSet<QString> defaults;
  for (auto it = points_.begin(); it != points_.end(); ++it)
    for (auto m = it.value().begin(); m != it.value().end(); ++m) names.insert(m.key());
  for (const RunInfo& run : runs_)
    for (const QString& metric : defaultMetrics(run.kind)) defaults.insert(metric);
  names.remove(kMemoryAdamw);  // drawn on the optimizer memory chart
  QStringList sorted = names.values();
  std::sort(sorted.begin(), sorted.end());
  QStringList shown;
  for (int row = 0; row < list_->count(); ++row) shown << list_->item(row)->text();
  if (shown == sorted) return;
  list_->blockSignals(true);
  list_->clear();
  for (const QString& name : sorted) {
    auto* item = new QListWidgetItem(name, list_);
    const bool on = charts_.contains(name) || (defaults.contains(name) && !unchecked_.contains(name));
    item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
  }
  list_->blockSignals(false);
  for (const QString& name : sorted)
    if (defaults.contains(name) && !unchecked_.contains(name)) showChart(name);
}

QStringList CurvesPanel::checkedMetrics() const { return charts_.keys(); }

void CurvesPanel::setMetricChecked(const QString& metric, bool checked) {
  const auto items = list_->findItems(metric, Qt::MatchExactly);
  if (!items.isEmpty()) items.front()->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

QStringList CurvesPanel::seriesMetrics(const QString& metric) const {
  return metric == kMemory ? QStringList{kMemory, kMemoryAdamw} : QStringList{metric};
}

// Each run has one colour on every chart (GaLore's AdamW reference a faint one).
void CurvesPanel::setSeries(MetricChart* chart, qint64 runId, const QString& metric,
                            const QVector<double>& x, const QVector<double>& y) {
  const QString key = seriesKey(runId, metric);
  chart->setSeries(key, seriesLabel(runId, metric), x, y);
  const QColor color = chartColor(static_cast<int>(runId));
  chart->setSeriesColor(key, metric == kMemoryAdamw ? faintColor(color, 110) : color);
}

QString CurvesPanel::seriesKey(qint64 runId, const QString& metric) const {
  return QString::number(runId) + "/" + metric;
}

QString CurvesPanel::seriesLabel(qint64 runId, const QString& metric) const {
  const RunInfo run = runs_.value(runId);
  const QString label = QStringLiteral("%1 %2").arg(runId).arg(run.name);
  return metric == kMemoryAdamw ? label + " (AdamW would use)" : label;
}

void CurvesPanel::showChart(const QString& metric) {
  if (charts_.contains(metric)) return;
  auto* chart = new MetricChart(metric == kMemory ? tr("optimizer state (bytes)") : metric, this);
  chart->setObjectName("chart:" + metric);
  chart->setMinimumHeight(260);
  charts_.insert(metric, chart);
  // Keep the charts in the list's (alphabetical) order.
  const int position = static_cast<int>(std::distance(charts_.begin(), charts_.find(metric)));
  chartsLayout_->insertWidget(position, chart);
  feedChart(chart, metric);
  markEvents(chart);
}

void CurvesPanel::hideChart(const QString& metric) {
  if (MetricChart* chart = charts_.take(metric)) chart->deleteLater();
}

void CurvesPanel::feedChart(MetricChart* chart, const QString& metric) {
  for (auto run = points_.begin(); run != points_.end(); ++run) {
    for (const QString& name : seriesMetrics(metric)) {
      const QVector<QPointF> points = run.value().value(name);
      if (points.isEmpty()) continue;
      QVector<double> x, y;
      for (const QPointF& p : points) x << p.x(), y << p.y();
      setSeries(chart, run.key(), name, x, y);
    }
  }
  chart->requestReplot();
}

}  // namespace prefstudio::ui
