// The Training tab's charts (ui/training): the debiased EMA against a hand computation; a metric
// chart's series rules (a repeated step replaces the last point, a rewound step drops what
// followed), markers, log y with values at or below zero, the faint raw curve behind a smoothed
// one, coalesced replots, hover and the PNG/PDF/SVG/CSV exports; the calibration chart drawn from
// a reward model report exactly as the trainer stores it; the reward-against-KL frontier. When
// PREFSTUDIO_SCREENSHOT_DIR is set, the last test saves training_charts.png there (all three
// charts filled with example data in one window).
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QHBoxLayout>
#include <QImage>
#include <QJsonDocument>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSignalSpy>
#include <QSlider>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QVBoxLayout>
#include <QtTest>
#include <cmath>
#include <limits>
#include <random>

#include "ui/app_style.h"
#include "ui/training/calibration_chart.h"
#include "ui/training/ema_smoothing.h"
#include "ui/training/frontier_chart.h"
#include "ui/training/metric_chart.h"
#include "ui/training/qcustomplot_include.h"

using namespace prefstudio;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The trainer's calibration report for a reward model on 2,700 held-out pairs (10 reliability
// bins, 8 gap bins of about equal count).
const char* kReport = R"json({
  "accuracy": 0.661, "brier": 0.2054, "ece": 0.0316, "log_loss": 0.6025, "pairs": 2700,
  "per_labeler": {"simulated-careful": {"accuracy": 0.654, "pairs": 900},
                  "simulated-hasty": {"accuracy": 0.612, "pairs": 900}},
  "accuracy_by_gap": [
    {"accuracy": 0.504, "bradley_terry": 0.509, "count": 337, "gap_high": 0.0758, "gap_low": 0.00024},
    {"accuracy": 0.540, "bradley_terry": 0.529, "count": 337, "gap_high": 0.158, "gap_low": 0.0758},
    {"accuracy": 0.571, "bradley_terry": 0.551, "count": 337, "gap_high": 0.252, "gap_low": 0.158},
    {"accuracy": 0.598, "bradley_terry": 0.577, "count": 337, "gap_high": 0.362, "gap_low": 0.252},
    {"accuracy": 0.629, "bradley_terry": 0.607, "count": 337, "gap_high": 0.497, "gap_low": 0.362},
    {"accuracy": 0.677, "bradley_terry": 0.646, "count": 337, "gap_high": 0.680, "gap_low": 0.497},
    {"accuracy": 0.742, "bradley_terry": 0.697, "count": 337, "gap_high": 0.981, "gap_low": 0.680},
    {"accuracy": 0.826, "bradley_terry": 0.790, "count": 341, "gap_high": 2.874, "gap_low": 0.981}],
  "reliability": [
    {"count": 457, "high": 0.1, "low": 0.0, "mean_predicted": 0.0442, "observed": 0.105},
    {"count": 262, "high": 0.2, "low": 0.1, "mean_predicted": 0.151, "observed": 0.189},
    {"count": 226, "high": 0.3, "low": 0.2, "mean_predicted": 0.251, "observed": 0.262},
    {"count": 241, "high": 0.4, "low": 0.3, "mean_predicted": 0.352, "observed": 0.371},
    {"count": 164, "high": 0.5, "low": 0.4, "mean_predicted": 0.451, "observed": 0.468},
    {"count": 164, "high": 0.6, "low": 0.5, "mean_predicted": 0.549, "observed": 0.532},
    {"count": 241, "high": 0.7, "low": 0.6, "mean_predicted": 0.648, "observed": 0.629},
    {"count": 226, "high": 0.8, "low": 0.7, "mean_predicted": 0.749, "observed": 0.738},
    {"count": 262, "high": 0.9, "low": 0.8, "mean_predicted": 0.849, "observed": 0.811},
    {"count": 457, "high": 1.0, "low": 0.9, "mean_predicted": 0.956, "observed": 0.895}]
})json";

QJsonObject exampleReport() { return QJsonDocument::fromJson(kReport).object(); }

QVector<double> graphKeys(QCPGraph* graph) {
  QVector<double> keys;
  for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
    keys << it->key;
  return keys;
}

QVector<double> graphValues(QCPGraph* graph) {
  QVector<double> values;
  for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
    values << it->value;
  return values;
}

// Same numbers, NaN equal to NaN, within 1e-12.
bool sameValues(const QVector<double>& a, const QVector<double>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return false;
    if (!std::isnan(a[i]) && std::abs(a[i] - b[i]) > 1e-12) return false;
  }
  return true;
}

// The chart's graphs on one layer: "main" (the curves) or "faint" (raw behind smoothed ones).
QList<QCPGraph*> graphsOnLayer(QCustomPlot* plot, const QString& layer) {
  QList<QCPGraph*> graphs;
  for (int i = 0; i < plot->graphCount(); ++i)
    if (plot->graph(i)->layer()->name() == layer) graphs << plot->graph(i);
  return graphs;
}

QCPGraph* lineOf(ui::MetricChart& chart, const QString& label) {
  for (QCPGraph* graph : graphsOnLayer(chart.plot(), "main"))
    if (graph->name() == label) return graph;
  return nullptr;
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Shows `widget` and lays out and draws its plots now, so pixel positions are final however
// slowly the machine runs.
bool showAndSettle(QWidget& widget) {
  widget.show();
  if (!QTest::qWaitForWindowExposed(&widget)) return false;
  QTest::qWait(30);
  for (QCustomPlot* plot : widget.findChildren<QCustomPlot*>()) plot->replot();
  return true;
}

QPointF pixelOf(QCustomPlot* plot, double x, double y) {
  return QPointF(plot->xAxis->coordToPixel(x), plot->yAxis->coordToPixel(y));
}

void fillExampleLoss(ui::MetricChart& chart) {
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0.0, 0.06);
  for (int run = 1; run <= 3; ++run) {
    QVector<double> x, y;
    for (int step = 0; step <= 2000; step += 5) {
      x << step;
      y << 0.69 * std::exp(-step / (500.0 * run)) + 0.25 + 0.04 * run + noise(random);
    }
    chart.setSeries(QString("%1/loss").arg(run), QString("run %1 · train loss").arg(run), x, y);
  }
  chart.addMarker("1", 600, "GaLore projector refresh", QColor(0x9c, 0x75, 0x5f));
  chart.addMarker("2", 1200, "checkpoint", QColor(0x59, 0xa1, 0x4f));
  chart.addMarker("3", 1500, "warning: KL above target", QColor(0xe1, 0x57, 0x59));
}

void fillExampleFrontier(ui::FrontierChart& chart) {
  for (int run = 1; run <= 3; ++run) {
    QVector<double> kl, score;
    for (int i = 0; i < 12; ++i) {
      double k = i * (0.25 + 0.2 * run);
      kl << k;
      score << 0.3 + (0.45 - 0.05 * run) * (1.0 - std::exp(-k / (2.0 * run))) +
                   0.01 * std::sin(i * 1.7 + run);
    }
    chart.setRunPoints(QString::number(run),
                       QString("run %1 (β = %2)").arg(run).arg(0.5 / run, 0, 'g', 2), kl, score);
  }
}

}  // namespace

class TestTrainingCharts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void emaMatchesAHandComputation() {
    // w = 0.5 on 1, 2, 3: biased 0.5, 1.25, 2.125 over debias 0.5, 0.75, 0.875.
    QVERIFY(sameValues(ui::emaSmooth({1, 2, 3}, 0.5), {1.0, 5.0 / 3.0, 17.0 / 7.0}));
    // w = 0.6 on 10, 20: 4 / 0.4 = 10, then (2.4 + 8) / 0.64 = 16.25.
    QVERIFY(sameValues(ui::emaSmooth({10, 20}, 0.6), {10.0, 16.25}));
    // A NaN is skipped (it neither moves nor counts) and stays NaN.
    QVERIFY(sameValues(ui::emaSmooth({1, kNaN, 3}, 0.5), {1.0, kNaN, 7.0 / 3.0}));
    QVERIFY(sameValues(ui::emaSmooth({4, -2, kNaN, 7.5}, 0.0), {4, -2, kNaN, 7.5}));
    QVERIFY(ui::emaSmooth({}, 0.5).isEmpty());
  }

  void emaStepContinuesTheSeries() {
    QVector<double> y = {0.7, 0.65, kNaN, 0.5, 0.52, 0.4};
    ui::EmaState state;
    QVector<double> stepped;
    for (double value : y) stepped << ui::emaStep(state, value, 0.8);
    QVERIFY(sameValues(stepped, ui::emaSmooth(y, 0.8)));
    QCOMPARE(state.count, 5);
  }

  void aRepeatedStepReplacesTheLastPoint() {
    ui::MetricChart chart("Loss");
    chart.setSeries("1/loss", "run 1", {0, 10, 20}, {3, 2, 1});
    QCOMPARE(chart.seriesKeys(), QStringList{"1/loss"});
    QCOMPARE(chart.pointCount("1/loss"), 3);
    chart.appendPoints("1/loss", {20, 30}, {1.5, 0.9});  // step 20 polled again, then 30
    QCOMPARE(chart.pointCount("1/loss"), 4);
    QCPGraph* line = lineOf(chart, "run 1");
    QVERIFY(line);
    QCOMPARE(graphKeys(line), (QVector<double>{0, 10, 20, 30}));
    QCOMPARE(graphValues(line), (QVector<double>{3, 2, 1.5, 0.9}));
    chart.appendPoints("1/loss", {30}, {0.8});
    QCOMPARE(graphValues(line), (QVector<double>{3, 2, 1.5, 0.8}));
    // A run resumed from step 10's checkpoint: what came after step 10 is gone.
    chart.appendPoints("1/loss", {10, 15}, {2.2, 1.9});
    QCOMPARE(chart.pointCount("1/loss"), 3);
    QCOMPARE(graphKeys(line), (QVector<double>{0, 10, 15}));
    QCOMPARE(graphValues(line), (QVector<double>{3, 2.2, 1.9}));
  }

  void seriesComeAndGo() {
    ui::MetricChart chart("Reward");
    chart.setSeries("1/reward", "run 1", {0, 1}, {0.1, 0.2});
    chart.appendPoints("2/reward", {0, 1, 2}, {0.3, 0.2, 0.1});  // unknown key: created
    QCOMPARE(chart.seriesKeys(), (QStringList{"1/reward", "2/reward"}));
    QCOMPARE(chart.pointCount("2/reward"), 3);
    QVERIFY(lineOf(chart, "2/reward"));  // labelled by its key until setSeries names it
    QVERIFY(lineOf(chart, "run 1")->pen().color() != lineOf(chart, "2/reward")->pen().color());
    chart.setSeries("1/reward", "run 1 (renamed)", {5}, {1.0});  // replaces, keeps one graph
    QCOMPARE(chart.pointCount("1/reward"), 1);
    QCOMPARE(chart.plot()->graphCount(), 2);
    chart.setSeriesColor("2/reward", QColor(Qt::darkMagenta));
    QCOMPARE(lineOf(chart, "2/reward")->pen().color(), QColor(Qt::darkMagenta));
    chart.removeSeries("1/reward");
    QCOMPARE(chart.seriesKeys(), QStringList{"2/reward"});
    QCOMPARE(chart.pointCount("1/reward"), 0);
    QCOMPARE(chart.plot()->graphCount(), 1);
    chart.clearSeries();
    QVERIFY(chart.seriesKeys().isEmpty());
    QCOMPARE(chart.plot()->graphCount(), 0);
  }

  void markersAreListedAndShownOnHover() {
    ui::MetricChart chart("Loss");
    chart.resize(700, 420);
    chart.setSeries("1/loss", "run 1", {0, 500, 1000}, {1, 0.5, 0.4});
    chart.addMarker("1", 200, "GaLore projector refresh", Qt::darkYellow);
    chart.addMarker("1", 800, "checkpoint", Qt::darkGreen);
    chart.addMarker("2", 400, "warning: loss spike", Qt::red);
    chart.fit();
    QCOMPARE(chart.markerCount(), 3);
    auto* summary = chart.findChild<QLabel*>("markerSummary");
    QVERIFY(summary);
    QCOMPARE(summary->text(), QString("⚑ 3 markers"));
    QCOMPARE(summary->toolTip(), QString("step 200: GaLore projector refresh\nstep 400: warning: "
                                         "loss spike\nstep 800: checkpoint"));
    QVERIFY(showAndSettle(chart));
    QCustomPlot* plot = chart.plot();
    QPointF atMarker(plot->xAxis->coordToPixel(800), plot->yAxis->coordToPixel(0.9));
    QVERIFY(chart.hoverTextAt(atMarker).contains("step 800: checkpoint"));
    QVERIFY(!chart.hoverTextAt(atMarker).contains("GaLore"));
    chart.removeMarkers("1");
    QCOMPARE(chart.markerCount(), 1);
    QCOMPARE(summary->text(), QString("⚑ 1 marker"));
    chart.clearMarkers();
    QCOMPARE(chart.markerCount(), 0);
    QVERIFY(summary->isHidden());
  }

  void logYLeavesOutValuesAtOrBelowZero() {
    ui::MetricChart chart("KL");
    chart.setSeries("1/kl", "run 1", {0, 1, 2, 3, 4}, {-0.5, 0.0, 0.01, 0.1, 2.0});
    auto* box = chart.findChild<QCheckBox*>("logYCheck");
    QVERIFY(box);
    box->setChecked(true);  // as the user would
    QVERIFY(chart.logY());
    QCOMPARE(chart.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCPGraph* line = lineOf(chart, "run 1");
    QVERIFY(sameValues(graphValues(line), {kNaN, kNaN, 0.01, 0.1, 2.0}));
    QCOMPARE(chart.pointCount("1/kl"), 5);  // hidden, not dropped
    QCPRange range = chart.plot()->yAxis->range();
    QVERIFY(range.lower > 0 && range.lower <= 0.01 && range.upper >= 2.0);
    chart.appendPoints("1/kl", {5}, {-1.0});
    QVERIFY(std::isnan(graphValues(line).last()));
    chart.setLogY(false);
    QVERIFY(!box->isChecked());
    QVERIFY(sameValues(graphValues(line), {-0.5, 0.0, 0.01, 0.1, 2.0, -1.0}));
    QCOMPARE(chart.plot()->yAxis->scaleType(), QCPAxis::stLinear);
  }

  void smoothingDrawsTheRawCurveFaintBehind() {
    ui::MetricChart chart("Loss");
    QVector<double> x = {0, 1, 2, 3, 4, 5}, y1 = {1, 3, 2, 5, 4, 4.5}, y2 = {6, 5, 5.5, 4, 4, 3};
    chart.setSeries("1/loss", "run 1", x, y1);
    chart.setSeries("2/loss", "run 2", x, y2);
    QCOMPARE(chart.plot()->graphCount(), 2);
    auto* slider = chart.findChild<QSlider*>("smoothingSlider");
    QVERIFY(slider);
    slider->setValue(60);
    QCOMPARE(chart.smoothing(), 0.6);
    QCOMPARE(chart.findChild<QLabel*>("smoothingValue")->text(), QString("0.60"));
    QCOMPARE(chart.plot()->graphCount(), 4);
    QList<QCPGraph*> faint = graphsOnLayer(chart.plot(), "faint");
    QCOMPARE(faint.size(), 2);
    QVERIFY(sameValues(graphValues(faint[0]), y1));
    QVERIFY(sameValues(graphValues(faint[1]), y2));
    QCOMPARE(faint[0]->pen().color().rgb(), lineOf(chart, "run 1")->pen().color().rgb());
    QVERIFY(faint[0]->pen().color().alpha() < 100);
    QVERIFY(sameValues(graphValues(lineOf(chart, "run 1")), ui::emaSmooth(y1, 0.6)));
    QCOMPARE(chart.plot()->legend->itemCount(), 2);  // the faint copies are not in the legend
    // Appending (with a replaced last step) smooths incrementally to the same values.
    chart.appendPoints("1/loss", {5, 6, 7}, {4.2, 3.9, 3.5});
    QVector<double> raw = {1, 3, 2, 5, 4, 4.2, 3.9, 3.5};
    QVERIFY(sameValues(graphValues(lineOf(chart, "run 1")), ui::emaSmooth(raw, 0.6)));
    QVERIFY(sameValues(graphValues(faint[0]), raw));
    chart.setSmoothing(0);
    QCOMPARE(slider->value(), 0);
    QCOMPARE(chart.plot()->graphCount(), 2);
    QVERIFY(sameValues(graphValues(lineOf(chart, "run 1")), raw));
    chart.setSmoothing(5.0);
    QCOMPARE(chart.smoothing(), 0.99);  // clamped
  }

  void replotsAreCoalesced() {
    ui::MetricChart chart("Loss");
    chart.resize(600, 400);
    QVERIFY(showAndSettle(chart));
    QSignalSpy replots(chart.plot(), &QCustomPlot::afterReplot);
    for (int step = 0; step < 200; ++step) {
      chart.appendPoints("1/loss", {double(step)}, {1.0 / (1 + step)});
      chart.appendPoints("2/loss", {double(step)}, {2.0 / (1 + step)});
      chart.requestReplot();
    }
    QCOMPARE(replots.count(), 0);  // nothing drawn synchronously
    QTRY_COMPARE_WITH_TIMEOUT(replots.count(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(replots.count(), 1);  // 400 changes, one frame
    // While following the data the axes cover it, with a little air beside it.
    const QCPRange x = chart.plot()->xAxis->range();
    QVERIFY(x.lower < 0.0 && x.lower > -10.0);
    QVERIFY(x.upper > 199.0 && x.upper < 209.0);
  }

  void hoverFindsTheNearestPointOf100000() {
    ui::MetricChart chart("Loss");
    chart.resize(800, 450);
    QVector<double> x(100000), y(100000), z(100000);
    for (int i = 0; i < x.size(); ++i) {
      x[i] = i;
      y[i] = 1.0 + 0.5 * std::sin(i / 5000.0);
      z[i] = 3.0;
    }
    chart.setSeries("1/loss", "run 1", x, y);
    chart.setSeries("2/loss", "run 2", x, z);
    chart.fit();
    QVERIFY(showAndSettle(chart));
    QCustomPlot* plot = chart.plot();
    QPointF near = pixelOf(plot, 61234, y[61234]) + QPointF(0, 3);
    QString text = chart.hoverTextAt(near);
    QVERIFY2(text.startsWith("run 1\nstep 61"), qPrintable(text));
    double step = text.section("step ", 1).section(':', 0, 0).toDouble();
    QVERIFY(std::abs(step - 61234) < 100000.0 / plot->axisRect()->width() + 1);  // a pixel's steps
    QVERIFY(chart.hoverTextAt(pixelOf(plot, 20000, 3.0)).startsWith("run 2\nstep 20"));
    QVERIFY(chart.hoverTextAt(pixelOf(plot, 20000, 2.2)).isEmpty());  // between the curves
    // A real mouse move puts the tracer on the point.
    QMouseEvent move(QEvent::MouseMove, near, plot->mapToGlobal(near), Qt::NoButton, Qt::NoButton,
                     Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    auto* tracer = plot->findChild<QCPItemTracer*>();
    QVERIFY(tracer && tracer->visible());
    QVERIFY(std::abs(tracer->position->key() - 61234) < 200);
    QVERIFY(std::abs(tracer->position->value() - y[61234]) < 0.01);
  }

  void exportsPngPdfSvgAndCsv() {
    ui::MetricChart chart("Loss");
    chart.resize(640, 420);
    chart.setSeries("1/loss", "run 1", {0, 10, 20}, {0.7, 0.5, 0.1});
    chart.setSeries("2/loss", "run 2, β=0.1", {0, 10}, {0.9, kNaN});
    chart.setSmoothing(0.5);  // the CSV still holds raw values
    QVERIFY(showAndSettle(chart));
    QString png = dir_.filePath("loss.png"), pdf = dir_.filePath("loss.pdf"),
            svg = dir_.filePath("loss.svg"), csv = dir_.filePath("loss.csv");
    QVERIFY(chart.exportImage(png));
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), chart.plot()->size());
    QVERIFY(image.pixelColor(5, 5) == QColor(Qt::white));
    QVERIFY(chart.exportImage(pdf));
    QVERIFY(readAll(pdf).startsWith("%PDF"));
    QVERIFY(readAll(pdf).size() > 1000);
    QVERIFY(chart.exportImage(svg));
    QByteArray svgText = readAll(svg);
    QVERIFY(svgText.startsWith("<?xml") || svgText.contains("<svg"));
    QVERIFY(svgText.contains("<path") || svgText.contains("<polyline"));  // vectors, not a bitmap
    QVERIFY(chart.exportCsv(csv));
    QCOMPARE(QString::fromUtf8(readAll(csv)), QString("series,step,value\n"
                                                      "run 1,0,0.7\n"
                                                      "run 1,10,0.5\n"
                                                      "run 1,20,0.1\n"
                                                      "\"run 2, β=0.1\",0,0.9\n"
                                                      "\"run 2, β=0.1\",10,nan\n"));
    // Failures leave nothing behind.
    QVERIFY(!chart.exportImage(dir_.filePath("loss.txt")));
    QVERIFY(!QFile::exists(dir_.filePath("loss.txt")));
    QVERIFY(!chart.exportImage(dir_.filePath("missing/loss.png")));
    QVERIFY(!chart.exportCsv(dir_.filePath("missing/loss.csv")));
    QVERIFY(!chart.exportCsv(dir_.filePath("loss.png.txt")));
  }

  void calibrationChartShowsTheReport() {
    ui::CalibrationChart chart;
    chart.setReport(exampleReport());
    QCustomPlot* reliability = chart.reliabilityPlot();
    auto* diagonal = reliability->findChild<QCPGraph*>("diagonal");
    QVERIFY(diagonal);
    QCOMPARE(graphKeys(diagonal), (QVector<double>{0, 1}));
    QCOMPARE(graphValues(diagonal), (QVector<double>{0, 1}));
    auto* observed = reliability->findChild<QCPGraph*>("observed");
    QVERIFY(observed);
    QCOMPARE(observed->dataCount(), 10);
    QCOMPARE(graphKeys(observed).first(), 0.0442);
    QCOMPARE(graphValues(observed).first(), 0.105);
    QCOMPARE(graphKeys(observed).last(), 0.956);
    QCOMPARE(graphValues(observed).last(), 0.895);
    QList<QCPItemText*> counts = reliability->findChildren<QCPItemText*>("countLabel");
    QCOMPARE(counts.size(), 10);
    QCOMPARE(counts.first()->text(), QString("457"));
    QCOMPARE(counts.first()->position->coords(), QPointF(0.0442, 0.105));
    QVERIFY(reliability->xAxis->range().contains(0) && reliability->xAxis->range().contains(1));
    QVERIFY(reliability->xAxis->range().size() < 1.1);
    QVERIFY(chart.gapPlot()->findChildren<QCPItemText*>().isEmpty());  // gap counts: on hover
    auto* calibration = reliability->findChild<QCPGraph*>("calibrationLegend");
    QCOMPARE(calibration->name(), QString("ECE 0.032 · Brier 0.205"));
    QVERIFY(reliability->legend->hasItemWithPlottable(calibration));

    QCustomPlot* gap = chart.gapPlot();
    auto* measured = gap->findChild<QCPGraph*>("measuredAccuracy");
    QCOMPARE(measured->dataCount(), 8);
    QVERIFY(std::abs(graphKeys(measured).first() - (0.00024 + 0.0758) / 2) < 1e-12);
    QCOMPARE(graphValues(measured).first(), 0.504);
    QVERIFY(std::abs(graphKeys(measured).last() - (0.981 + 2.874) / 2) < 1e-12);
    QCOMPARE(graphValues(gap->findChild<QCPGraph*>("bradleyTerryBins")).last(), 0.790);
    auto* curve = gap->findChild<QCPGraph*>("bradleyTerryCurve");
    QVERIFY(curve->dataCount() > 100);
    QCOMPARE(graphKeys(curve).first(), 0.0);
    QCOMPARE(graphKeys(curve).last(), 2.874);
    for (auto it = curve->data()->constBegin(); it != curve->data()->constEnd(); ++it)
      QVERIFY(std::abs(it->value - 1.0 / (1.0 + std::exp(-it->key))) < 1e-12);
    QCOMPARE(gap->findChild<QCPGraph*>("accuracyLegend")->name(),
             QString("accuracy 66.1% · 2700 pairs"));
    QVERIFY(chart.summary()->text().contains("2700 held-out pairs"));
    QVERIFY(chart.summary()->text().contains("simulated-careful 65.4% (900 pairs)"));
    QVERIFY(chart.summary()->text().contains("log loss 0.603"));

    chart.resize(1000, 420);
    QVERIFY(showAndSettle(chart));
    QString png = dir_.filePath("calibration.png");
    QVERIFY(chart.exportImage(png));
    QImage image(png);
    QCOMPARE(image.height(), reliability->height());
    QVERIFY(image.width() >= reliability->width() + gap->width());
    QVERIFY(chart.exportImage(dir_.filePath("calibration.svg")));
    // The SVG is a drawing Qt itself can render back: both plots, the curves in colour.
    QSvgRenderer svg(dir_.filePath("calibration.svg"));
    QVERIFY(svg.isValid());
    QCOMPARE(svg.viewBox(), QRect(QPoint(0, 0), image.size()));
    QImage rendered(image.size(), QImage::Format_ARGB32);
    rendered.fill(Qt::white);
    QPainter painter(&rendered);
    svg.render(&painter);
    painter.end();
    QVERIFY(rendered.pixelColor(reliability->width() / 2, reliability->height() / 2) !=
            QColor(Qt::black));
    int coloured = 0;
    for (int y = 0; y < rendered.height(); y += 2)
      for (int x = 0; x < rendered.width(); x += 2) {
        QColor c = rendered.pixelColor(x, y);
        coloured += c.saturation() > 80;
      }
    QVERIFY2(coloured > 200, qPrintable(QString::number(coloured)));
    QCOMPARE(chart.hoverTextAt(reliability, pixelOf(reliability, 0.151, 0.189) + QPointF(3, 1)),
             QString("bin 0.1–0.2: predicted 0.151, observed 0.189\n262 pairs"));
    QCOMPARE(chart.hoverTextAt(gap, pixelOf(gap, (0.981 + 2.874) / 2, 0.826)),
             QString("gap 0.981–2.87: accuracy 82.6%, Bradley–Terry 79.0%\n341 pairs"));
    QVERIFY(chart.hoverTextAt(gap, pixelOf(gap, 2.0, 0.45)).isEmpty());
  }

  void calibrationChartShowsWhatIsThere() {
    ui::CalibrationChart chart;
    chart.setReport(QJsonObject{{"accuracy", 0.7}});
    QCustomPlot* reliability = chart.reliabilityPlot();
    QCOMPARE(reliability->findChild<QCPGraph*>("observed")->dataCount(), 0);
    QVERIFY(!reliability->legend->hasItemWithPlottable(
        reliability->findChild<QCPGraph*>("calibrationLegend")));
    QCOMPARE(chart.gapPlot()->findChild<QCPGraph*>("accuracyLegend")->name(),
             QString("accuracy 70.0%"));
    QVERIFY(chart.gapPlot()->findChild<QCPGraph*>("bradleyTerryCurve")->dataCount() > 100);
    // Wrong types and half bins: the bins that are whole are shown, the rest left out.
    QJsonObject odd = QJsonDocument::fromJson(R"({"reliability": "oops", "ece": "0.1",
        "accuracy_by_gap": [1, {"gap_low": "x"}, {"gap_low": 0.5, "gap_high": 1.5,
        "accuracy": 0.7}]})")
                          .object();
    chart.setReport(odd);
    QCOMPARE(reliability->findChild<QCPGraph*>("observed")->dataCount(), 0);
    QCPGraph* measured = chart.gapPlot()->findChild<QCPGraph*>("measuredAccuracy");
    QCOMPARE(graphKeys(measured), QVector<double>{1.0});
    QVERIFY(
        std::isnan(graphValues(chart.gapPlot()->findChild<QCPGraph*>("bradleyTerryBins")).first()));
    chart.clear();
    QVERIFY(chart.summary()->text().startsWith("No calibration report"));
    QCOMPARE(chart.gapPlot()->findChild<QCPGraph*>("measuredAccuracy")->dataCount(), 0);
  }

  void frontierChartKeepsEachRunInStepOrder() {
    ui::FrontierChart chart;
    chart.resize(700, 450);
    chart.setRunPoints("1", "run 1", {0.0, 2.0, 1.5}, {0.3, 0.6, 0.5});
    chart.setRunPoints("2", "run 2", {0.0, 0.5, 1.0, 1.5}, {0.3, 0.35, 0.42, 0.44});
    QCOMPARE(chart.runCount(), 2);
    QCOMPARE(chart.pointCount("1"), 3);
    QCOMPARE(chart.pointCount("2"), 4);
    auto* curve = qobject_cast<QCPCurve*>(chart.plot()->plottable(0));
    QVERIFY(curve);
    QVector<double> kl;
    for (auto it = curve->data()->constBegin(); it != curve->data()->constEnd(); ++it)
      kl << it->key;
    QCOMPARE(kl, (QVector<double>{0.0, 2.0, 1.5}));  // as given, not sorted by KL
    QCOMPARE(chart.plot()->xAxis->label(), QString("sequence KL to the reference (nats)"));
    QVERIFY(chart.plot()->xAxis->range().lower <= 0.0);
    QVERIFY(chart.plot()->xAxis->range().upper >= 2.0);
    chart.setRunPoints("1", "run 1", {0.0, 1.0}, {0.3, 0.4});  // refilled
    QCOMPARE(chart.runCount(), 2);
    QCOMPARE(chart.pointCount("1"), 2);

    QCOMPARE(chart.measure(), QString("true_score"));
    QSignalSpy changed(&chart, &ui::FrontierChart::measureChanged);
    auto* combo = chart.findChild<QComboBox*>("measureCombo");
    combo->setCurrentIndex(1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toString(), QString("reward"));
    QCOMPARE(chart.measure(), QString("reward"));
    QCOMPARE(chart.plot()->yAxis->label(), QString("reward model score"));

    QVERIFY(showAndSettle(chart));
    QPointF point = pixelOf(chart.plot(), 1.0, 0.42) + QPointF(2, -2);
    QCOMPARE(chart.hoverTextAt(point), QString("run 2\nKL 1 nats\nreward model score 0.42"));
    QVERIFY(chart.exportImage(dir_.filePath("frontier.pdf")));
    QVERIFY(readAll(dir_.filePath("frontier.pdf")).startsWith("%PDF"));
    chart.removeRun("1");
    QCOMPARE(chart.runCount(), 1);
    chart.clearRuns();
    QCOMPARE(chart.runCount(), 0);
    QCOMPARE(chart.plot()->plottableCount(), 0);
  }

  // The three charts as the Training tab will hold them, with example data.
  void screenshot() {
    QWidget window;
    window.resize(1400, 900);
    auto* loss = new ui::MetricChart("Loss", &window);
    fillExampleLoss(*loss);
    loss->setSmoothing(0.6);
    auto* frontier = new ui::FrontierChart(&window);
    fillExampleFrontier(*frontier);
    auto* calibration = new ui::CalibrationChart(&window);
    calibration->setReport(exampleReport());
    auto* top = new QHBoxLayout;
    top->addWidget(loss, 3);
    top->addWidget(frontier, 2);
    auto* layout = new QVBoxLayout(&window);
    layout->addLayout(top, 1);
    layout->addWidget(calibration, 1);
    QVERIFY(showAndSettle(window));
    QImage shot = window.grab().toImage();
    // The curves are drawn: plenty of pixels in run 1's colour (palette blue, 0x4e79a7).
    int blue = 0;
    for (int y = 0; y < shot.height(); ++y)
      for (int x = 0; x < shot.width(); ++x) blue += shot.pixel(x, y) == QColor(0x4e79a7).rgb();
    QVERIFY2(blue > 300, qPrintable(QString::number(blue)));
    QString out = qEnvironmentVariable("PREFSTUDIO_SCREENSHOT_DIR");
    if (!out.isEmpty()) QVERIFY(shot.save(QDir(out).filePath("training_charts.png")));
  }

 private:
  QTemporaryDir dir_;
};

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  ui::applyCalmStyle(app);
  TestTrainingCharts test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_training_charts.moc"
