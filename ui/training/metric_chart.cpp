// MetricChart (see metric_chart.h). Each series is one QCPGraph with exactly one point per raw
// point (a hidden value is NaN, not left out), so a raw index is also the graph's index and
// appending or replacing the last step touches only the end of the graph's data. Layers, bottom
// to top: grid, markers, faint (raw curves behind smoothed ones), main (the curves), overlay (the
// hover tracer, buffered on its own so hovering redraws only it).
#include "ui/training/metric_chart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "ui/training/chart_export.h"
#include "ui/training/chart_style.h"
#include "ui/training/qcustomplot_include.h"
#include "ui/training/replot_queue.h"

namespace prefstudio::ui {

namespace {

constexpr double kMaxSmoothing = 0.99;
constexpr double kHoverReach = 24.0;  // pixels from the mouse to a point it may show
constexpr double kMarkerReach = 5.0;  // pixels from a marker line that show its text
constexpr int kSparsePoints = 60;    // up to this many points a series also shows them as dots
constexpr int kFaintAlpha = 60;       // the raw curve behind a smoothed one
constexpr int kMarkersListed = 40;    // in the marker summary's tooltip
constexpr int kGrowthRoom = 1024;     // points a rebuilt graph can take before it reallocates
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Shortest text that reads back as the same double ("0.1", "1200", "nan").
QString exactNumber(double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return QString::fromLatin1(buffer, static_cast<int>(result.ptr - buffer));
}

QPen cosmeticPen(const QColor& color) {
  QPen pen(color, 1.0);
  pen.setCosmetic(true);
  return pen;
}

// Adds points after the graph's last; an empty graph takes the vector itself, capacity and all.
void appendTo(QCPGraph* graph, const QVector<QCPGraphData>& points) {
  if (graph->data()->isEmpty())
    graph->data()->set(points, /*alreadySorted=*/true);
  else
    graph->data()->add(points, /*alreadySorted=*/true);
}

QString readableNumber(double value) { return QString::number(value, 'g', 6); }

QString csvField(const QString& text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
      !text.contains(QLatin1Char('\n')))
    return text;
  QString quoted = text;
  quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString fileBaseName(const QString& title) {
  QString base = title.toLower().simplified();
  base.replace(QLatin1Char(' '), QLatin1Char('_'));
  return base.isEmpty() ? QStringLiteral("chart") : base;
}

}  // namespace

MetricChart::MetricChart(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setObjectName("metricChart");
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("plot");
  setUpChartPlot(plot_, title, 3);
  plot_->xAxis->setLabel(tr("step"));
  plot_->yAxis->setLabel(title);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);         // hover without a button held
  plot_->setNoAntialiasingOnDrag(true);  // panning 100,000-point curves stays fluid
  plot_->addLayer("faint", plot_->layer("main"), QCustomPlot::limBelow);
  plot_->addLayer("markers", plot_->layer("faint"), QCustomPlot::limBelow);
  plot_->layer("overlay")->setMode(QCPLayer::lmBuffered);

  tracer_ = new QCPItemTracer(plot_);
  tracer_->setLayer("overlay");
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setSize(9);
  tracer_->setSelectable(false);
  tracer_->setVisible(false);

  connect(plot_, &QCustomPlot::mouseMove, this, &MetricChart::onMouseMove);
  connect(plot_, &QCustomPlot::mousePress, this, [this] { stopFollowing(); });
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { stopFollowing(); });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &MetricChart::fit);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(makeToolbar());
  layout->addWidget(plot_, 1);
  updateMarkerSummary();
}

QWidget* MetricChart::makeToolbar() {
  auto* bar = new QWidget(this);
  bar->setObjectName("chartToolbar");
  auto* label = new QLabel(tr("Smoothing"), bar);
  label->setObjectName("smoothingLabel");
  smoothing_slider_ = new QSlider(Qt::Horizontal, bar);
  smoothing_slider_->setObjectName("smoothingSlider");
  smoothing_slider_->setRange(0, qRound(kMaxSmoothing * 100));
  smoothing_slider_->setMaximumWidth(140);
  smoothing_slider_->setToolTip(
      tr("Exponential moving average weight, as in TensorBoard; 0 shows the raw values"));
  smoothing_value_ = new QLabel(QStringLiteral("0.00"), bar);
  smoothing_value_->setObjectName("smoothingValue");
  smoothing_value_->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
  log_y_box_ = new QCheckBox(tr("log y"), bar);
  log_y_box_->setObjectName("logYCheck");
  log_y_box_->setToolTip(tr("Logarithmic value axis; values at or below zero are not drawn"));
  markers_label_ = new QLabel(bar);
  markers_label_->setObjectName("markerSummary");
  fit_button_ = new QPushButton(tr("Fit"), bar);
  fit_button_->setObjectName("fitButton");
  fit_button_->setToolTip(tr("Show all the data and follow it as it grows (or double-click)"));
  export_button_ = new QPushButton(tr("Export…"), bar);
  export_button_->setObjectName("exportButton");

  auto* row = new QHBoxLayout(bar);
  row->setContentsMargins(4, 0, 4, 0);
  row->addWidget(label);
  row->addWidget(smoothing_slider_);
  row->addWidget(smoothing_value_);
  row->addSpacing(8);
  row->addWidget(log_y_box_);
  row->addStretch(1);
  row->addWidget(markers_label_);
  row->addWidget(fit_button_);
  row->addWidget(export_button_);
  connect(smoothing_slider_, &QSlider::valueChanged, this,
          [this](int value) { setSmoothing(value / 100.0); });
  connect(log_y_box_, &QCheckBox::toggled, this, &MetricChart::setLogY);
  connect(fit_button_, &QPushButton::clicked, this, &MetricChart::fit);
  connect(export_button_, &QPushButton::clicked, this, &MetricChart::exportViaDialog);
  return bar;
}

// ---- series ----

MetricChart::Series& MetricChart::seriesFor(const QString& key, const QString& label) {
  auto it = series_.find(key);
  if (it == series_.end()) {
    Series series;
    series.label = label.isNull() ? key : label;
    series.color = chartColor(next_color_++);
    series.line = plot_->addGraph();
    series.line->setAdaptiveSampling(true);
    if (smoothing_ > 0) createFaint(series);
    it = series_.insert(key, series);
  } else if (!label.isNull()) {
    it->label = label;
  }
  styleSeries(*it);
  return *it;
}

void MetricChart::createFaint(Series& series) {
  series.faint = plot_->addGraph();
  series.faint->setLayer("faint");
  series.faint->removeFromLegend();
  series.faint->setAdaptiveSampling(true);
  series.faint->setSelectable(QCP::stNone);
}

// One-pixel cosmetic pens: a wider pen sends a 100,000-point curve through Qt's path stroker,
// and a frame of four such charts took 55 ms instead of 5 (bench_chart_latency).
void MetricChart::styleSeries(Series& series) {
  series.line->setName(series.label);
  series.line->setPen(cosmeticPen(series.color));
  markSparse(series);
  if (series.faint) series.faint->setPen(cosmeticPen(faintColor(series.color, kFaintAlpha)));
}

void MetricChart::removeGraphs(Series& series) {
  plot_->removeGraph(series.line);
  if (series.faint) plot_->removeGraph(series.faint);
  series.line = series.faint = nullptr;
}

// A series of few points (an evaluation every N steps, a single final value) shows its points as
// dots: a lone point drawn as a line is invisible.
void MetricChart::markSparse(Series& series) {
  const bool sparse = series.x.size() <= kSparsePoints;
  series.line->setScatterStyle(sparse ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5)
                                      : QCPScatterStyle(QCPScatterStyle::ssNone));
}

// Adds points to the raw data by the append rule; returns the first raw index that changed.
int MetricChart::ingest(Series& series, const QVector<double>& x, const QVector<double>& y) {
  const int n = static_cast<int>(std::min(x.size(), y.size()));
  int from = static_cast<int>(series.x.size());
  for (int i = 0; i < n; ++i) {
    if (!series.x.isEmpty() && x[i] <= series.x.last()) {
      // The same step again replaces it; an earlier one (a resumed run) drops what followed.
      int keep = static_cast<int>(std::lower_bound(series.x.begin(), series.x.end(), x[i]) -
                                  series.x.begin());
      series.x.resize(keep);
      series.y.resize(keep);
      from = std::min(from, keep);
    }
    series.x.append(x[i]);
    series.y.append(y[i]);
  }
  return from;
}

void MetricChart::setSeries(const QString& key, const QString& label, const QVector<double>& x,
                            const QVector<double>& y) {
  Series& series = seriesFor(key, label);
  series.x.clear();
  series.y.clear();
  series.x.reserve(x.size() + x.size() / 2 + kGrowthRoom);  // as the graphs: room for the polls
  series.y.reserve(x.size() + x.size() / 2 + kGrowthRoom);
  ingest(series, x, y);
  rebuild(series);
  markSparse(series);
  data_changed_ = true;
  requestReplot();
}

void MetricChart::appendPoints(const QString& key, const QVector<double>& x,
                               const QVector<double>& y) {
  if (x.isEmpty() || y.isEmpty()) return;
  Series& series = seriesFor(key, QString());
  const int from = ingest(series, x, y);
  showFrom(series, from);
  markSparse(series);
  data_changed_ = true;
  // Zoomed into the past while the run goes on: new steps right of the view change nothing
  // shown (the segment from the last point before them counts), so no frame is spent on them.
  const double firstChanged = series.x[std::max(0, from - 1)];
  if (following_ || firstChanged <= plot_->xAxis->range().upper) requestReplot();
}

void MetricChart::removeSeries(const QString& key) {
  auto it = series_.find(key);
  if (it == series_.end()) return;
  removeGraphs(*it);
  series_.erase(it);
  tracer_->setVisible(false);
  data_changed_ = true;
  requestReplot();
}

void MetricChart::clearSeries() {
  for (Series& series : series_) removeGraphs(series);
  series_.clear();
  next_color_ = 0;
  tracer_->setVisible(false);
  requestReplot();
}

QStringList MetricChart::seriesKeys() const { return series_.keys(); }

int MetricChart::pointCount(const QString& key) const {
  auto it = series_.find(key);
  return it == series_.end() ? 0 : static_cast<int>(it->x.size());
}

void MetricChart::setSeriesColor(const QString& key, const QColor& color) {
  auto it = series_.find(key);
  if (it == series_.end()) return;
  it->color = color;
  styleSeries(*it);
  requestReplot();
}

// ---- what the graphs show ----

// Log y: a logarithmic axis cannot place values <= 0, and QCustomPlot would draw them at a
// clamped extreme, so they become NaN: a gap in the curve, skipped by hover and by the fit.
double MetricChart::shownValue(double value) const { return log_y_ && !(value > 0) ? kNaN : value; }

void MetricChart::rebuild(Series& series) {
  series.ema = EmaState();
  series.ema_before_last = EmaState();
  series.line->data()->clear();
  if (series.faint) series.faint->data()->clear();
  pushShown(series, 0);
}

// Brings the graphs up to the raw data when raw points from `from` on are new: the usual case
// appends, a replaced last step rolls back one point and its EMA state, anything else rebuilds.
void MetricChart::showFrom(Series& series, int from) {
  const int shown = series.line->dataCount();
  if (from < shown - 1) {
    rebuild(series);
    return;
  }
  if (from == shown - 1) {
    double lastKey = (series.line->data()->constEnd() - 1)->key;
    series.line->data()->remove(lastKey);
    if (series.faint) series.faint->data()->remove(lastKey);
    series.ema = series.ema_before_last;
  }
  pushShown(series, from);
}

void MetricChart::pushShown(Series& series, int from) {
  const int n = static_cast<int>(series.x.size()) - from;
  if (n <= 0) return;
  QVector<QCPGraphData> line, raw;
  // Filling empty graphs: room to grow, so the first polls of a loaded run append in place. (The
  // container adopts this vector as it is; growing a full one copied 32 graphs of 100,000 points
  // in a 79 ms stall on the first poll of bench_chart_latency.)
  const int capacity = series.line->data()->isEmpty() ? n + n / 2 + kGrowthRoom : n;
  line.reserve(capacity);
  if (series.faint) raw.reserve(capacity);
  for (int k = 0; k < n; ++k) {
    const double step = series.x[from + k], value = series.y[from + k];
    series.ema_before_last = series.ema;
    const double smoothed = emaStep(series.ema, value, smoothing_);
    line.append(QCPGraphData(step, shownValue(smoothing_ > 0 ? smoothed : value)));
    if (series.faint) raw.append(QCPGraphData(step, shownValue(value)));
  }
  appendTo(series.line, line);
  if (series.faint) appendTo(series.faint, raw);
}

// ---- markers ----

void MetricChart::addMarker(const QString& key, double x, const QString& text,
                            const QColor& color) {
  auto* line = new QCPItemStraightLine(plot_);
  line->setLayer("markers");
  line->setSelectable(false);
  line->setPen(QPen(faintColor(color, 170), 1.0, Qt::DashLine));
  // x in steps, y in axis-rect fractions: the line spans the plot on a linear or log axis alike.
  for (QCPItemPosition* point : {line->point1, line->point2}) {
    point->setAxisRect(plot_->axisRect());
    point->setAxes(plot_->xAxis, plot_->yAxis);
    point->setTypeX(QCPItemPosition::ptPlotCoords);
    point->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  line->point1->setCoords(x, 0.0);
  line->point2->setCoords(x, 1.0);
  markers_.append({key, x, text, line});
  updateMarkerSummary();
  requestReplot();
}

void MetricChart::removeMarkers(const QString& key) {
  for (int i = static_cast<int>(markers_.size()) - 1; i >= 0; --i) {
    if (markers_[i].key != key) continue;
    plot_->removeItem(markers_[i].line);
    markers_.remove(i);
  }
  updateMarkerSummary();
  requestReplot();
}

void MetricChart::clearMarkers() {
  for (const Marker& marker : markers_) plot_->removeItem(marker.line);
  markers_.clear();
  updateMarkerSummary();
  requestReplot();
}

int MetricChart::markerCount() const { return static_cast<int>(markers_.size()); }

void MetricChart::updateMarkerSummary() {
  markers_label_->setVisible(!markers_.isEmpty());
  markers_label_->setText(markers_.size() == 1 ? tr("⚑ 1 marker")
                                               : tr("⚑ %1 markers").arg(markers_.size()));
  QVector<Marker> sorted = markers_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Marker& a, const Marker& b) { return a.x < b.x; });
  QStringList lines;
  for (int i = 0; i < std::min<int>(kMarkersListed, static_cast<int>(sorted.size())); ++i)
    lines << tr("step %1: %2").arg(readableNumber(sorted[i].x), sorted[i].text);
  if (sorted.size() > kMarkersListed)
    lines << tr("… and %1 more").arg(sorted.size() - kMarkersListed);
  markers_label_->setToolTip(lines.join(QLatin1Char('\n')));
}

QStringList MetricChart::markersNear(double pixelX) const {
  QStringList lines;
  for (const Marker& marker : markers_)
    if (std::abs(plot_->xAxis->coordToPixel(marker.x) - pixelX) <= kMarkerReach)
      lines << tr("⚑ step %1: %2").arg(readableNumber(marker.x), marker.text);
  return lines;
}

// ---- smoothing, log y, fit ----

void MetricChart::setSmoothing(double weight) {
  weight = std::clamp(weight, 0.0, kMaxSmoothing);
  {
    QSignalBlocker block(smoothing_slider_);
    smoothing_slider_->setValue(qRound(weight * 100));
  }
  smoothing_value_->setText(QString::number(weight, 'f', 2));
  if (weight == smoothing_) return;
  smoothing_ = weight;
  for (Series& series : series_) {
    if (smoothing_ > 0 && !series.faint) createFaint(series);
    if (smoothing_ == 0 && series.faint) {
      plot_->removeGraph(series.faint);
      series.faint = nullptr;
    }
    styleSeries(series);
    rebuild(series);
  }
  data_changed_ = true;
  requestReplot();
}

void MetricChart::setLogY(bool on) {
  {
    QSignalBlocker block(log_y_box_);
    log_y_box_->setChecked(on);
  }
  if (on == log_y_) return;
  log_y_ = on;
  QCPAxis* axis = plot_->yAxis;
  axis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (on)
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog));
  else
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  axis->setNumberFormat(on ? "eb" : "gbd");  // 10^-2 style powers on the log axis
  axis->setNumberPrecision(on ? 0 : 6);
  for (Series& series : series_) rebuild(series);
  fit();  // the old linear range may hold nothing a log axis can show
}

void MetricChart::rescale() {
  plot_->rescaleAxes();
  widenFlatRange();
  plot_->yAxis->scaleRange(1.1);   // a little air above and below the curves
  plot_->xAxis->scaleRange(1.03);  // and beside them: a point on the edge stays whole
  data_changed_ = false;
}

// A constant curve (a learning rate without schedule) has an empty value range, which QCustomPlot
// refuses, keeping whatever range the axis had: centre the axis on the value instead.
void MetricChart::widenFlatRange() {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const Series& series : series_)
    for (double y : series.y)
      if (std::isfinite(y) && (!log_y_ || y > 0)) low = std::min(low, y), high = std::max(high, y);
  if (!(low <= high) || high - low > 1e-12 * std::max(1.0, std::abs(high))) return;
  const double half = low == 0.0 ? 1.0 : std::abs(low) * 0.1;
  plot_->yAxis->setRange(low - half, high + half);
}

void MetricChart::syncRanges() {
  if (following_ && data_changed_) rescale();
}

void MetricChart::fit() {
  following_ = true;
  rescale();
  requestReplot();
}

void MetricChart::stopFollowing() { following_ = false; }

// ---- replot ----

void MetricChart::requestReplot() {
  ReplotQueue::instance().request(this, [this] { replotNow(); });
}

void MetricChart::replotNow() {
  if (!isVisible()) return;  // a hidden tab costs nothing; showEvent catches up
  syncRanges();
  plot_->replot();
}

void MetricChart::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  requestReplot();
}

// ---- hover ----

MetricChart::Hit MetricChart::nearestPoint(const QPointF& pos) const {
  Hit best;
  best.distance = kHoverReach;
  const double step = plot_->xAxis->pixelToCoord(pos.x());
  for (const Series& series : series_) {
    QSharedPointer<QCPGraphDataContainer> data = series.line->data();
    if (data->isEmpty()) continue;
    // Binary search: the first point at or after the mouse's step, and the one before it.
    const int after = static_cast<int>(data->findBegin(step, false) - data->constBegin());
    for (int index : {after - 1, after}) {
      if (index < 0 || index >= data->size()) continue;
      const QCPGraphData& point = *(data->constBegin() + index);
      if (!std::isfinite(point.value)) continue;
      const double distance = std::hypot(plot_->xAxis->coordToPixel(point.key) - pos.x(),
                                         plot_->yAxis->coordToPixel(point.value) - pos.y());
      if (distance < best.distance) best = {&series, index, distance};
    }
  }
  return best;
}

QString MetricChart::describe(const QPointF& pos, Hit* hit) const {
  if (!plot_->axisRect()->rect().contains(pos.toPoint())) return QString();
  Hit found = nearestPoint(pos);
  if (hit) *hit = found;
  QStringList lines;
  if (found.series) {
    const Series& series = *found.series;
    QString value = readableNumber(series.y[found.index]);
    if (smoothing_ > 0)
      value += tr(" (smoothed %1)")
                   .arg(readableNumber((series.line->data()->constBegin() + found.index)->value));
    lines << series.label << tr("step %1: %2").arg(readableNumber(series.x[found.index]), value);
  }
  lines << markersNear(pos.x());
  return lines.join(QLatin1Char('\n'));
}

QString MetricChart::hoverTextAt(const QPointF& pos) const { return describe(pos, nullptr); }

void MetricChart::onMouseMove(QMouseEvent* event) {
  Hit hit;
  // While a button is down the mouse is panning, not pointing at a value.
  QString text = event->buttons() == Qt::NoButton ? describe(event->position(), &hit) : QString();
  const bool wasVisible = tracer_->visible();
  if (hit.series) {
    const QCPGraphData& point = *(hit.series->line->data()->constBegin() + hit.index);
    tracer_->position->setCoords(point.key, point.value);
    tracer_->setPen(QPen(hit.series->color, 1.5));
    tracer_->setBrush(Qt::white);
  }
  tracer_->setVisible(hit.series != nullptr);
  if (hit.series || wasVisible) tracer_->layer()->replot();  // only the overlay layer
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

// ---- export ----

bool MetricChart::exportImage(const QString& path) {
  syncRanges();  // draw what the next frame would show, even if it has not come yet
  return exportPlot(plot_, path);
}

bool MetricChart::exportCsv(const QString& path) {
  if (exportFormat(path) != QLatin1String("csv")) return false;
  QSaveFile file(path);  // written whole or not at all
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  QString text = QStringLiteral("series,step,value\n");
  for (const Series& series : series_) {
    const QString name = csvField(series.label);
    for (int i = 0; i < series.x.size(); ++i)
      text += name + QLatin1Char(',') + exactNumber(series.x[i]) + QLatin1Char(',') +
              exactNumber(series.y[i]) + QLatin1Char('\n');
  }
  file.write(text.toUtf8());
  return file.commit();
}

void MetricChart::exportViaDialog() {
  QString path = askExportPath(this, fileBaseName(title_), /*withCsv=*/true);
  if (path.isEmpty()) return;
  bool ok = exportFormat(path) == QLatin1String("csv") ? exportCsv(path) : exportImage(path);
  if (!ok) QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
}

}  // namespace prefstudio::ui
